package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static dev.stride.db.schema.Tables.RUNS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A transaction the server ends for a deadlock (40P01) or a serialization failure (40001) is run again from its
 * start: PostgreSQL rolled it back whole, and says it may be. Without that, two workers whose claims and outcomes
 * met in a deadlock ended a run.
 */
class PostgresConflictTest {
    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private PostgresCheckpointStore store;

    @BeforeEach
    void open() throws Exception {
        store = PostgresCheckpointStore.open(pg.location());
        store.syncRun(spec("a"), recs(2).iterator());
        store.syncRun(spec("b"), recs(2).iterator());
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    /**
     * A real deadlock on the runs table: another connection holds b's row and waits for a's, which the store's
     * transaction holds, when the store's asks for b's. The other never looks for the deadlock (its timeout is a
     * minute), so the store's transaction is the one the server ends; run again, it finds both rows free.
     */
    @Test
    void aTransactionEndedByADeadlockIsRunAgainWholeAndItsWritesAreThere() throws Exception {
        long a = store.findRun("a").orElseThrow().id();
        long b = store.findRun("b").orElseThrow().id();
        List<String> traced = new ArrayList<>();
        store.traceTo(traced::add);
        AtomicInteger tries = new AtomicInteger();
        try (Connection other = pg.connect(); Connection look = pg.connect()) {
            other.setAutoCommit(false);
            int otherPid;
            try (Statement st = other.createStatement()) {
                st.execute("SET deadlock_timeout = '60s'");
                st.executeUpdate("UPDATE runs SET base_urls = '[\"other\"]' WHERE run_id = " + b);
                try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    otherPid = rs.getInt(1);
                }
            }
            CompletableFuture<Void>[] waiting = new CompletableFuture[1];
            int saved = store.writingOneTransaction(dsl -> {
                int n = dsl.update(RUNS).set(RUNS.STATE, dev.stride.core.RunState.STOPPED).where(RUNS.RUN_ID.eq(a))
                        .execute();
                if (tries.incrementAndGet() == 1) {
                    dsl.execute("SET LOCAL deadlock_timeout = '200ms'");
                    waiting[0] = CompletableFuture.runAsync(() -> {
                        try (Statement st = other.createStatement()) {
                            st.executeUpdate("UPDATE runs SET output_rules = '{}' WHERE run_id = " + a);
                            other.commit();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    waitUntilWaitingOnALock(look, otherPid);
                }
                return n + dsl.update(RUNS).set(RUNS.BASE_URLS, "[\"store\"]").where(RUNS.RUN_ID.eq(b)).execute();
            });
            waiting[0].join();
            assertThat(saved).isEqualTo(2);
        }
        assertThat(tries).hasValue(2);
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, state, base_urls, output_rules FROM runs ORDER BY name")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).as("a's state, the store's").isEqualTo("stopped");
            assertThat(rs.getString(4)).as("a's rules, the other's").isEqualTo("{}");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(3)).as("b's base URLs: the store's, written after the other's").contains("store");
        }
        assertThat(traced).singleElement().asString().contains("deadlock detected", "40P01", "running it again");
    }

    /** One that keeps failing is said after a few tries, not run for ever. */
    @Test
    void aTransactionThatKeepsFailingToSerializeIsGivenUpAfterItsTries() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> store.writingOneTransaction(dsl -> {
            tries.incrementAndGet();
            throw new DataAccessException("serialize", new SQLException("could not serialize access", "40001"));
        })).isInstanceOf(StoreException.class).hasMessageContaining("could not serialize access");
        assertThat(tries).hasValue(PostgresSession.CONFLICT_TRIES);
    }

    private static void waitUntilWaitingOnALock(Connection look, int pid) {
        try (Statement st = look.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT wait_event_type FROM pg_stat_activity WHERE pid = " + pid)) {
                    if (rs.next() && "Lock".equals(rs.getString(1))) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
