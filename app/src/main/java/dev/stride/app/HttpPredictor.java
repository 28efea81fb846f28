package dev.stride.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.client.Api;
import dev.stride.client.CallFailure;
import dev.stride.client.ChatResult;
import dev.stride.client.ClientSettings;
import dev.stride.client.PromptRequest;
import dev.stride.client.Sampling;
import dev.stride.client.ServerPool;
import dev.stride.client.ServerStats;
import dev.stride.core.Answer;
import dev.stride.core.Completion;
import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.Json;
import dev.stride.core.PredictionException;
import dev.stride.core.PredictionException.Disposition;
import dev.stride.core.Predictor;
import dev.stride.core.Prompt;
import dev.stride.core.RecordCost;
import dev.stride.core.ServerLimit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner's {@link Predictor} port served over HTTP: one request per prompt, to whichever of the run's servers has
 * the fewest in flight.
 */
final class HttpPredictor implements Predictor {
    /** Read on the request threads (a record's own body or messages): buffers shared by all of them. */
    private static final ObjectMapper JSON = new ObjectMapper(Json.sharedBuffers());

    private final ServerPool servers;
    private final PromptRequest template;
    /** Requests answered with a refusal that stops the run (401, 404...): their records are not stored. */
    private final AtomicLong stoppedTheRun = new AtomicLong();

    private HttpPredictor(ServerPool servers, PromptRequest template) {
        this.servers = servers;
        this.template = template;
    }

    static HttpPredictor create(PredictorFactory.ServerCall call) {
        Duration connect = call.timeout().compareTo(ClientSettings.DEFAULT_CONNECT_TIMEOUT) < 0
                ? call.timeout() : ClientSettings.DEFAULT_CONNECT_TIMEOUT;
        List<ClientSettings> settings = new ArrayList<>();
        for (String url : call.baseUrls()) {
            settings.add(ClientSettings.of(url)
                    .withApiKey(call.apiKey())
                    .withTimeouts(connect, call.timeout(), call.timeout())
                    .withMaxConcurrency(call.concurrency())
                    .withHttpLog(call.httpLog())
                    .withHeaders(call.headers())
                    .withRateLimits(call.rateLimits()));
        }
        GenerationParams p = call.params();
        PromptRequest template = PromptRequest.of(api(p.endpointOrDefault()), call.model(), p.system(), "")
                .withSampling(sampling(p))
                .withStream(call.stream())
                .withKeepRaw(call.keepRaw());
        // --concurrency auto: each server's limit may grow to the run's maximum (one server may be all there is).
        ServerPool pool = call.autoConcurrency() ? ServerPool.adaptive(settings, call.concurrency())
                : new ServerPool(settings);
        return new HttpPredictor(pool, template);
    }

    /** The client's name for an endpoint: every one has its own, so a new endpoint does not compile until mapped. */
    private static Api api(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT -> Api.OPENAI_CHAT;
            case COMPLETIONS -> Api.OPENAI_COMPLETIONS;
            case OLLAMA -> Api.OLLAMA_CHAT;
        };
    }

    private static Sampling sampling(GenerationParams p) {
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        p.extra().forEach((k, v) -> {
            try {
                extra.put(k, JSON.readTree(v));
            } catch (IOException e) {
                throw new UncheckedIOException("stored parameter " + k + " is not JSON", e);
            }
        });
        return new Sampling(p.maxTokens(), p.temperature(), p.topP(), p.seed(), p.stop(), extra);
    }

    @Override
    public Completion predict(Prompt prompt) throws PredictionException {
        return predict(prompt, new RecordCost());
    }

    /**
     * One attempt at {@code cost}'s record. What the runner cannot see is told to {@code cost}: the 429s a rate gate
     * waited out and sent again (requests the server received), and an attempt that reached no server (no request).
     */
    @Override
    public Completion predict(Prompt prompt, RecordCost cost) throws PredictionException {
        PromptRequest request;
        try {
            request = request(prompt);
        } catch (IOException | IllegalArgumentException e) {
            throw new PredictionException(Disposition.FAIL_RECORD, "request", "record " + prompt.recordId()
                    + " cannot be sent: " + e.getMessage(), null);
        }
        // When the request last went out: a wait before it (--rpm/--tpm pacing, a server at its learnt limit) is the
        // run's own, and is not the latency stored for it. Set on this thread, by the call below.
        long[] sentAt = {-1};
        try {
            ChatResult r = servers.complete(request, () -> sentAt[0] = System.nanoTime(),
                    cost::sentAgainAfterRefusal);
            return Completion.of(new Answer(answerText(r), r.finishReason(), r.promptTokens(), r.completionTokens(),
                    r.reasoning(), r.refusal(), r.toolCallsJson(), r.model(), r.id(), r.rawBody(), r.server()),
                    r.latency());
        } catch (CallFailure f) {
            if (f.verdict() == CallFailure.Verdict.STOP_RUN && f.requestSent()) {
                stoppedTheRun.incrementAndGet();
            }
            if (!f.requestSent()) {
                // A refused connection (every server's, when there are several) or a stop at the rate gate.
                cost.notSent();
            }
            String message = f.verdict() == CallFailure.Verdict.UNREACHABLE ? eachServer(f)
                    // The record's own, out of its retries in the end: what to change, if its answers just take long.
                    : f.serverUp() ? f.getMessage() + ": raise --timeout if its answers just take long"
                    : f.getMessage();
            PredictionException e = new PredictionException(disposition(f.verdict()), f.code(), message,
                    f.retryAfter().orElse(null), f.isLimitLowered());
            throw sentAt[0] < 0 ? e : e.withLatency(Duration.ofNanos(System.nanoTime() - sentAt[0]));
        }
    }

    /**
     * The request for a prompt: a batch line's body as it is, to its url's endpoint; a record's own messages with the
     * run's sampling (and its system message when they carry none); or the template's user message.
     */
    private PromptRequest request(Prompt prompt) throws IOException {
        if (prompt.bodyJson() != null) {
            return template.withBody(api(prompt.endpoint()), (ObjectNode) JSON.readTree(prompt.bodyJson()));
        }
        if (prompt.messagesJson() != null) {
            if (template.api() == Api.OPENAI_COMPLETIONS) {
                throw new IllegalArgumentException("its 'messages' need the chat endpoint (leave out --endpoint"
                        + " completions)");
            }
            return template.withMessages((ArrayNode) JSON.readTree(prompt.messagesJson()));
        }
        return new PromptRequest(template.api(), template.model(), template.system(), prompt.userMessage(),
                template.sampling(), template.stream(), template.keepRaw());
    }

    /**
     * The text to keep as the output: the answer; with no text ({@code null} or {@code ""}, as Ollama and its /v1 send
     * beside tool calls), the tool calls. A refusal is not an answer: its record keeps no output (the refusal has its
     * own column), so an export, --extract and scoring never take it for one.
     */
    static String answerText(ChatResult r) {
        if (r.content() != null && !r.content().isEmpty()) {
            return r.content();
        }
        if (r.toolCallsJson() != null) {
            return r.toolCallsJson();
        }
        return r.refusal() != null ? null : r.content();
    }

    private static Disposition disposition(CallFailure.Verdict verdict) {
        return switch (verdict) {
            case RETRY -> Disposition.RETRY;
            case FAIL_RECORD -> Disposition.FAIL_RECORD;
            case STOP_RUN -> Disposition.STOP_RUN;
            case CANCELLED -> Disposition.CANCELLED;
            case UNREACHABLE -> Disposition.UNREACHABLE;
        };
    }

    /**
     * Each server the request was sent to and why it could not be reached, e.g. {@code http://127.0.0.1:9/v1
     * (connection refused: Failed to connect to /127.0.0.1:9)}: what a person needs to check which URL is wrong.
     */
    private static String eachServer(CallFailure f) {
        List<String> each = new ArrayList<>();
        for (Throwable earlier : f.getSuppressed()) {
            if (earlier instanceof CallFailure c) {
                each.add(c.server() + " (" + c.getMessage() + ")");
            }
        }
        each.add(f.server() + " (" + f.getMessage() + ")");
        return String.join("; ", each);
    }

    /** Requests so far whose answer stopped the run (a 401, a 404): sent, answered, and their records not stored. */
    long stoppedTheRun() {
        return stoppedTheRun.get();
    }

    /** How each server fared so far. */
    List<ServerTally> tallies() {
        return servers.stats().stream()
                .map(s -> new ServerTally(s.baseUrl(), s.requests(), s.succeeded(), s.failed(), s.unreached(),
                        s.busy(), s.sentAgainAfterRefusal(), s.notConnected()))
                .toList();
    }

    @Override
    public OptionalInt concurrencyLimit() {
        int limit = servers.concurrencyLimit();
        return limit < 0 ? OptionalInt.empty() : OptionalInt.of(limit);
    }

    @Override
    public List<ServerLimit> serverLimits() {
        if (servers.size() < 2) {
            return List.of();
        }
        List<ServerStats> stats = servers.stats();
        if (stats.get(0).limit() < 0) {
            return List.of();
        }
        return stats.stream().map(s -> new ServerLimit(s.baseUrl(), s.limit(), s.setAside())).toList();
    }

    @Override
    public void cancelAll() {
        servers.cancelAll();
    }

    @Override
    public void stopSending() {
        servers.stopSending();
    }

    @Override
    public int waitingForRateLimit() {
        return servers.waitingForRateLimit();
    }

    @Override
    public Duration rateLimitHold() {
        return servers.rateLimitHold();
    }

    @Override
    public void close() {
        servers.close();
    }
}
