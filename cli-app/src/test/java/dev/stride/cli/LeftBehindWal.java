package dev.stride.cli;

import dev.stride.core.Answer;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.Timing;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A run database as kill -9 leaves it: its WAL, with the last answers in it alone, and the writer gone. Made in-process
 * by copying the database and its WAL while the writer has them open (no -shm: it belongs to live processes).
 */
final class LeftBehindWal {
    private LeftBehindWal() {
    }

    /**
     * {@code answers} answers of run 'm' (of {@code records}), committed and then left in the WAL of {@code into}
     * /runs.db. {@code savedAgo}: how long before now the dead writer saved its cursor (under 20 s, status still takes
     * the run for a live one; negative: that long ahead, as a writer whose clock is ahead saves it).
     */
    static Path image(Path scratch, Path into, int records, int answers, long savedAgoSeconds) throws Exception {
        return image(scratch, into, records, answers, savedAgoSeconds, null);
    }

    /**
     * As {@link #image(Path, Path, int, int, long)}, written by a worker of the run (as every stride run is one)
     * whose row names process {@code workerPid} of this machine, its lease holding for minutes: kill -9 of that
     * process, or of none while it lives. Null: no worker on record, as an older stride wrote.
     */
    static Path image(Path scratch, Path into, int records, int answers, long savedAgoSeconds, Long workerPid)
            throws Exception {
        return image(scratch, into, records, answers, savedAgoSeconds, workerPid, st -> { });
    }

    /** Something done to the file by SQL in its writer's last moments, so that it too is only in the WAL. */
    interface LastWords {
        void on(Statement st) throws SQLException;
    }

    /**
     * As {@link #image(Path, Path, int, int, long, Long)}, with {@code lastWords} run on the file just before the copy
     * (e.g. the schema taken back to an older stride's, {@link OlderSchemas}).
     */
    static Path image(Path scratch, Path into, int records, int answers, long savedAgoSeconds, Long workerPid,
                      LastWords lastWords) throws Exception {
        Files.createDirectories(into);
        Path file = scratch.resolve("writer-" + into.getFileName() + ".db");
        List<InputRecord> input = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            String json = "{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\"}";
            input.add(new InputRecord(i, "q" + i, i + 1, json, Integer.toHexString(json.hashCode())));
        }
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(new RunSpec("m", "m", List.of("http://127.0.0.1:9/v1"), "{{question}}",
                    GenerationParams.none()), input.iterator());
            long run = store.findRun("m").orElseThrow().id();
            if (workerPid != null) {
                store.join(run, Duration.ofMinutes(10));
            }
            for (InputRecord r : input.subList(0, answers)) {
                store.savePrediction(run, r, new Prediction(Answer.plain("echo: " + r.id(), "stop", 3, 4), null,
                        new Timing(5, 1, Instant.now())));
            }
            store.saveCursor(run, 1000, RunState.RUNNING);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement st = c.createStatement()) {
                st.execute("UPDATE runs SET saved_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '"
                        + String.format("%+d", -savedAgoSeconds) + " seconds')");
                if (workerPid != null) {
                    st.execute("UPDATE workers SET pid = " + workerPid);
                }
                lastWords.on(st);
                Path db = into.resolve("runs.db");
                Files.copy(file, db);
                Files.copy(Path.of(file + "-wal"), Path.of(db + "-wal"));
                return db;
            }
        }
    }

    /** What {@code cp runs.db elsewhere} gives: the file alone, without its WAL. */
    static Path copyAlone(Path db, Path into) throws Exception {
        Files.createDirectories(into);
        return Files.copy(db, into.resolve(db.getFileName()));
    }

    static long walBytes(Path db) throws Exception {
        Path wal = Path.of(db + "-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }
}
