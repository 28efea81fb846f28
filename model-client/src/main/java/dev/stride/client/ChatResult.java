package dev.stride.client;

import java.time.Duration;

/**
 * What the server answered, for the first choice (choice index 0 of a stream).
 *
 * @param id               the server's response id; {@code null} when absent or empty (TGI sends {@code ""}, Ollama none)
 * @param model            the model name the server reports, which may differ from the one requested
 * @param content          the answer text; {@code null} when the model called tools or refused; {@code ""} is a valid
 *                         empty answer
 * @param reasoning        reasoning text sent apart ({@code reasoning_content}, {@code reasoning}, Ollama's
 *                         {@code thinking}), or {@code null}
 * @param refusal          the refusal text, or {@code null}
 * @param finishReason     e.g. {@code stop}, {@code length}, {@code tool_calls} (Ollama: {@code done_reason});
 *                         {@code null} if the server sent none
 * @param toolCallsJson    the tool calls as a raw JSON array (a stream's fragments merged by index), or {@code null};
 *                         kept raw because dialects differ (Ollama's arguments are an object, OpenAI's a string)
 * @param promptTokens     {@code null} when the server reports no usage (Ollama: {@code prompt_eval_count})
 * @param completionTokens {@code null} when the server reports no usage (Ollama: {@code eval_count})
 * @param latency          from sending the request to reading the last byte
 * @param rawBody          the response body exactly as received (a stream's whole text), with the API key masked;
 *                         {@code null} unless {@link PromptRequest#keepRaw()}
 * @param server           the base URL of the server that answered
 */
public record ChatResult(
        String id,
        String model,
        String content,
        String reasoning,
        String refusal,
        String finishReason,
        String toolCallsJson,
        Integer promptTokens,
        Integer completionTokens,
        Duration latency,
        String rawBody,
        String server) {

    ChatResult withRawBodyAndServer(String raw, String baseUrl) {
        return new ChatResult(id, model, content, reasoning, refusal, finishReason, toolCallsJson, promptTokens,
                completionTokens, latency, raw, baseUrl);
    }
}
