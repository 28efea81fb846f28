package dev.stride.app;

/**
 * A record both runs answered where exactly one of them is right, as {@code stride compare -o} writes it.
 *
 * @param inputJson the record as run A holds it, compact JSON
 * @param label     the label run A's record gives
 */
public record Disagreement(String id, String inputJson, String label, String answerA, String answerB,
                           boolean correctA, boolean correctB) {
}
