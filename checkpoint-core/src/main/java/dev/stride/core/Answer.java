package dev.stride.core;

/**
 * What a model server answered for one prompt, as it is stored: the one value that goes from the client's answer to
 * a row of the store and back. Servers report what they report: any field may be null.
 *
 * @param output       the text kept as the record's output: the answer; for tool calls with no text (null or
 *                     empty), the tool calls as JSON; null for a refusal, which is no answer (see {@code refusal})
 * @param finishReason e.g. {@code stop}, {@code length} (the token limit cut the answer short), {@code tool_calls}
 * @param reasoning    reasoning text a server returned apart from the answer ({@code reasoning_content})
 * @param refusal      the model's refusal, when it refused
 * @param toolCalls    tool calls as a JSON array, when the answer has any
 * @param serverModel  the model name the server says answered
 * @param responseId   the server's id of the response
 * @param rawBody      the response body as received, kept only when asked for ({@code --keep-raw})
 * @param server       the base URL of the server that answered
 */
public record Answer(
        String output,
        String finishReason,
        Integer promptTokens,
        Integer completionTokens,
        String reasoning,
        String refusal,
        String toolCalls,
        String serverModel,
        String responseId,
        String rawBody,
        String server) {

    /** The answer of a server that says no more than its text, why it stopped and the tokens it counted. */
    public static Answer plain(String output, String finishReason, Integer promptTokens, Integer completionTokens) {
        return new Answer(output, finishReason, promptTokens, completionTokens, null, null, null, null, null, null,
                null);
    }
}
