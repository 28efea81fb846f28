package dev.stride.client;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A chat call that produced no result. Transport errors, HTTP statuses and unusable bodies are distinct
 * {@link Kind}s; {@link #verdict()} is the one place that decides what a caller should do about each.
 */
public final class CallFailure extends Exception {

    /** Longest server-requested wait we honour; the same ceiling as OpenAI's Python client. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(120);

    public enum Kind {
        /** Refused, reset or dropped connection ({@link #reachedServer()} tells a refused one from a dropped one). */
        CONNECTION,
        /** The host name does not resolve. */
        UNKNOWN_HOST,
        /** The TLS handshake failed: wrong scheme, untrusted certificate, hostname mismatch. */
        TLS,
        /** Connect timeout, read timeout or the overall per-call deadline. */
        TIMEOUT,
        /** Stopped by {@link ModelClient#cancelAll()}. */
        CANCELLED,
        /** The server answered with a non-2xx status; see {@link #status()}. */
        HTTP_STATUS,
        /**
         * A 2xx whose body is not a usable answer: not JSON, truncated, no choices, an error object, an error event
         * mid-stream, or a stream cut before its end ({@code [DONE]}, a finish_reason, Ollama's {@code done:true}).
         */
        MALFORMED_RESPONSE,
        /**
         * Not sent: the request alone is estimated at more tokens than the user's {@code --tpm} allows in a minute,
         * so that it would wait longer than a minute for its turn (hours, at a budget mistyped). The record's own.
         */
        OVER_BUDGET
    }

    public enum Verdict {
        /** Transient trouble of a server that was reached: the same request may well succeed later. */
        RETRY,
        /** The server refused this record (e.g. prompt too long); other records can go on. */
        FAIL_RECORD,
        /** Every request would fail the same way (bad URL path, key, model); stop and let a human fix it. */
        STOP_RUN,
        /** We asked for it: not an error of the server nor of the record. */
        CANCELLED,
        /**
         * No server answered: the request did not reach one (connection refused, no route, unknown host, TLS handshake,
         * connect timeout; see {@link #reachedServer()}) or got no answer in time (read timeout, call deadline).
         * Nothing says the request is at fault. A caller that never had an answer should stop and let a person check
         * the URL; one whose server answered before may wait for it to come back. A timeout while the server showed
         * itself up ({@link #serverUp()}) is not this but {@link #RETRY}: the request's own, too slow for the timeout.
         */
        UNREACHABLE
    }

    private final Kind kind;
    private final int status;
    private final String serverMessage;
    private final Duration requestedWait;
    private final Verdict verdict;
    private final boolean reachedServer;
    /** A timeout while the server was seen up: its answer still arriving, or a check of it answered. */
    private final boolean serverUp;
    /** Set once by the client that threw this, before it is thrown. */
    private String server;
    /** The server's rate-limit headers on a refusal; NONE when it sent none or there was no response. */
    private RateLimitReading rateLimits = RateLimitReading.NONE;
    /** Set once by the client that threw this: see {@link #requestSent()}. */
    private boolean sentOnABrokenConnection;
    /** Set by {@link ServerPool} when the server's learnt limit took this refusal as its sign of being full. */
    private volatile boolean limitLowered;

    private CallFailure(Kind kind, int status, String serverMessage, Duration requestedWait, boolean quotaExhausted,
                        boolean reachedServer, String message, Throwable cause) {
        this(kind, status, serverMessage, requestedWait, quotaExhausted, reachedServer, false, message, cause);
    }

    private CallFailure(Kind kind, int status, String serverMessage, Duration requestedWait, boolean quotaExhausted,
                        boolean reachedServer, boolean serverUp, String message, Throwable cause) {
        super(message, cause);
        this.serverUp = serverUp;
        this.kind = Objects.requireNonNull(kind);
        this.status = status;
        this.serverMessage = serverMessage;
        this.requestedWait = requestedWait;
        this.reachedServer = reachedServer;
        this.verdict = serverUp ? Verdict.RETRY : decide(kind, status, requestedWait, quotaExhausted, reachedServer);
    }

    /**
     * This timeout, of a request the server was seen to be up for while it waited ({@code evidence} says how): the
     * request's own failure, retried, not a server away. Its server and rate limits go along.
     */
    CallFailure whileServerUp(String evidence) {
        CallFailure up = new CallFailure(kind, status, serverMessage, requestedWait, false, reachedServer, true,
                getMessage() + " while the server was up (" + evidence + ")", getCause());
        up.server = server;
        up.rateLimits = rateLimits;
        up.sentOnABrokenConnection = sentOnABrokenConnection;
        return up;
    }

    /**
     * Whether this timeout came while the server showed itself up: bytes of the answer still arriving late in the
     * wait, or a cheap check of the server answered right after it. Its verdict is then {@link Verdict#RETRY}.
     */
    public boolean serverUp() {
        return serverUp;
    }

    /** A transport failure after the request reached a server (a dropped connection, a read timeout). */
    static CallFailure transport(Kind kind, String detail, Throwable cause) {
        return new CallFailure(kind, 0, null, null, false, true, detail, cause);
    }

    /** A request larger than the token budget allows in a minute, not sent. */
    static CallFailure overBudget(long estimatedTokens, long tokensPerMinute) {
        return unreached(Kind.OVER_BUDGET, "not sent: estimated at " + estimatedTokens + " tokens (the body's bytes / 4"
                + " plus its max_tokens or the mean answer so far), more than --tpm " + tokensPerMinute
                + " allows in a minute: give a --tpm of at least " + estimatedTokens, null);
    }

    /** A transport failure before the request reached any server: no connection could be made. */
    static CallFailure unreached(Kind kind, String detail, Throwable cause) {
        return new CallFailure(kind, 0, null, null, false, false, detail, cause);
    }

    /**
     * @param postedTo the URL the request was POSTed to; named in the message of a 404 or 405, where the path is the
     *                 likeliest cause. What to change is for the caller to say: it knows which of its settings chose
     *                 the path (the client only knows the URL it was given).
     */
    /** @param redirectedTo where a redirect that was not followed points (its Location), null for none */
    static CallFailure httpStatus(int status, ErrorBody body, Duration requestedWait, String postedTo,
                                  String redirectedTo) {
        StringBuilder message = new StringBuilder("HTTP ").append(status);
        if (redirectedTo != null) {
            message.append(" (redirected to ").append(redirectedTo).append(')');
        } else {
            message.append(body.message() == null ? " (no error message in the body)" : ": " + body.message());
        }
        if ((status == 404 || status == 405) && postedTo != null) {
            message.append(" (POST ").append(postedTo).append(')');
        }
        if (requestedWait != null) {
            message.append(" (server asks to wait ").append(seconds(requestedWait)).append(')');
        }
        return new CallFailure(Kind.HTTP_STATUS, status, body.message(), requestedWait, body.quotaExhausted(), true,
                message.toString(), null);
    }

    static CallFailure malformed(int status, String detail, String serverMessage, Throwable cause) {
        String message = "malformed HTTP " + status + " response: " + detail
                + (serverMessage == null ? "" : ": " + serverMessage);
        return new CallFailure(Kind.MALFORMED_RESPONSE, status, serverMessage, null, false, true, message, cause);
    }

    /** Records which server failed; called once by {@link ModelClient} before throwing. */
    CallFailure at(String baseUrl) {
        this.server = baseUrl;
        return this;
    }

    /** Records the rate-limit headers of the response; called by {@link ModelClient} before throwing. */
    CallFailure withRateLimits(RateLimitReading reading) {
        this.rateLimits = reading;
        return this;
    }

    /**
     * Marks a failure to reach the server on a call whose request had already gone out on a kept connection, which
     * then broke before an answer: the server died with it in flight, and the call's new connection was refused. The
     * verdict stays the same (the server is not there now); only the count of requests the server was sent changes.
     */
    CallFailure sentOnABrokenConnection() {
        this.sentOnABrokenConnection = true;
        return this;
    }

    /** Marks a refusal (429, 503) that the server's learnt limit answered by backing off. */
    CallFailure limitLowered() {
        this.limitLowered = true;
        return this;
    }

    /**
     * Whether the server refused this request for being one too many at once and its learnt limit
     * ({@code --concurrency auto}) backs off for it: the caller's overshoot, not the request's trouble.
     */
    public boolean isLimitLowered() {
        return limitLowered;
    }

    /** What the failed response's headers said of the server's rate limits. */
    RateLimitReading rateLimits() {
        return rateLimits;
    }

    /** The base URL of the server that failed; {@code null} if none was tried. */
    public String server() {
        return server;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when none was received (transport errors, cancellation). */
    public int status() {
        return status;
    }

    /** The server's own error message, on one line and shortened; {@code null} if it gave none. */
    public String serverMessage() {
        return serverMessage;
    }

    /**
     * How long the server asked us to wait ({@code retry-after-ms} or {@code Retry-After}), when that is a sane
     * positive wait of at most {@link #MAX_RETRY_AFTER}. Empty means: use your own backoff.
     */
    public Optional<Duration> retryAfter() {
        if (requestedWait == null || requestedWait.compareTo(MAX_RETRY_AFTER) > 0) {
            return Optional.empty();
        }
        return Optional.of(requestedWait);
    }

    /** What the caller should do. */
    public Verdict verdict() {
        return verdict;
    }

    /**
     * Whether the request got to a server. False when no connection could be made (refused, no route to the host,
     * unknown host, a failed TLS handshake, a connect timeout): no server saw the request, so another may be asked at
     * no cost.
     */
    public boolean reachedServer() {
        return reachedServer;
    }

    /**
     * Whether the server was sent the request: it reached the server, or went out on a connection that broke before
     * the call's last attempt found no server. A call that never had a connection cost the server nothing.
     */
    public boolean requestSent() {
        return reachedServer || sentOnABrokenConnection;
    }

    /** A short stable code for storage and grouping, e.g. {@code timeout}, {@code http_429}. */
    public String code() {
        return kind == Kind.HTTP_STATUS ? "http_" + status : kind.name().toLowerCase(Locale.ROOT);
    }

    private static Verdict decide(Kind kind, int status, Duration requestedWait, boolean quotaExhausted,
                                  boolean reachedServer) {
        return switch (kind) {
            // A connection the server dropped says the server is there; one it refused says it is not.
            case CONNECTION -> reachedServer ? Verdict.RETRY : Verdict.UNREACHABLE;
            case MALFORMED_RESPONSE -> Verdict.RETRY;
            // No server, or none that answers in time: whether to wait for it is the caller's call.
            case UNKNOWN_HOST, TLS, TIMEOUT -> Verdict.UNREACHABLE;
            case CANCELLED -> Verdict.CANCELLED;
            case OVER_BUDGET -> Verdict.FAIL_RECORD;
            case HTTP_STATUS -> decideStatus(status, requestedWait, quotaExhausted);
        };
    }

    private static Verdict decideStatus(int status, Duration requestedWait, boolean quotaExhausted) {
        Verdict byStatus = switch (status) {
            case 401, 403, 404, 405 -> Verdict.STOP_RUN;
            case 408, 409, 429 -> Verdict.RETRY;
            // Not Implemented / HTTP Version Not Supported: the server lacks the feature, so every record fails alike.
            case 501, 505 -> Verdict.STOP_RUN;
            default -> {
                if (status >= 500 && status <= 599) {
                    yield Verdict.RETRY;
                }
                if (status >= 400 && status <= 499) {
                    yield Verdict.FAIL_RECORD;
                }
                // 1xx/3xx reaching us means redirects we cannot follow: a configuration problem.
                yield Verdict.STOP_RUN;
            }
        };
        if (byStatus == Verdict.RETRY) {
            // An exhausted quota (OpenAI's 429 insufficient_quota) or a wait beyond our ceiling will not pass soon;
            // retrying each record would only burn the run. Stopping keeps the records for a later resume.
            if (quotaExhausted || requestedWait != null && requestedWait.compareTo(MAX_RETRY_AFTER) > 0) {
                return Verdict.STOP_RUN;
            }
        }
        return byStatus;
    }

    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.3f s", millis / 1000.0);
    }
}
