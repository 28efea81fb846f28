package dev.stride.core;

/**
 * What is sent for one record. Exactly one of three forms:
 * <ul>
 *   <li>a user message made from the template ({@code userMessage});</li>
 *   <li>the record's own OpenAI {@code messages}, as JSON, sent as they are ({@code messagesJson});</li>
 *   <li>a request body from an OpenAI Batch / {@code vllm run-batch} request file, sent as it is ({@code bodyJson}),
 *       to the endpoint its {@code url} names ({@code endpoint}: {@link Endpoint#CHAT} or
 *       {@link Endpoint#COMPLETIONS}).</li>
 * </ul>
 */
public record Prompt(String recordId, String userMessage, String messagesJson, String bodyJson, Endpoint endpoint) {

    public Prompt(String recordId, String userMessage) {
        this(recordId, userMessage, null, null, null);
    }

    public static Prompt messages(String recordId, String messagesJson) {
        return new Prompt(recordId, null, messagesJson, null, null);
    }

    public static Prompt body(String recordId, String bodyJson, Endpoint endpoint) {
        return new Prompt(recordId, null, null, bodyJson, endpoint);
    }
}
