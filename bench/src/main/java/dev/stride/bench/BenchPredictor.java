package dev.stride.bench;

import dev.stride.client.CallFailure;
import dev.stride.client.ChatRequest;
import dev.stride.client.ChatResult;
import dev.stride.client.ClientSettings;
import dev.stride.client.ModelClient;
import dev.stride.core.Answer;
import dev.stride.core.Completion;
import dev.stride.core.PredictionException;
import dev.stride.core.PredictionException.Disposition;
import dev.stride.core.Predictor;
import dev.stride.core.Prompt;

/** The runner's predictor as the app builds it (app's HttpPredictor, which is package-private): one chat call. */
final class BenchPredictor implements Predictor {
    private final ModelClient client;

    BenchPredictor(String baseUrl, int concurrency) {
        this.client = new ModelClient(ClientSettings.of(baseUrl).withMaxConcurrency(concurrency));
    }

    @Override
    public Completion predict(Prompt prompt) throws PredictionException {
        try {
            ChatResult r = client.chat(ChatRequest.of(Bench.MODEL, null, prompt.userMessage()));
            return Completion.of(Answer.plain(r.content(), r.finishReason(), r.promptTokens(), r.completionTokens()));
        } catch (CallFailure f) {
            Disposition d = switch (f.verdict()) {
                case RETRY -> Disposition.RETRY;
                case FAIL_RECORD -> Disposition.FAIL_RECORD;
                case STOP_RUN -> Disposition.STOP_RUN;
                case CANCELLED -> Disposition.CANCELLED;
                case UNREACHABLE -> Disposition.UNREACHABLE;
            };
            throw new PredictionException(d, f.code(), f.getMessage(), f.retryAfter().orElse(null));
        }
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
