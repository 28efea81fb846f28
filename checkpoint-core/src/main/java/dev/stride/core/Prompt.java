package dev.stride.core;

/** What is sent for one record: the user message made from the template. */
public record Prompt(String recordId, String userMessage) {
}
