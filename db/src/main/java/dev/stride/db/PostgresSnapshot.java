package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;
import static dev.stride.db.schema.Tables.SCORES;

import dev.stride.core.RunInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.jooq.Field;
import org.jooq.Table;

/**
 * {@code stride snapshot} of a PostgreSQL database: a SQLite file with every run, as the server had them at one
 * moment. The rows are read in one REPEATABLE READ, READ ONLY transaction (one snapshot of the server, whatever the
 * workers commit meanwhile) and written into a new stride file whose own triggers count them: runs, records, outcomes
 * and scores, never the workers and their claims (nobody works on the new file); the file is written
 * under a temporary name, synced and renamed, as {@link SqliteCheckpointStore#snapshot} does.
 */
public final class PostgresSnapshot {
    private static final int BATCH = 1000;

    private PostgresSnapshot() {
    }

    /**
     * @param stopRequested asked at every batch of rows and once more before the copy is named: when it says stop
     *                      (Ctrl+C, SIGTERM), the copy is given up
     * @return the runs the copy holds
     * @throws UncheckedIOException     when the copy cannot be written at {@code target}, with the operating system's
     *                                  reason; nothing is left behind
     * @throws TransferStoppedException when a stop was asked for before the copy was named; nothing is left behind
     */
    public static List<RunInfo> write(PostgresLocation location, Path target, BooleanSupplier stopRequested) {
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new StoreException(DbPhrase.of("snapshot.noFolder", target, String.valueOf(folder)));
        }
        if (Files.exists(target)) {
            throw new StoreException(DbPhrase.of("snapshot.exists", target));
        }
        // Held for removal on any ending, a second Ctrl+C's halt included; what a kill -9 of an earlier snapshot or
        // copy of it left goes first.
        try (StagedDatabase staged = StagedDatabase.beside(target)) {
            Path partial = staged.file();
            try {
                // Tried first, so that a folder nobody may write to is told in the operating system's words and of
                // target, not as SQLite's "cannot open" of a temporary name.
                Files.createFile(partial);
                Files.delete(partial);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SqliteCheckpointStore.open(partial).close(); // the schema, at this build's version
            copy(location, partial, stopRequested);
            SqliteCheckpointStore.nobodyAtWork(partial); // a run going on the server is interrupted in the copy
            List<RunInfo> runs;
            try (SqliteCheckpointStore copy = SqliteCheckpointStore.openReadOnly(partial)) {
                runs = copy.listRuns();
            }
            if (stopRequested.getAsBoolean()) {
                throw new TransferStoppedException(); // written, not yet named: it goes, as a stop asks
            }
            SqliteCheckpointStore.putInPlace(staged, target);
            return runs;
        }
    }

    private static void copy(PostgresLocation location, Path partial, BooleanSupplier stopRequested) {
        Connection from;
        try {
            from = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
        } catch (SQLException e) {
            throw PostgresErrors.translate(location, e);
        }
        Duration silence = PostgresCheckpointStore.readSilence(PostgresCheckpointStore.reconnectFor());
        try (from; Connection to = SqliteFiles.connect(SqliteFiles.writerSource(partial), partial)) {
            // As a read-only store's reads: a cut network ends the copy with one line, rows arriving are no silence.
            from.setNetworkTimeout(Runnable::run, (int) silence.toMillis());
            from.setAutoCommit(false);
            try (Statement st = from.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            if (PostgresSchema.checkCurrent(location, from)) {
                from.rollback();
                return; // a new database with no tables yet: the copy is an empty stride file, as its source is
            }
            to.setAutoCommit(false);
            copyTable(from, to, stopRequested, RUNS, RUNS.RUN_ID);
            copyTable(from, to, stopRequested, RECORDS, RECORDS.RUN_ID, RECORDS.SEQ);
            copyTable(from, to, stopRequested, PREDICTIONS, PREDICTIONS.RUN_ID, PREDICTIONS.RECORD_ID);
            copyTable(from, to, stopRequested, SCORES, SCORES.RUN_ID, SCORES.RECORD_ID, SCORES.METRIC, SCORES.LABEL_FIELD);
            to.commit();
            from.rollback();
        } catch (SQLException e) {
            if (PostgresErrors.silent(e)) {
                throw new StoreException(DbPhrase.of("pg.silent", location.hostAndPort(), silence.toSeconds(),
                        location.shown()), e);
            }
            throw PostgresErrors.translate(location, e);
        }
    }

    /** Every row of {@code table}, column by column as jOOQ knows them (the same on both vendors). */
    private static void copyTable(Connection from, Connection to, BooleanSupplier stopRequested, Table<?> table,
                                  Field<?>... order)
            throws SQLException {
        String columns = java.util.Arrays.stream(table.fields()).map(f -> "\"" + f.getName() + "\"")
                .collect(Collectors.joining(", "));
        String marks = java.util.Arrays.stream(table.fields()).map(f -> "?").collect(Collectors.joining(", "));
        String orderBy = java.util.Arrays.stream(order).map(f -> "\"" + f.getName() + "\"")
                .collect(Collectors.joining(", "));
        int n = table.fields().length;
        from.setAutoCommit(false); // the driver streams with a fetch size only inside a transaction
        try (Statement read = from.createStatement();
             PreparedStatement write = to.prepareStatement(
                     "INSERT INTO \"" + table.getName() + "\" (" + columns + ") VALUES (" + marks + ")")) {
            read.setFetchSize(BATCH);
            try (ResultSet rs = read.executeQuery(
                    "SELECT " + columns + " FROM \"" + table.getName() + "\" ORDER BY " + orderBy)) {
                int pending = 0;
                while (rs.next()) {
                    for (int i = 1; i <= n; i++) {
                        write.setObject(i, rs.getObject(i));
                    }
                    write.addBatch();
                    if (++pending == BATCH) {
                        write.executeBatch();
                        pending = 0;
                        if (stopRequested.getAsBoolean()) {
                            throw new TransferStoppedException(); // uncommitted: the partial file goes
                        }
                    }
                }
                if (pending > 0) {
                    write.executeBatch();
                }
            }
        }
    }
}
