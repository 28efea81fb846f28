package dev.stride.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One prompt for {@link ModelClient#complete(PromptRequest)}: a system text (optional) and a user text.
 * For {@link Api#OPENAI_COMPLETIONS} the prompt is {@code system + "\n\n" + user} (or just {@code user}).
 *
 * <p>Two other forms send what the caller already has: {@code messages} (a chat's OpenAI messages, sent in place
 * of the user text; {@code system} is put first only when they hold no system message of their own), and
 * {@code body} (a whole request body, sent as it is but for {@code model}, which is always this request's: no
 * sampling field is written over it).
 *
 * @param system   {@code null} for none
 * @param sampling {@code null} means {@link Sampling#none()}
 * @param stream   ask for SSE (OpenAI-style) or NDJSON (Ollama) and accumulate it into one result
 * @param keepRaw  return the response body (for a stream: the stream text) in {@link ChatResult#rawBody()}
 * @param messages {@code null}, or the OpenAI messages to send instead of {@code user} (chat APIs only)
 * @param body     {@code null}, or the request body to send as it is ({@code user} is then ignored)
 */
public record PromptRequest(Api api, String model, String system, String user, Sampling sampling, boolean stream,
                            boolean keepRaw, ArrayNode messages, ObjectNode body) {

    public PromptRequest {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(model, "model");
        if (body == null && messages == null) {
            Objects.requireNonNull(user, "user");
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank");
        }
        if (messages != null && body == null && api == Api.OPENAI_COMPLETIONS) {
            throw new IllegalArgumentException("messages need a chat API; /completions takes one prompt text");
        }
        sampling = sampling == null ? Sampling.none() : sampling;
    }

    public PromptRequest(Api api, String model, String system, String user, Sampling sampling, boolean stream,
                         boolean keepRaw) {
        this(api, model, system, user, sampling, stream, keepRaw, null, null);
    }

    /** No sampling parameters, no streaming, no raw body. */
    public static PromptRequest of(Api api, String model, String system, String user) {
        return new PromptRequest(api, model, system, user, Sampling.none(), false, false);
    }

    public PromptRequest withSampling(Sampling s) {
        return new PromptRequest(api, model, system, user, s, stream, keepRaw, messages, body);
    }

    public PromptRequest withStream(boolean on) {
        return new PromptRequest(api, model, system, user, sampling, on, keepRaw, messages, body);
    }

    public PromptRequest withKeepRaw(boolean on) {
        return new PromptRequest(api, model, system, user, sampling, stream, on, messages, body);
    }

    /** These OpenAI messages instead of a user text. */
    public PromptRequest withMessages(ArrayNode chat) {
        return new PromptRequest(api, model, system, user, sampling, stream, keepRaw, chat, body);
    }

    /** This request body, sent as it is, to {@code endpoint}'s path; it streams when it says {@code "stream": true}. */
    public PromptRequest withBody(Api endpoint, ObjectNode request) {
        return new PromptRequest(endpoint, model, system, user, sampling, request.path("stream").asBoolean(false),
                keepRaw, null, request);
    }
}
