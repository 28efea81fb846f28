package dev.stride.cli;

import dev.stride.client.CallFailure;
import dev.stride.client.ChatRequest;
import dev.stride.client.ChatResult;
import dev.stride.client.ClientSettings;
import dev.stride.client.ModelClient;
import dev.stride.core.Completion;
import dev.stride.core.GenerationParams;
import dev.stride.core.PredictionException;
import dev.stride.core.PredictionException.Disposition;
import dev.stride.core.Predictor;
import dev.stride.core.Prompt;
import java.time.Duration;

/** The runner's {@link Predictor} port served by the HTTP model client: one chat completion per prompt. */
final class HttpPredictor implements Predictor {
    private final ModelClient client;
    private final String model;
    private final GenerationParams params;

    private HttpPredictor(ModelClient client, String model, GenerationParams params) {
        this.client = client;
        this.model = model;
        this.params = params;
    }

    static Predictor create(String model, String baseUrl, String apiKey, GenerationParams params, Duration timeout,
                            int concurrency) {
        Duration connect = timeout.compareTo(ClientSettings.DEFAULT_CONNECT_TIMEOUT) < 0
                ? timeout : ClientSettings.DEFAULT_CONNECT_TIMEOUT;
        ClientSettings settings = ClientSettings.of(baseUrl)
                .withApiKey(apiKey)
                .withTimeouts(connect, timeout, timeout)
                .withMaxConcurrency(concurrency);
        return new HttpPredictor(new ModelClient(settings), model, params);
    }

    @Override
    public Completion predict(Prompt prompt) throws PredictionException {
        ChatRequest request = ChatRequest.of(model, null, prompt.userMessage())
                .withMaxTokens(params.maxTokens())
                .withTemperature(params.temperature());
        try {
            ChatResult r = client.chat(request);
            return new Completion(answerText(r), r.finishReason(), r.promptTokens(), r.completionTokens());
        } catch (CallFailure f) {
            throw new PredictionException(disposition(f.verdict()), f.code(), f.getMessage(),
                    f.retryAfter().orElse(null));
        }
    }

    /** The text to keep: the answer, or what the model said instead of one (tool calls, a refusal). */
    private static String answerText(ChatResult r) {
        if (r.content() != null) {
            return r.content();
        }
        if (r.toolCallsJson() != null) {
            return r.toolCallsJson();
        }
        return r.refusal();
    }

    private static Disposition disposition(CallFailure.Verdict verdict) {
        return switch (verdict) {
            case RETRY -> Disposition.RETRY;
            case FAIL_RECORD -> Disposition.FAIL_RECORD;
            case STOP_RUN -> Disposition.STOP_RUN;
            case CANCELLED -> Disposition.CANCELLED;
        };
    }

    @Override
    public void cancelAll() {
        client.cancelAll();
    }

    @Override
    public void close() {
        client.close();
    }
}
