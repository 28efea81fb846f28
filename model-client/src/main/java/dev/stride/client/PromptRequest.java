package dev.stride.client;

import java.util.Objects;

/**
 * One prompt for {@link ModelClient#complete(PromptRequest)}: a system text (optional) and a user text.
 * For {@link Api#OPENAI_COMPLETIONS} the prompt is {@code system + "\n\n" + user} (or just {@code user}).
 *
 * @param system   {@code null} for none
 * @param sampling {@code null} means {@link Sampling#none()}
 * @param stream   ask for SSE (OpenAI-style) or NDJSON (Ollama) and accumulate it into one result
 * @param keepRaw  return the response body (for a stream: the stream text) in {@link ChatResult#rawBody()}
 */
public record PromptRequest(Api api, String model, String system, String user, Sampling sampling, boolean stream,
                            boolean keepRaw) {

    public PromptRequest {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(user, "user");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank");
        }
        sampling = sampling == null ? Sampling.none() : sampling;
    }

    /** No sampling parameters, no streaming, no raw body. */
    public static PromptRequest of(Api api, String model, String system, String user) {
        return new PromptRequest(api, model, system, user, Sampling.none(), false, false);
    }

    public PromptRequest withSampling(Sampling s) {
        return new PromptRequest(api, model, system, user, s, stream, keepRaw);
    }

    public PromptRequest withStream(boolean on) {
        return new PromptRequest(api, model, system, user, sampling, on, keepRaw);
    }

    public PromptRequest withKeepRaw(boolean on) {
        return new PromptRequest(api, model, system, user, sampling, stream, on);
    }
}
