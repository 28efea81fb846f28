package dev.stride.core;

/**
 * One successful answer from the model server. Apart from {@code text}, any field may be null: servers report what
 * they report.
 *
 * @param text         the answer (for a tool call with no text: the tool calls as JSON; for a refusal: the refusal)
 * @param reasoning    reasoning text a server returned apart from the answer ({@code reasoning_content})
 * @param refusal      the model's refusal, when it refused
 * @param toolCalls    tool calls as JSON, when the answer has any
 * @param serverModel  the model name the server says answered
 * @param responseId   the server's id of the response
 * @param rawBody      the response body as received, kept only when asked for
 * @param server       the base URL of the server that answered
 * @param extracted    what {@code --extract} took out of the answer, or null
 * @param outputJson   the answer parsed as JSON ({@code --json-output}), compact, or null
 */
public record Completion(
        String text,
        String finishReason,
        Integer promptTokens,
        Integer completionTokens,
        String reasoning,
        String refusal,
        String toolCalls,
        String serverModel,
        String responseId,
        String rawBody,
        String server,
        String extracted,
        String outputJson) {

    public Completion(String text, String finishReason, Integer promptTokens, Integer completionTokens) {
        this(text, finishReason, promptTokens, completionTokens, null, null, null, null, null, null, null, null, null);
    }

    public Completion(String text, String finishReason, Integer promptTokens, Integer completionTokens,
                      String reasoning, String refusal, String toolCalls, String serverModel, String responseId,
                      String rawBody, String server) {
        this(text, finishReason, promptTokens, completionTokens, reasoning, refusal, toolCalls, serverModel,
                responseId, rawBody, server, null, null);
    }

    /** This answer with what was taken out of it. */
    public Completion withParsed(String extractedText, String json) {
        return new Completion(text, finishReason, promptTokens, completionTokens, reasoning, refusal, toolCalls,
                serverModel, responseId, rawBody, server, extractedText, json);
    }
}
