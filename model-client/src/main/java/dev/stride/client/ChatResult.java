package dev.stride.client;

import java.time.Duration;

/**
 * What the server answered, for the first choice.
 *
 * @param id               the server's response id; {@code null} when absent or empty (TGI sends {@code ""})
 * @param model            the model name the server reports, which may differ from the one requested
 * @param content          the answer text; {@code null} when the model called tools or refused
 * @param reasoning        reasoning text of thinking models ({@code reasoning_content} or {@code reasoning}), or {@code null}
 * @param refusal          the refusal text, or {@code null}
 * @param finishReason     e.g. {@code stop}, {@code length}, {@code tool_calls}; {@code null} if the server sent none
 * @param toolCallsJson    the message's {@code tool_calls} as raw JSON, or {@code null}; kept raw because dialects differ
 * @param promptTokens     {@code null} when the server reports no usage
 * @param completionTokens {@code null} when the server reports no usage
 * @param latency          from sending the request to reading the last byte
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
        Duration latency) {
}
