package dev.stride.core;

/**
 * A record both of two runs answered (done in each), paired by record id: each run's copy of the record and its
 * answer. Only what a comparison reads, not the whole outcomes.
 *
 * @param seqA    the record's position in run A's input
 * @param inputA  the record as run A holds it, compact JSON
 * @param answerA run A's answer text, "" when it has none
 * @param seqB    the record's position in run B's input
 * @param inputB  the record as run B holds it
 * @param answerB run B's answer text, "" when it has none
 */
public record AnsweredPair(String id, long seqA, String inputA, String answerA, long seqB, String inputB,
                           String answerB) {
}
