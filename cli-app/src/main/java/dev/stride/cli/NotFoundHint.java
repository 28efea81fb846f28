package dev.stride.cli;

import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.Phrase;
import dev.stride.core.PredictionException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.ShellWords;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What to check when a server answered 404 or 405 to the path stride POSTed, with a redirect stride does not
 * follow, with nothing an API would answer, or with an error (5xx, a dropped connection) to every request. The client only knows the URL it sent; the command line knows which of its options chose it
 * ({@code --base-url}, {@code --endpoint}, {@code --api}), so the hint is said here, in the reader's language, fitted
 * to the request that was made.
 */
final class NotFoundHint {

    private NotFoundHint() {
    }

    /**
     * The hint for a run the server stopped with a 404 or 405, a redirect, or answers that could not be read; empty
     * for any other stop.
     */
    static Optional<Phrase> of(RunOutcome outcome, RunInfo run) {
        return of(outcome, run, null);
    }

    /**
     * As {@link #of(RunOutcome, RunInfo)}; with the run's SQLite {@code file} (or null), a run that holds no answer
     * and was refused its model is told how to forget it: it stays in the file, and every {@code stride run --db}
     * without an input resumed it again, long after the right --model made a run of its own.
     */
    static Optional<Phrase> of(RunOutcome outcome, RunInfo run, Path file) {
        if (!(outcome.error() instanceof PredictionException refusal)) {
            return Optional.empty();
        }
        if (refusal.kind().matches("http_3\\d\\d")) {
            // Only a redirect to https:// (or one without a Location) gets here: the client follows the others.
            return Optional.of(Messages.text("msg.hint.redirect", run.baseUrls().get(0)));
        }
        if (refusal.kind().equals("malformed_response")) {
            // Stopped because nothing it answered could be read (BatchRunner stops a run so only before any answer):
            // a web page or another service at the URL, far likelier than a model server gone wrong; unless what it
            // answered was the API's own error report (a stream's error event, a 2xx error object), which only the
            // API at the right URL sends.
            String words = refusal.getMessage();
            if (SERVER_REPORTED_ERROR.matcher(words).find()) {
                return Optional.of(Messages.text("msg.hint.serverError", run.baseUrls().get(0)));
            }
            // Streams that began as the API's and were cut (a proxy's read timeout, a server that dies mid-answer).
            return Optional.of(STREAM_CUT.matcher(words).find()
                    ? Messages.text("msg.hint.streamCut", run.baseUrls().get(0))
                    : Messages.text("msg.hint.notAnApi", run.baseUrls().get(0)));
        }
        if (gaveUpUnanswered(outcome) && refusal.kind().equals("http_503")) {
            // Refused as unavailable, every time: a server that is not ready (llama.cpp's while it loads its model) or
            // full with others' requests; nothing about the address or the server's health.
            return Optional.of(Messages.text("msg.hint.serverUnavailable", run.baseUrls().get(0)));
        }
        if (gaveUpUnanswered(outcome) && refusal.kind().equals("http_429")) {
            return Optional.of(Messages.text("msg.hint.serverRefusesAll", run.baseUrls().get(0)));
        }
        if (gaveUpUnanswered(outcome)
                && (refusal.kind().matches("http_5\\d\\d") || refusal.kind().equals("connection"))) {
            // Records spent their retries on 5xx answers or dropped connections, none answered: the address is a
            // server's, and that server fails; its log, not the options, says why.
            return Optional.of(Messages.text("msg.hint.serverFails", run.baseUrls().get(0)));
        }
        if (!refusal.kind().equals("http_404") && !refusal.kind().equals("http_405")) {
            return Optional.empty();
        }
        Endpoint endpoint = GenerationParams.fromJson(run.paramsJson()).endpointOrDefault();
        return Optional.of(switch (endpoint) {
            // Many servers (and most mock servers) serve chat only: the endpoint is the likelier cause than the URL.
            case COMPLETIONS -> Messages.text("msg.hint.notFound.completions");
            // Ollama's native API is only Ollama's: on any other server the path does not exist.
            case OLLAMA -> Messages.text("msg.hint.notFound.ollama");
            case CHAT -> run.baseUrls().stream().map(url -> url.replaceAll("/+$", ""))
                    .filter(url -> !url.endsWith("/v1")).findFirst()
                    .map(NotFoundHint::withoutV1)
                    .orElse(file != null && run.done() == 0 && run.failed() == 0
                            ? Messages.text("msg.hint.notFound.chatForget", run.model(),
                                    run.baseUrls().get(0).replaceAll("/+$", ""), ShellWords.quoted(file),
                                    ShellWords.quoted(run.name()))
                            : Messages.text("msg.hint.notFound.chat", run.model(),
                                    run.baseUrls().get(0).replaceAll("/+$", "")));
        });
    }

    /** Whether the run stopped as records gave up while no request of the session had an answer (BatchRunner). */
    static boolean gaveUpUnanswered(RunOutcome outcome) {
        return outcome.stopPhrase() != null && outcome.stopPhrase().key().equals("run.noAnswerYet");
    }

    /**
     * The model client's words for a 2xx that carried the server's own error instead of an answer: an error event or
     * error line mid-stream (SseDecoder, NdjsonDecoder) or an error object in a whole body (ResponseParser).
     */
    private static final Pattern SERVER_REPORTED_ERROR = Pattern.compile(
            "malformed HTTP \\d+ response: error (event mid-stream|line mid-stream|object in a 2xx body)");

    /**
     * The model client's words for a stream that ended before its end: cut short after some chunks or lines, or
     * before its first (nothing but the stream's own lines came), or its last chunk or line broken off
     * (SseDecoder, NdjsonDecoder); and any stream whose connection dropped under it (ModelClient), whatever it had
     * read: a dropped connection is no sign of another service at the URL.
     */
    private static final Pattern STREAM_CUT = Pattern.compile("malformed HTTP \\d+ response: stream (cut short: ended"
            + " (after|before)|(chunk|line) ([2-9]|\\d{2,}) is not JSON|.*\\(the connection dropped\\))");

    /** The paths stride adds to the base URL itself; a URL copied from a server's docs often ends in one. */
    private static final List<String> ENDPOINT_PATHS = List.of("/chat/completions", "/completions");

    /**
     * The hint for a base URL that does not end in /v1: the URL it should be. One that names an endpoint (the most
     * common mistake) loses that path; appending /v1 to it would make things worse.
     */
    private static Phrase withoutV1(String url) {
        for (String path : ENDPOINT_PATHS) {
            if (url.endsWith(path)) {
                String base = url.substring(0, url.length() - path.length());
                return Messages.text("msg.hint.notFound.endpointInUrl", url, path,
                        base.endsWith("/v1") ? base : base + "/v1");
            }
        }
        // Another version of the API (/v2, /v3): the one to write is /v1 in its place, not /v2/v1.
        Matcher version = OTHER_VERSION.matcher(url);
        return Messages.text("msg.hint.notFound.chatWithoutV1", url,
                version.find() ? url.substring(0, version.start()) + "/v1" : url + "/v1");
    }

    /** A last path segment /v2, /V3 after the host (http://v2 is a host, not a version). */
    private static final Pattern OTHER_VERSION = Pattern.compile("(?<=[^/])/[vV]\\d+$");
}
