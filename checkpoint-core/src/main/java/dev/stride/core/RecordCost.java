package dev.stride.core;

/**
 * What one record cost in a session besides the runner's own attempts at it: the answers a predictor set aside and
 * asked for again (an answer that had to be JSON and was not: {@code --json-retries}), and their tokens, which the
 * server charged all the same.
 *
 * <p>The runner makes one per record and hands the same one to each of the record's attempts. A predictor that asks
 * again bounds itself by it, so that its bound holds over the record and not over each attempt: counted per call, a
 * 503 between two re-asks started the count anew, and a record could cost (retries+1) × (re-asks+1) requests. The
 * runner stores the record's attempts and tokens with all of it.
 *
 * <p>One record's attempts run one after another on one thread: nothing here is shared between threads.
 */
public final class RecordCost {
    private int askedAgain;
    private Integer promptTokens;
    private Integer completionTokens;

    /** Answers set aside so far, each followed by one more request for the record than the runner's attempts. */
    public int askedAgain() {
        return askedAgain;
    }

    /** {@code answer} is set aside and the record asked for again: one request more, and the answer's tokens. */
    public void askedAgainAfter(Answer answer) {
        askedAgain++;
        promptTokens = plus(promptTokens, answer.promptTokens());
        completionTokens = plus(completionTokens, answer.completionTokens());
    }

    /** The requests the record took: the runner's attempts and the requests sent again within them. */
    public int attempts(int runnerAttempts) {
        return runnerAttempts + askedAgain;
    }

    /** The kept answer charged with the tokens of the answers set aside before it: what the record cost in all. */
    public Answer charge(Answer kept) {
        if (askedAgain == 0) {
            return kept;
        }
        return new Answer(kept.output(), kept.finishReason(), plus(kept.promptTokens(), promptTokens),
                plus(kept.completionTokens(), completionTokens), kept.reasoning(), kept.refusal(), kept.toolCalls(),
                kept.serverModel(), kept.responseId(), kept.rawBody(), kept.server());
    }

    /** A sum of what was reported: unknown (null) only when no answer said. */
    private static Integer plus(Integer a, Integer b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a + b;
    }
}
