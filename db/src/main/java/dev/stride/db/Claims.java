package dev.stride.db;

import static dev.stride.db.schema.Tables.CLAIMS;
import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.WORKERS;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.selectOne;

import dev.stride.core.InputRecord;
import dev.stride.core.RecordStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record5;
import org.jooq.SQLDialect;
import org.jooq.SelectLimitPercentStep;
import org.jooq.impl.DSL;

/**
 * The claim of records by a worker, in the caller's write transaction: the one query a store on another database
 * words differently (PostgreSQL: the same select with {@code FOR NO KEY UPDATE SKIP LOCKED}). Vendor-neutral jOOQ
 * otherwise. On SQLite the caller's IMMEDIATE transaction already serializes claimers, so a plain select is enough.
 *
 * <p>Timestamps are the stores' UTC text, which sorts as time: a lease is live while {@code lease_until > now}.
 */
final class Claims {
    /** When the PostgreSQL server last started, in UTC as the workers' times are written. */
    private static final String STARTED = "(pg_postmaster_start_time() AT TIME ZONE 'UTC')";

    private final DSLContext dsl;
    /** What other workers do between a PostgreSQL claim's look at the free records and its insert: tests' only. */
    private final Runnable betweenLookAndInsert;

    Claims(DSLContext dsl) {
        this(dsl, () -> { });
    }

    /** For tests: {@code betweenLookAndInsert} stands for other workers' claims and answers in that moment. */
    Claims(DSLContext dsl, Runnable betweenLookAndInsert) {
        this.dsl = dsl;
        this.betweenLookAndInsert = betweenLookAndInsert;
    }

    /**
     * Whether {@code worker}'s own lease holds, and whether another worker's ran out: one query, that every claim
     * makes anyway (for its own lease), so that a claim with no lapsed worker to drop costs nothing more.
     */
    Leases leases(long runId, String worker, String now) {
        var othersLapsed = DSL.field(DSL.exists(selectOne().from(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                .and(WORKERS.WORKER_ID.ne(worker)).and(lapsed(now))));
        if (dsl.dialect().family() == SQLDialect.POSTGRES) {
            // The worker's own row locked (KEY SHARE) until the claim commits: another worker's drop of expired rows
            // skips it ({@link #dropUnlocked}). Unlocked, a lease that ran out between this look and the claims'
            // insert (a renewal lost in a crash of the server leaves an old one) was dropped by another worker in
            // that moment, and the insert failed the foreign key: the run ended. Outcomes' counts (NO KEY UPDATE)
            // do not wait for this lock.
            var own = dsl.select(WORKERS.LEASE_UNTIL, othersLapsed).from(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                    .and(WORKERS.WORKER_ID.eq(worker)).forKeyShare().fetchOne();
            if (own != null) {
                return new Leases(own.value1().compareTo(now) > 0, own.value2());
            }
        }
        var r = dsl.select(
                DSL.field(DSL.exists(selectOne().from(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                        .and(WORKERS.WORKER_ID.eq(worker)).and(WORKERS.LEASE_UNTIL.gt(now)))),
                DSL.field(DSL.exists(selectOne().from(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                        .and(WORKERS.WORKER_ID.ne(worker)).and(lapsed(now))))).fetchOne();
        return new Leases(r.value1(), r.value2());
    }

    /** What a claim finds of the leases: its worker's own holds; another worker's ran out (it is to be dropped). */
    record Leases(boolean ownHeld, boolean othersLapsed) {
    }

    /**
     * Claims for {@code worker} up to {@code limit} records after {@code afterSeq} in input order that no one holds
     * and that have no outcome (with {@code includeFailed}, also those whose outcome is a failure stored before
     * {@code failedBefore}, when the rerun began ({@link Workforce#claim}): one stored since was tried in this rerun,
     * by this worker or another, whether or not that worker still holds its claim; null: any failure). With {@code othersLapsed} ({@link #leases}), first drops the workers whose lease ran out (their claims
     * go with them, by cascade) and claims from the lowest of their records, which lie behind {@code afterSeq} as
     * often as not: a live worker takes a dead one's records at once, not at its next pass from the start.
     */
    List<InputRecord> claim(long runId, String worker, long afterSeq, int limit, boolean includeFailed,
                            String failedBefore, String now, boolean othersLapsed) {
        long after = othersLapsed ? dropExpiredFrom(runId, worker, afterSeq, now) : afterSeq;
        if (dsl.dialect().family() != SQLDialect.POSTGRES) {
            List<InputRecord> batch = pending(runId, after, limit, includeFailed, failedBefore).fetch(Claims::record);
            if (!batch.isEmpty()) {
                var insert = dsl.insertInto(CLAIMS, CLAIMS.RUN_ID, CLAIMS.RECORD_ID, CLAIMS.WORKER_ID);
                for (InputRecord r : batch) {
                    insert = insert.values(runId, r.id(), worker);
                }
                insert.execute();
            }
            return batch;
        }
        // PostgreSQL lets claimers run at once: rows another claimer has locked are skipped rather than waited for. (NO KEY
        // UPDATE: an outcome's foreign key check takes KEY SHARE on its record, which this lock leaves alone.)
        // Records another worker claimed meanwhile are passed over, and the claim goes on after them: empty, it would
        // end this worker's pass, and the next one started from the first record, a scan of every outcome stored
        // (seconds under load after an outage, when both workers claim at the same moments).
        while (true) {
            List<InputRecord> locked = pending(runId, after, limit, includeFailed, failedBefore)
                    .forNoKeyUpdate().of(RECORDS).skipLocked().fetch(Claims::record);
            if (locked.isEmpty()) {
                return locked;
            }
            betweenLookAndInsert.run();
            Set<String> got = insertFree(runId, worker, locked, includeFailed, failedBefore);
            if (!got.isEmpty()) {
                return locked.stream().filter(r -> got.contains(r.id())).toList();
            }
            after = locked.get(locked.size() - 1).seq();
        }
    }

    /** The records after {@code after} in input order that {@link #claim} would take, up to {@code limit}. */
    private SelectLimitPercentStep<Record5<Long, String, Long, String, String>> pending(
            long runId, long after, int limit, boolean includeFailed, String failedBefore) {
        return dsl
                .select(RECORDS.SEQ, RECORDS.RECORD_ID, RECORDS.LINE, RECORDS.PAYLOAD, RECORDS.CONTENT_HASH)
                .from(RECORDS)
                .where(RECORDS.RUN_ID.eq(runId))
                .and(RECORDS.SEQ.gt(after))
                .and(noOutcome(includeFailed, failedBefore))
                .and(notExists(selectOne().from(CLAIMS)
                        .where(CLAIMS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(CLAIMS.RECORD_ID.eq(RECORDS.RECORD_ID))))
                .orderBy(RECORDS.SEQ)
                .limit(limit);
    }

    /**
     * PostgreSQL: claims for {@code worker} those of {@code locked} (selected and locked by this transaction) that are
     * still free; their ids. The select saw the tables as they were when it began, and a claim committed after that
     * (its records' locks let go) does not make PostgreSQL look again: the insert skips records claimed since. And a
     * record another worker claimed, asked and answered while the select ran (its claim gone with the answer) looked
     * free to it too: taken, it was asked a second time (a scan of seconds under load let hundreds through after an
     * outage, "135 redundant"). The look after the insert sees every outcome committed before it, those of claims the
     * insert waited for included.
     */
    private Set<String> insertFree(long runId, String worker, List<InputRecord> locked, boolean includeFailed,
                                   String failedBefore) {
        var insert = dsl.insertInto(CLAIMS, CLAIMS.RUN_ID, CLAIMS.RECORD_ID, CLAIMS.WORKER_ID);
        for (InputRecord r : locked) {
            insert = insert.values(runId, r.id(), worker);
        }
        Set<String> got = new HashSet<>(insert.onConflictDoNothing().returningResult(CLAIMS.RECORD_ID)
                .fetch(CLAIMS.RECORD_ID));
        if (got.isEmpty()) {
            return got;
        }
        Set<String> settled = new HashSet<>(dsl.select(RECORDS.RECORD_ID).from(RECORDS)
                .where(RECORDS.RUN_ID.eq(runId)).and(RECORDS.RECORD_ID.in(got))
                .andNot(noOutcome(includeFailed, failedBefore))
                .fetch(RECORDS.RECORD_ID));
        if (!settled.isEmpty()) {
            dsl.deleteFrom(CLAIMS).where(CLAIMS.RUN_ID.eq(runId)).and(CLAIMS.WORKER_ID.eq(worker))
                    .and(CLAIMS.RECORD_ID.in(settled)).execute();
            got.removeAll(settled);
        }
        return got;
    }

    /**
     * Drops the workers other than {@code worker} whose lease ran out, their claims with them; the seq to claim after
     * so that their records are claimed first: just before the lowest of them, or {@code afterSeq} when that is lower.
     */
    private long dropExpiredFrom(long runId, String worker, long afterSeq, String now) {
        Long lowest = dsl.select(DSL.min(RECORDS.SEQ)).from(CLAIMS)
                .join(WORKERS).on(WORKERS.RUN_ID.eq(CLAIMS.RUN_ID).and(WORKERS.WORKER_ID.eq(CLAIMS.WORKER_ID)))
                .join(RECORDS).on(RECORDS.RUN_ID.eq(CLAIMS.RUN_ID).and(RECORDS.RECORD_ID.eq(CLAIMS.RECORD_ID)))
                .where(CLAIMS.RUN_ID.eq(runId))
                .and(WORKERS.WORKER_ID.ne(worker))
                .and(lapsed(now))
                .fetchOne().value1();
        // Never this worker itself, even when its lease is shorter than the moment since its renewal: its claims
        // would go, and the new ones would have no worker to belong to.
        dropUnlocked(WORKERS.RUN_ID.eq(runId).and(lapsed(now)).and(WORKERS.WORKER_ID.ne(worker)));
        return lowest == null ? afterSeq : Math.min(afterSeq, lowest - 1);
    }

    /**
     * Claims for {@code worker} again those of {@code ids} that no one holds and that {@link #claim} would take (no
     * outcome; with {@code includeFailed}, none but a failure): its own records after its row was dropped, their
     * claims with it. Returns those it got; another worker has the others, or their answer is in.
     */
    Set<String> retake(long runId, String worker, Set<String> ids, boolean includeFailed) {
        var free = dsl.select(RECORDS.RUN_ID, RECORDS.RECORD_ID, DSL.val(worker))
                .from(RECORDS)
                .where(RECORDS.RUN_ID.eq(runId))
                .and(RECORDS.RECORD_ID.in(ids))
                .and(noOutcome(includeFailed))
                .and(notExists(selectOne().from(CLAIMS)
                        .where(CLAIMS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(CLAIMS.RECORD_ID.eq(RECORDS.RECORD_ID))));
        if (dsl.dialect().family() != SQLDialect.POSTGRES) {
            // The IMMEDIATE transaction keeps other claimers out between the select and the insert.
            Set<String> got = new HashSet<>(free.fetch(RECORDS.RECORD_ID));
            dsl.insertInto(CLAIMS, CLAIMS.RUN_ID, CLAIMS.RECORD_ID, CLAIMS.WORKER_ID).select(free).execute();
            return got;
        }
        // Another worker claiming one of them at this moment has it locked and inserts its claim: this insert waits
        // for that commit, then leaves the record to it.
        return new HashSet<>(dsl.insertInto(CLAIMS, CLAIMS.RUN_ID, CLAIMS.RECORD_ID, CLAIMS.WORKER_ID).select(free)
                .onConflictDoNothing().returningResult(CLAIMS.RECORD_ID).fetch(CLAIMS.RECORD_ID));
    }

    /** A record with no outcome; with {@code includeFailed}, none but a failure. */
    private static Condition noOutcome(boolean includeFailed) {
        return noOutcome(includeFailed, null);
    }

    /**
     * A record with no outcome; with {@code includeFailed}, none but a failure, and one stored before
     * {@code failedBefore} when that is given (a failure stored since was tried again in this rerun).
     */
    private static Condition noOutcome(boolean includeFailed, String failedBefore) {
        return notExists(selectOne().from(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID))
                .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID))
                .and(includeFailed ? counted(failedBefore) : DSL.trueCondition()));
    }

    /**
     * Of the outcomes of a worker retrying failures, those that count as one: an answer, and a failure stored at or
     * after {@code failedBefore} (the rerun's start; null: none).
     */
    private static Condition counted(String failedBefore) {
        Condition done = PREDICTIONS.STATUS.eq(RecordStatus.DONE);
        return failedBefore == null ? done : done.or(PREDICTIONS.FINISHED_AT.ge(failedBefore));
    }

    private static InputRecord record(Record5<Long, String, Long, String, String> r) {
        return new InputRecord(r.value1(), r.value2(), r.value3(), r.value4(), r.value5());
    }

    /** Workers whose lease ran out are dead: their rows and claims go, so that their records are free again. */
    void dropExpired(long runId, String now) {
        dropUnlocked(WORKERS.RUN_ID.eq(runId).and(lapsed(now)));
    }

    /**
     * A worker's lease ran out as of {@code now}: it is taken for dead. On PostgreSQL a lease that ran out before the
     * server last started is given one more lease from that start: while the server was down no worker could renew,
     * and the first to reconnect took the other for dead and asked again every record it held (10,197 requests for
     * 10,000 records with two workers, the server down 6-20 s under a 5 s lease). A worker that died meanwhile is taken
     * over a lease after the start at most. (The lease's length is its row's: lease_until less the last renewal.)
     */
    Condition lapsed(String now) {
        Condition ranOut = WORKERS.LEASE_UNTIL.le(now);
        if (dsl.dialect().family() != SQLDialect.POSTGRES) {
            return ranOut; // a file: no server to be down while its workers live
        }
        return ranOut.and(DSL.condition("({0}::timestamp > " + STARTED + " OR " + STARTED
                        + " + ({0}::timestamp - {1}::timestamp) <= {2}::timestamp)",
                WORKERS.LEASE_UNTIL, WORKERS.HEARTBEAT_AT, DSL.val(now)));
    }

    /**
     * Deletes the workers' rows that match, on PostgreSQL only those no other transaction has locked: a locked row is
     * its worker renewing itself ({@link Workforce}, FOR NO KEY UPDATE), alive, or another claimer dropping it. Waiting
     * for it deadlocked: after a server restart longer than the lease, two workers each renewed their own row and
     * then dropped the other's, and one of them ended its run with "deadlock detected".
     */
    private void dropUnlocked(Condition which) {
        if (dsl.dialect().family() != SQLDialect.POSTGRES) {
            dsl.deleteFrom(WORKERS).where(which).execute();
            return;
        }
        dsl.deleteFrom(WORKERS).where(DSL.row(WORKERS.RUN_ID, WORKERS.WORKER_ID).in(
                dsl.select(WORKERS.RUN_ID, WORKERS.WORKER_ID).from(WORKERS).where(which).forUpdate().skipLocked()))
                .execute();
    }

    /** Whether {@code worker} holds claims of records that have no outcome: records it has not answered. */
    boolean holdsUnanswered(long runId, String worker) {
        return dsl.fetchExists(selectOne().from(CLAIMS)
                .where(CLAIMS.RUN_ID.eq(runId))
                .and(CLAIMS.WORKER_ID.eq(worker))
                .and(notExists(selectOne().from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(CLAIMS.RUN_ID))
                        .and(PREDICTIONS.RECORD_ID.eq(CLAIMS.RECORD_ID)))));
    }

    /** Whether a live worker other than {@code worker} holds claims on the run that it has not settled. */
    boolean othersAtWork(long runId, String worker, String now) {
        return dsl.fetchExists(selectOne().from(CLAIMS).join(WORKERS)
                .on(WORKERS.RUN_ID.eq(CLAIMS.RUN_ID).and(WORKERS.WORKER_ID.eq(CLAIMS.WORKER_ID)))
                .where(CLAIMS.RUN_ID.eq(runId))
                .and(WORKERS.WORKER_ID.ne(worker))
                .andNot(lapsed(now))
                .andNot(settledByItsHolder()));
    }

    /**
     * Whether records {@link #claim} would take, were no one holding them, are left that {@code worker} does not
     * hold: free ones, and those other workers hold (whatever their lease) and have not settled. {@code failedBefore}
     * as for {@link #claim}.
     */
    boolean leftToOthers(long runId, String worker, boolean includeFailed, String failedBefore) {
        return dsl.fetchExists(selectOne().from(RECORDS)
                .where(RECORDS.RUN_ID.eq(runId))
                .and(noOutcome(includeFailed, failedBefore))
                .and(notExists(selectOne().from(CLAIMS).join(WORKERS)
                        .on(WORKERS.RUN_ID.eq(CLAIMS.RUN_ID).and(WORKERS.WORKER_ID.eq(CLAIMS.WORKER_ID)))
                        .where(CLAIMS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(CLAIMS.RECORD_ID.eq(RECORDS.RECORD_ID))
                        .and(CLAIMS.WORKER_ID.eq(worker).or(settledByItsHolder())))));
    }

    /**
     * A claim (of a query joining {@code claims} to its {@code workers} row) whose worker is through with its record
     * for this session: its answer is in, or a failure stored since the worker joined. A worker that retries failures
     * keeps the claims of the failures it stores, so as to try each once; such a claim is nothing to wait for (two
     * such workers waited for each other's for ever).
     */
    private static Condition settledByItsHolder() {
        return DSL.exists(selectOne().from(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(CLAIMS.RUN_ID))
                .and(PREDICTIONS.RECORD_ID.eq(CLAIMS.RECORD_ID))
                .and(PREDICTIONS.STATUS.eq(RecordStatus.DONE).or(PREDICTIONS.FINISHED_AT.ge(WORKERS.STARTED_AT))));
    }

    /**
     * Whether a live worker other than {@code worker} (null: any) has joined the run: its lease holds, and it is not
     * of this machine with its process ended (kill -9).
     */
    boolean othersLive(long runId, String worker, String now) {
        Condition others = worker == null ? DSL.trueCondition() : WORKERS.WORKER_ID.ne(worker);
        return dsl.select(WORKERS.HOST, WORKERS.PID, WORKERS.WORKER_ID).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(runId)).and(others).andNot(lapsed(now))
                .fetch().stream().anyMatch(w -> !Workforce.goneFromThisHost(w.value1(), w.value2(), w.value3()));
    }
}
