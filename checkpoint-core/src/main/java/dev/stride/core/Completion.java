package dev.stride.core;

/** One successful answer from the model server. Token counts are null when the server did not report them. */
public record Completion(String text, String finishReason, Integer promptTokens, Integer completionTokens) {
}
