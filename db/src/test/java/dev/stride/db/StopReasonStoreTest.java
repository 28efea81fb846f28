package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.CheckpointStore;
import dev.stride.core.Phrase;
import dev.stride.core.RunState;
import dev.stride.core.StopReason;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why a session stopped its run, kept with its last cursor in a real SQLite file and on PostgreSQL: read back with the
 * run in the reader's language, kept only while the run is stored stopped, and forgotten as the next worker joins
 * (before that session's own end, which a kill -9 would never reach).
 */
class StopReasonStoreTest {
    private static final Duration LEASE = Duration.ofMinutes(10);
    private static final StopReason REFUSED = StopReason.of(Phrase.of(Phrase.CORE, "stop.everyRequestFails",
            "HTTP 401: Unauthorized"));

    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @Test
    void sqliteKeepsItUntilAWorkerJoins() throws Exception {
        Path file = dir.resolve("stops.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            keepsItUntilAWorkerJoins(store, () -> Fixtures.jdbc(file));
        }
    }

    @Test
    void postgresKeepsItUntilAWorkerJoins() throws Exception {
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(PG.url()))) {
            keepsItUntilAWorkerJoins(store, PG::connect);
        }
    }

    private static void keepsItUntilAWorkerJoins(CheckpointStore store, Callable<Connection> rows) throws Exception {
        store.syncRun(spec("a"), recs(3).iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, LEASE);
        store.saveCursor(run, 10, RunState.RUNNING);
        assertThat(store.findRun("a").orElseThrow().stopReason()).isNull();

        store.saveLastCursor(run, 20, RunState.STOPPED, REFUSED);
        store.leave(run);

        StopReason kept = store.findRun("a").orElseThrow().stopReason();
        assertThat(kept).isEqualTo(REFUSED);
        assertThat(kept.in(Locale.CHINESE)).isEqualTo("每个请求都会以同样的方式失败：HTTP 401: Unauthorized");

        store.join(run, LEASE);
        assertThat(store.findRun("a").orElseThrow().stopReason()).as("a new session began").isNull();

        store.saveLastCursor(run, 30, RunState.INTERRUPTED, REFUSED);
        assertThat(store.findRun("a").orElseThrow().stopReason()).as("an interrupted run keeps none").isNull();
        try (Connection c = rows.call(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT stop_reason, stop_phrase FROM runs")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("in the row either").isNull();
            assertThat(rs.getString(2)).isNull();
        }
        store.leave(run);
    }
}
