package dev.stride.cli;

import dev.stride.app.ServerTally;
import dev.stride.core.ServerLimit;
import java.util.List;
import java.util.Map;

/**
 * What one session of a run did, as its reporter counted it.
 *
 * @param failedByKind  failures stored in this session per error kind ({@code http_400}, {@code timeout}, ...)
 * @param tokensIn      prompt tokens of this session's answers; null when no answer said (a server without usage)
 * @param tokensOut     completion tokens likewise
 * @param latency       of this session's answers; null when there was none
 * @param wallMs        the session's wall time
 * @param requestsSent  HTTP requests sent in this session, retries included; null when the predictor does not count
 * @param attemptsKept  requests behind the outcomes stored in this session (their attempts, retries included)
 * @param failureExamples the stored error of one failure per kind, with the server's words where it gave any
 * @param beyond        requests sent that no stored attempt stands for, by what they were
 * @param atLimit       refusals of one too many at once under {@code --concurrency auto}, sent again without
 *                      spending a retry (not among {@code retries}; among the records' attempts)
 * @param answeredUnkept answered requests of records this session did not store (it stopped first), each followed
 *                      by a retry or come back with a failure as it stopped: neither kept attempts nor redundant
 * @param answeredByAnother requests of records whose answer this session did not store because another worker
 *                      stored one first: redundant, but not asked again
 * @param retried       what the {@code retries} followed, by kind
 * @param unanswered    requests that got no answer in time: sent again while no server answered (not retries), and
 *                      those of records this session did not store (neither kept attempts nor redundant)
 */
record SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                    Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                    Map<String, String> failureExamples, Beyond beyond, SentAgainAtLimit atLimit,
                    long answeredUnkept, long answeredByAnother, Learnt learnt, Retried retried,
                    Unanswered unanswered) {

    SessionTally {
        failureExamples = Map.copyOf(failureExamples);
    }

    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                 Map<String, String> failureExamples, Beyond beyond, SentAgainAtLimit atLimit,
                 long answeredUnkept, long answeredByAnother, Learnt learnt, Retried retried) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                failureExamples, beyond, atLimit, answeredUnkept, answeredByAnother, learnt, retried, Unanswered.NONE);
    }

    /**
     * Requests that got no answer within the timeout, beside the retries and the redundant.
     *
     * @param sentAgainWhileAway requests sent again after one got no answer while no server answered any (a server
     *                           gone or hung): no retry spent, and not among {@code retries}; among the attempts
     * @param timedOutUnkept     requests that timed out, their records not stored by this session (it stopped):
     *                           neither kept attempts nor redundant, and the records are asked again next time
     */
    record Unanswered(long sentAgainWhileAway, long timedOutUnkept) {
        static final Unanswered NONE = new Unanswered(0, 0);
    }

    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                 Map<String, String> failureExamples, Beyond beyond, SentAgainAtLimit atLimit,
                 long answeredUnkept, long answeredByAnother, Learnt learnt) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                failureExamples, beyond, atLimit, answeredUnkept, answeredByAnother, learnt, Retried.NONE);
    }

    /**
     * The retries of a session by the kind of failure each followed, in the words failures are counted with
     * ({@code connection}, {@code timeout}, {@code http_500}), and the first failure's error of each kind.
     */
    record Retried(Map<String, Long> byKind, Map<String, String> examples) {
        static final Retried NONE = new Retried(Map.of(), Map.of());

        Retried {
            byKind = Map.copyOf(byKind);
            examples = Map.copyOf(examples);
        }
    }

    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                 Map<String, String> failureExamples, Beyond beyond, SentAgainAtLimit atLimit,
                 long answeredUnkept, long answeredByAnother) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                failureExamples, beyond, atLimit, answeredUnkept, answeredByAnother, null);
    }

    /**
     * The limit {@code --concurrency auto} had learnt when the session ended, all servers together, and each
     * server's own with several: what "what concurrency should I use?" is answered with.
     */
    record Learnt(int limit, List<ServerLimit> servers) {
        Learnt {
            servers = List.copyOf(servers);
        }
    }

    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                 Map<String, String> failureExamples, Beyond beyond, SentAgainAtLimit atLimit,
                 long answeredUnkept) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                failureExamples, beyond, atLimit, answeredUnkept, 0);
    }

    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                 Map<String, String> failureExamples, Beyond beyond) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                failureExamples, beyond, SentAgainAtLimit.NONE, 0, 0);
    }

    /**
     * Requests a server refused as one too many at once under {@code --concurrency auto}, sent again by the run
     * without spending a retry.
     *
     * @param rateLimited refused with 429
     * @param busy        refused with 503
     */
    record SentAgainAtLimit(long rateLimited, long busy) {
        static final SentAgainAtLimit NONE = new SentAgainAtLimit(0, 0);
    }

    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept,
                 Map<String, String> failureExamples) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                failureExamples, Beyond.NONE);
    }

    /**
     * Requests the server received beyond the records' attempts, each for what it was, and the re-asks for JSON,
     * which are said apart but are among the attempts.
     *
     * @param sentAgainAfterRefusal 429s the client's rate gate waited out and sent again within one attempt: each is
     *                              one of its record's stored attempts, so not beyond them (those of a record a stop
     *                              kept from being stored are redundant)
     * @param reaskedForJson        answers that were not JSON, asked again ({@code --json-retries}): each is one of
     *                              its record's stored attempts, so not beyond them (those of a record a stop kept
     *                              from being stored were never saved, and are redundant)
     * @param stoppedTheRun         answered with a refusal that stopped the run (401, 404): their records are not
     *                              stored, and the next session asks for them again
     */
    record Beyond(long sentAgainAfterRefusal, long reaskedForJson, long stoppedTheRun) {
        static final Beyond NONE = new Beyond(0, 0, 0);

        /** The requests no stored attempt stands for. */
        long total() {
            return stoppedTheRun;
        }
    }

    /** A tally that kept no example of its failures. */
    SessionTally(long done, long failed, Map<String, Long> failedByKind, long retries, Long tokensIn,
                 Long tokensOut, Latency latency, long wallMs, Long requestsSent, long attemptsKept) {
        this(done, failed, failedByKind, retries, tokensIn, tokensOut, latency, wallMs, requestsSent, attemptsKept,
                Map.of());
    }

    /** Milliseconds of the answers of this session. */
    record Latency(long p50, long p95, long max) {
    }

    /**
     * The requests of a session that reached a server, from its servers' tallies; null when the predictor kept none.
     * One that found no server (refused, unknown host) cost nothing and is not counted, lest it read as redundant.
     */
    static Long requestsSent(List<ServerTally> servers) {
        return servers.isEmpty() ? null : servers.stream()
                .mapToLong(ServerTally::sent).sum();
    }

    /**
     * Requests whose answer this session never saved: in flight when it was stopped, or answered after another
     * worker stored the record's answer ({@link #redundantAnsweredByAnother()}). The records of the first are still
     * pending, so the next session asks for them again; with no interrupt and no other worker this is 0. Those
     * counted {@link #beyond} for what they were, and the answered attempts of records it was retrying, are not
     * among them.
     */
    long redundantRequests() {
        return requestsSent == null ? 0
                : Math.max(0, requestsSent - attemptsKept - answeredUnkept - unanswered.timedOutUnkept()
                        - beyond.total());
    }

    /** The redundant requests whose records another worker answered meanwhile: never asked again. */
    long redundantAnsweredByAnother() {
        return Math.min(answeredByAnother, redundantRequests());
    }
}
