package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import dev.stride.core.AnswersWouldBeDroppedException;
import dev.stride.core.InputRecord;
import dev.stride.core.InvalidInputException;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RecordStatus;
import dev.stride.core.SyncReport;
import java.sql.PreparedStatement;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record3;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * Makes a run's stored records equal to its input, inside the caller's write transaction.
 *
 * <p>The input is streamed into a temporary table in batches, so memory stays flat for any size of input; everything
 * after that (duplicate ids, the diff, applying it) is set-based SQL between that table and {@code records}.
 */
final class InputSync {
    private static final int BATCH = 500;

    // The temporary table is this connection's own and lives only inside the sync's transaction.
    private static final Table<?> INPUT = table(name("sync_input"));
    private static final Field<Long> IN_SEQ = field(name("sync_input", "seq"), SQLDataType.BIGINT);
    private static final Field<String> IN_ID = field(name("sync_input", "record_id"), SQLDataType.CLOB);
    private static final Field<Long> IN_LINE = field(name("sync_input", "line"), SQLDataType.BIGINT);
    private static final Field<String> IN_PAYLOAD = field(name("sync_input", "payload"), SQLDataType.CLOB);
    private static final Field<String> IN_HASH = field(name("sync_input", "content_hash"), SQLDataType.CLOB);
    /** 1 for a record whose content changed and whose request did not ({@link SameRequests}). */
    private static final Field<Integer> IN_SAME_REQUEST = field(name("sync_input", "same_request"),
            SQLDataType.INTEGER);

    private final DSLContext dsl;
    /** The run's template: what makes a record its request. */
    private final PromptTemplate template;

    InputSync(DSLContext dsl, String template) {
        this.dsl = dsl;
        this.template = PromptTemplate.parse(template);
    }

    /**
     * @return the report, naming the first {@link SyncReport#NAMED} ids of each kind; {@code done} and
     *         {@code failed} are left for the caller, who recounts them after the sync
     * @throws AnswersWouldBeDroppedException when {@code dropAnswers} is false and the sync would drop answers that
     *         need the user's word ({@link SyncReport#needsConsentToDrop()}); nothing has been changed yet (the
     *         caller's transaction is rolled back with it)
     */
    SyncReport sync(long runId, boolean created, Iterator<InputRecord> input, boolean dropAnswers) {
        if (created) {
            return insertNew(runId, input);
        }
        // SQLite names the temporary schema temp, PostgreSQL pg_temp; otherwise the statements are the same.
        String temp = dsl.dialect() == SQLDialect.POSTGRES ? "pg_temp" : "temp";
        dsl.execute("DROP TABLE IF EXISTS " + temp + ".sync_input");
        // seq as INTEGER PRIMARY KEY: input positions are unique, and rows are kept in input order for free.
        // (INTEGER is 32 bits on PostgreSQL, where the same table takes BIGINT.)
        String integer = dsl.dialect() == SQLDialect.POSTGRES ? "BIGINT" : "INTEGER";
        dsl.execute("CREATE TEMP TABLE sync_input (seq " + integer + " PRIMARY KEY, record_id TEXT NOT NULL, "
                + "line " + integer + " NOT NULL, payload TEXT NOT NULL, content_hash TEXT NOT NULL,"
                + " same_request INTEGER NOT NULL DEFAULT 0)");
        try {
            load(input);
            dsl.execute(dsl.dialect() == SQLDialect.POSTGRES
                    ? "CREATE INDEX sync_input_by_id ON pg_temp.sync_input (record_id)"
                    : "CREATE INDEX temp.sync_input_by_id ON sync_input (record_id)");
            refuseDuplicateIds();
            new SameRecords(dsl).keepStoredForm(runId);
            new SameRequests(dsl, template).mark(runId);
            return apply(runId, created, dropAnswers);
        } finally {
            dsl.execute("DROP TABLE IF EXISTS " + temp + ".sync_input");
        }
    }

    /**
     * A new run has no stored records to compare with: its input goes straight into {@code records}, which saves
     * writing every record twice (into the temporary table, then from it) and the diff's passes over it: a third of
     * a new run's ingest (BENCHMARKS.md, "Ingest"). A repeated id is found by the primary key: the insert skips it
     * (so the transaction stays usable, on PostgreSQL too) and reports no row; the first such row is the earliest
     * repeat, and the stored row with its id is its first occurrence.
     */
    private SyncReport insertNew(long runId, Iterator<InputRecord> input) {
        long total = dsl.connectionResult(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO records (run_id, record_id, seq,"
                    + " line, payload, content_hash) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, record_id) DO NOTHING")) {
                String[] ids = new String[BATCH];
                long[] lines = new long[BATCH];
                Repeats repeats = new Repeats(runId);
                int pending = 0;
                long count = 0;
                while (input.hasNext()) {
                    InputRecord r = input.next();
                    insert.setLong(1, runId);
                    insert.setString(2, r.id());
                    insert.setLong(3, r.seq());
                    insert.setLong(4, r.line());
                    insert.setString(5, r.json());
                    insert.setString(6, r.contentHash());
                    insert.addBatch();
                    ids[pending] = r.id();
                    lines[pending] = r.line();
                    count++;
                    if (++pending == BATCH) {
                        repeats.note(insert.executeBatch(), ids, lines);
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    repeats.note(insert.executeBatch(), ids, lines);
                }
                repeats.refuseAny();
                return count;
            }
        });
        dsl.update(RUNS).set(RUNS.TOTAL, total).where(RUNS.RUN_ID.eq(runId)).execute();
        return new SyncReport(true, total, total, 0, 0, 0, 0, 0, List.of(), List.of(), List.of(), List.of(), List.of(),
                0, List.of(), 0, 0);
    }

    /**
     * The rows a new run's insert skipped: repeated ids. The first is named with both of its lines, and the input is
     * read to its end for how many other ids repeat, so that a file with many is fixed in one go, not one rerun per id
     * (the transaction is rolled back all the same).
     */
    private final class Repeats {
        private final long runId;
        private final Set<String> others = new HashSet<>();
        private String id;
        private Long firstLine;
        private long line;

        Repeats(long runId) {
            this.runId = runId;
        }

        void note(int[] inserted, String[] ids, long[] lines) {
            for (int i = 0; i < inserted.length; i++) {
                if (inserted[i] != 0) {
                    continue;
                }
                if (id == null) {
                    id = ids[i];
                    line = lines[i];
                    firstLine = dsl.select(RECORDS.LINE).from(RECORDS)
                            .where(RECORDS.RUN_ID.eq(runId)).and(RECORDS.RECORD_ID.eq(id))
                            .fetchOne(RECORDS.LINE);
                } else if (!ids[i].equals(id)) {
                    others.add(ids[i]);
                }
            }
        }

        void refuseAny() {
            if (id != null) {
                throw duplicate(id, firstLine, line, others.size());
            }
        }
    }

    /** A repeated id, named with the first two lines that carry it, and how many other ids repeat too. */
    private static InvalidInputException duplicate(String id, Long firstLine, Long line, long otherIds) {
        return new InvalidInputException(DbPhrase.of("input.duplicateId", id, firstLine, line,
                otherIds == 0 ? "" : DbPhrase.of("input.moreDuplicateIds", otherIds)));
    }

    /**
     * Streams the input into the temporary table: one INSERT prepared once and bound with plain JDBC, executed in
     * batches. jOOQ's batch built a bind value object per column and row and rendered it again at every row (a third
     * of the ingest's CPU for 100,000 records; BENCHMARKS.md, "Ingest").
     */
    private void load(Iterator<InputRecord> input) {
        dsl.connection(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO sync_input (seq, record_id, line, payload, content_hash) VALUES (?, ?, ?, ?, ?)")) {
                int pending = 0;
                while (input.hasNext()) {
                    InputRecord r = input.next();
                    insert.setLong(1, r.seq());
                    insert.setString(2, r.id());
                    insert.setLong(3, r.line());
                    insert.setString(4, r.json());
                    insert.setString(5, r.contentHash());
                    insert.addBatch();
                    if (++pending == BATCH) {
                        insert.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    insert.executeBatch();
                }
            }
        });
    }

    private void refuseDuplicateIds() {
        // The earliest record whose id already appeared; with only one earlier occurrence possible for the earliest
        // repeat, the pair is the first and second line carrying that id.
        Table<?> first = INPUT.as("first");
        Table<?> second = INPUT.as("second");
        Record3<String, Long, Long> dup = dsl
                .select(column(second, IN_ID), column(first, IN_LINE), column(second, IN_LINE))
                .from(second)
                .join(first).on(column(first, IN_ID).eq(column(second, IN_ID))
                        .and(column(first, IN_SEQ).lt(column(second, IN_SEQ))))
                .orderBy(column(second, IN_SEQ))
                .limit(1)
                .fetchOne();
        if (dup != null) {
            int repeated = dsl.fetchCount(dsl.select(IN_ID).from(INPUT).groupBy(IN_ID).having(count().gt(1)));
            throw duplicate(dup.value1(), dup.value2(), dup.value3(), repeated - 1);
        }
    }

    /** {@code column} of the temporary table, seen through an alias (a plain-SQL table knows no fields of its own). */
    private static <T> Field<T> column(Table<?> alias, Field<T> column) {
        return field(name(alias.getName(), column.getName()), column.getDataType());
    }

    private SyncReport apply(long runId, boolean created, boolean dropAnswers) {
        var stored = RECORDS.RUN_ID.eq(runId).and(RECORDS.RECORD_ID.eq(IN_ID));
        var isNew = notExists(selectOne().from(RECORDS).where(stored));
        var isChanged = RECORDS.RUN_ID.eq(runId).and(RECORDS.RECORD_ID.eq(IN_ID))
                .and(RECORDS.CONTENT_HASH.ne(IN_HASH));
        // Edited: the request changed with the content, so the answer is to another question and goes. Relabelled:
        // only fields the request does not use changed, and the answer stays with the new content.
        var isEdited = isChanged.and(IN_SAME_REQUEST.eq(0));
        var isRelabelled = isChanged.and(IN_SAME_REQUEST.eq(1));
        var isRemoved = RECORDS.RUN_ID.eq(runId)
                .and(notExists(selectOne().from(INPUT).where(IN_ID.eq(RECORDS.RECORD_ID))));

        long total = dsl.fetchCount(INPUT);
        List<String> addedIds = created ? List.of() : dsl.select(IN_ID).from(INPUT).where(isNew).orderBy(IN_SEQ)
                .limit(SyncReport.NAMED).fetch(IN_ID);
        List<String> editedIds = dsl.select(IN_ID).from(INPUT).join(RECORDS).on(isEdited).orderBy(IN_SEQ)
                .limit(SyncReport.NAMED).fetch(IN_ID);
        List<String> removedIds = dsl.select(RECORDS.RECORD_ID).from(RECORDS).where(isRemoved)
                .orderBy(RECORDS.SEQ).limit(SyncReport.NAMED).fetch(RECORDS.RECORD_ID);
        List<String> relabelledIds = dsl.select(IN_ID).from(INPUT).join(RECORDS).on(isRelabelled).orderBy(IN_SEQ)
                .limit(SyncReport.NAMED).fetch(IN_ID);
        long added = dsl.fetchCount(INPUT, isNew);
        long edited = dsl.fetchCount(dsl.selectOne().from(INPUT).join(RECORDS).on(isEdited));
        long relabelled = relabelledIds.isEmpty() ? 0
                : dsl.fetchCount(dsl.selectOne().from(INPUT).join(RECORDS).on(isRelabelled));
        long removed = dsl.fetchCount(RECORDS, isRemoved);
        var answered = exists(selectOne().from(PREDICTIONS).where(PREDICTIONS.RUN_ID.eq(runId))
                .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID)).and(PREDICTIONS.STATUS.eq(RecordStatus.DONE)));
        long removedAnswers = removed == 0 ? 0 : dsl.fetchCount(RECORDS, isRemoved.and(answered));
        long editedAnswers = edited == 0 ? 0
                : dsl.fetchCount(dsl.selectOne().from(INPUT).join(RECORDS).on(isEdited).where(answered));
        long answersBefore = removedAnswers + editedAnswers == 0 ? 0 : dsl.fetchCount(PREDICTIONS,
                PREDICTIONS.RUN_ID.eq(runId).and(PREDICTIONS.STATUS.eq(RecordStatus.DONE)));
        // The ids a refusal names are those whose answers would go: a removed or edited record without one (pending,
        // failed) goes without asking, and naming it would send the user looking for an answer that is not there.
        List<String> removedAnsweredIds = removedAnswers == 0 ? List.of() : dsl.select(RECORDS.RECORD_ID).from(RECORDS)
                .where(isRemoved.and(answered)).orderBy(RECORDS.SEQ).limit(SyncReport.NAMED).fetch(RECORDS.RECORD_ID);
        List<String> editedAnsweredIds = editedAnswers == 0 ? List.of() : dsl.select(IN_ID).from(INPUT).join(RECORDS)
                .on(isEdited).where(answered).orderBy(IN_SEQ).limit(SyncReport.NAMED).fetch(IN_ID);
        SyncReport report = new SyncReport(created, total, created ? total : added, edited, removed, removedAnswers,
                editedAnswers, answersBefore, addedIds, editedIds, removedIds, removedAnsweredIds, editedAnsweredIds,
                relabelled, relabelledIds, 0, 0);
        if (report.needsConsentToDrop() && !dropAnswers) {
            throw new AnswersWouldBeDroppedException(report);
        }

        // Removed records go with their predictions (ON DELETE CASCADE); edited ones lose theirs; relabelled ones
        // keep theirs, and take their new content below with the edited ones. Their scores name the old content hash
        // and so stop counting (the scoreboard's triggers, and the recount after every sync): scoring again
        // (stride score, or a live-scored run's next session) scores the kept answers against the new labels.
        dsl.deleteFrom(RECORDS).where(isRemoved).execute();
        dsl.deleteFrom(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(runId))
                .and(exists(selectOne().from(INPUT).join(RECORDS).on(isEdited)
                        .where(RECORDS.RECORD_ID.eq(PREDICTIONS.RECORD_ID))))
                .execute();

        // Renumbering in place would trip UNIQUE (run_id, seq) halfway (record A takes B's old seq before B moves),
        // so records that move first park at distinct negative seqs, then take their new ones.
        var moves = RECORDS.RUN_ID.eq(runId).and(RECORDS.RECORD_ID.eq(IN_ID)).and(RECORDS.SEQ.ne(IN_SEQ));
        dsl.update(RECORDS).set(RECORDS.SEQ, RECORDS.SEQ.neg().minus(1L)).from(INPUT).where(moves).execute();
        dsl.update(RECORDS)
                .set(RECORDS.SEQ, IN_SEQ)
                .set(RECORDS.LINE, IN_LINE)
                .set(RECORDS.PAYLOAD, IN_PAYLOAD)
                .set(RECORDS.CONTENT_HASH, IN_HASH)
                .from(INPUT)
                .where(RECORDS.RUN_ID.eq(runId)).and(RECORDS.RECORD_ID.eq(IN_ID))
                .and(RECORDS.SEQ.ne(IN_SEQ).or(RECORDS.LINE.ne(IN_LINE)).or(RECORDS.CONTENT_HASH.ne(IN_HASH)))
                .execute();
        dsl.insertInto(RECORDS, RECORDS.RUN_ID, RECORDS.RECORD_ID, RECORDS.SEQ, RECORDS.LINE, RECORDS.PAYLOAD,
                        RECORDS.CONTENT_HASH)
                .select(dsl.select(val(runId), IN_ID, IN_SEQ, IN_LINE, IN_PAYLOAD, IN_HASH)
                        .from(INPUT).where(isNew))
                .execute();

        dsl.update(RUNS).set(RUNS.TOTAL, total).where(RUNS.RUN_ID.eq(runId)).execute();
        return report;
    }
}
