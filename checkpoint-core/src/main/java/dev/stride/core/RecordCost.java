package dev.stride.core;

/**
 * What one record cost in a session besides the runner's own attempts at it: the answers a predictor set aside and
 * asked for again (an answer that had to be JSON and was not: {@code --json-retries}), and their tokens, which the
 * server charged all the same; the refusals it waited out and sent again itself (a 429 under {@code --rpm} pacing);
 * and, the other way, the attempts that reached no server (a refused connection while a server is down), which cost
 * nothing and are no request. A record's attempts are the requests servers received for it.
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
    private int sentAgain;
    private int notSent;
    private Integer promptTokens;
    private Integer completionTokens;
    private String lastRawBody;

    /** Answers set aside so far, each followed by one more request for the record than the runner's attempts. */
    public int askedAgain() {
        return askedAgain;
    }

    /** {@code answer} is set aside and the record asked for again: one request more, and the answer's tokens. */
    public void askedAgainAfter(Answer answer) {
        askedAgain++;
        spentOn(answer);
    }

    /**
     * {@code answer} fails the record (not JSON after the last re-ask): no request more, but its tokens were charged
     * like the others', and the failed record keeps them ({@link #failure}).
     */
    public void failsWith(Answer answer) {
        spentOn(answer);
    }

    private void spentOn(Answer answer) {
        promptTokens = plus(promptTokens, answer.promptTokens());
        completionTokens = plus(completionTokens, answer.completionTokens());
        lastRawBody = answer.rawBody() != null ? answer.rawBody() : lastRawBody;
    }

    /** A refused request the predictor waited out and sent again within one attempt: one request more. */
    public void sentAgainAfterRefusal() {
        sentAgain++;
    }

    /** Refused requests the predictor waited out and sent again so far: a runner compares it before and after. */
    public int sentAgainSoFar() {
        return sentAgain;
    }

    /**
     * The attempt found no server (the connection was refused, the host unknown): no request went out, and it is
     * none of the record's attempts.
     */
    public void notSent() {
        notSent++;
    }

    /** Attempts so far that reached no server: a runner compares it before and after an attempt. */
    public int notSentSoFar() {
        return notSent;
    }

    /**
     * The requests the record took: the runner's attempts that reached a server and the requests sent again within
     * them.
     */
    public int attempts(int runnerAttempts) {
        return runnerAttempts - notSent + askedAgain + sentAgain;
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

    /**
     * The record's failure, with the tokens of every answer it got before (they cost as much as a done record's) and
     * the last one's raw body: without them a run whose answers all failed --json-output reported no cost.
     */
    public FailedPrediction failure(String errorKind, String error, Timing timing) {
        return new FailedPrediction(errorKind, error, timing, promptTokens, completionTokens, lastRawBody);
    }

    /** A sum of what was reported: unknown (null) only when no answer said. */
    private static Integer plus(Integer a, Integer b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a + b;
    }
}
