package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.Cursor;
import dev.stride.core.InputRecord;
import dev.stride.core.ResultRow;
import dev.stride.core.RunState;
import dev.stride.core.SyncBrokeOffException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A crash of the server (pg_ctl stop -m immediate, a power cut) while a worker writes: the outcomes it committed
 * without waiting for the disk are gone from the server, and the worker had counted them stored. The WAL writer is
 * slowed to its longest delay, so that those commits are still unflushed when the server goes down, as the last
 * ones are in a run.
 */
class PostgresCrashTest {
    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private PostgresCheckpointStore store;

    @BeforeEach
    void open() throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET wal_writer_delay = '10s'");
            st.execute("SELECT pg_reload_conf()");
        }
        store = PostgresCheckpointStore.open(pg.location());
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void answersCommittedBeforeACrashOfTheServerAreWrittenAgainOnceItIsBack() throws Exception {
        List<InputRecord> input = recs(12);
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, Duration.ofSeconds(30));
        assertThat(store.claim(run, -1, 12, false)).hasSize(12);
        store.saveCursor(run, 10, RunState.RUNNING);
        for (InputRecord r : input) {
            assertThat(store.savePrediction(run, r, done("o" + r.id()))).isTrue();
        }

        pg.cluster().crashAndStart();

        // The writer's next call reconnects; what the crash took is in again before it, each answer once.
        Cursor cursor = store.saveCursor(run, 20, RunState.RUNNING);
        assertThat(cursor.done()).isEqualTo(12);
        List<ResultRow> rows = new ArrayList<>();
        store.forEachResult(run, rows::add);
        assertThat(rows).extracting(ResultRow::id).doesNotHaveDuplicates().hasSize(12);
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM claims")) {
            rs.next();
            assertThat(rs.getLong(1)).as("claims left on answered records").isZero();
        }
    }

    /**
     * A crash while a new run's input is being inserted: the sync's one transaction is gone, and its input (a pipe, for
     * all the store knows) cannot be read again to repeat it. The line says so once the server is back, and that the
     * same command is what to do: it said "failed: the connection broke during the sync", as if something were broken.
     * Nothing of the run is left, and the same sync then makes it whole.
     */
    @Test
    void aCrashDuringTheSyncOfANewRunSaysToRunTheSameCommandAgainAndLeavesNothingOfIt() {
        List<InputRecord> input = recs(20_000);
        Iterator<InputRecord> crashingHalfway = new Iterator<>() {
            private final Iterator<InputRecord> records = input.iterator();
            private int read;

            @Override
            public boolean hasNext() {
                return records.hasNext();
            }

            @Override
            public InputRecord next() {
                if (++read == input.size() / 2) {
                    try {
                        pg.cluster().crashAndStart();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                return records.next();
            }
        };

        assertThatThrownBy(() -> store.syncRun(spec("big"), crashingHalfway))
                .isInstanceOf(SyncBrokeOffException.class)
                .hasCauseInstanceOf(StoreException.class)
                .hasMessageContaining("sync of the input")
                .hasMessageContaining("nothing of it was kept")
                .hasMessageEndingWith("run the same command again");

        assertThat(store.findRun("big")).isEmpty();
        assertThat(store.syncRun(spec("big"), input.iterator()).added()).isEqualTo(input.size());
        assertThat(store.findRun("big").orElseThrow().total()).isEqualTo(input.size());
    }

    /**
     * A new connection with nothing lost (the old one reset: a pooler, idle_session_timeout, a network blip) writes
     * nothing again: the failures stored since the last cursor were replaced by themselves and counted twice each.
     */
    @Test
    void aReconnectWithNothingLostLeavesTheWorkersCountsAndTheRowsAsTheyWere() throws Exception {
        List<InputRecord> input = recs(4);
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, Duration.ofSeconds(30));
        assertThat(store.claim(run, -1, 4, false)).hasSize(4);
        store.saveCursor(run, 10, RunState.RUNNING);
        for (InputRecord r : input.subList(0, 3)) {
            assertThat(store.saveFailure(run, r, failure("http_500"))).isTrue();
        }
        assertThat(store.savePrediction(run, input.get(3), done("o"))).isTrue();
        // Another worker asks the failures again meanwhile: its claims on them are its own, not this worker's.
        try (PostgresCheckpointStore other = PostgresCheckpointStore.open(pg.location())) {
            other.join(run, Duration.ofSeconds(30));
            assertThat(other.claim(run, -1, 10, true)).hasSize(3);
            resetTwiceAndCheck(run);
        }
    }

    private void resetTwiceAndCheck(long run) throws Exception {
        for (int reset = 0; reset < 2; reset++) {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
            }
            // The writer's next call finds its connection gone and makes a new one.
            store.saveCursor(run, 20, RunState.RUNNING);
        }
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT done, failed FROM workers WHERE number = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("done").isEqualTo(1);
            assertThat(rs.getLong(2)).as("failed").isEqualTo(3);
        }
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM claims")) {
            rs.next();
            assertThat(rs.getLong(1)).as("the other worker's claims on the failures").isEqualTo(3);
        }
    }
}
