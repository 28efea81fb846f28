package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.RunInfo;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new, empty PostgreSQL database (CREATE DATABASE and nothing else): workers started on it at the same moment all
 * open it, and a reader finds no runs in it without writing anything.
 */
class PostgresNewDatabaseTest {
    private static final int WORKERS = 3;
    private static final int ROUNDS = 6;
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    /** Each opener on its own connections, as separate processes are; released together by a barrier. */
    @Test
    void workersOpeningANewDatabaseAtOnceAllOpenIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                String url = PG.newDatabase();
                CyclicBarrier start = new CyclicBarrier(WORKERS);
                List<Future<Boolean>> opened = new ArrayList<>();
                for (int i = 0; i < WORKERS; i++) {
                    opened.add(pool.submit(() -> {
                        start.await();
                        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(
                                PostgresCluster.location(url))) {
                            return store.listRuns().isEmpty();
                        }
                    }));
                }
                for (Future<Boolean> f : opened) {
                    assertThat(f.get()).as("round %d", round).isTrue(); // a refusal is rethrown here, failing it
                }
                assertThat(query(url, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history"
                        + " WHERE success")).as("round %d", round).isEqualTo(Schema.LATEST);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReaderOfANewDatabaseFindsNoRunsAndCreatesNoTable() throws Exception {
        String url = PG.url();
        try (PostgresCheckpointStore store = PostgresCheckpointStore.openReadOnly(PostgresCluster.location(url))) {
            assertThat(store.listRuns()).isEmpty();
            assertThat(store.findRun("m")).isEmpty();
            assertThat(store.runReport("m")).isEmpty();
        }
        assertThat(PostgresCheckpointStore.isBlank(PostgresCluster.location(url))).isTrue();
        assertThat(query(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"))
                .isZero();
    }

    /** As a dashboard opened on the new database before the first run: the run shows once it is there. */
    @Test
    void aReaderOpenedBeforeTheFirstRunSeesIt() throws Exception {
        String url = PG.url();
        try (PostgresCheckpointStore reader = PostgresCheckpointStore.openReadOnly(PostgresCluster.location(url))) {
            assertThat(reader.listRuns()).isEmpty();
            try (PostgresCheckpointStore writer = PostgresCheckpointStore.open(PostgresCluster.location(url))) {
                writer.syncRun(Fixtures.spec("m"), Fixtures.recs(3).iterator());
            }
            assertThat(reader.listRuns()).extracting(RunInfo::name).containsExactly("m");
            assertThat(reader.findRun("m")).map(RunInfo::total).contains(3L);
        }
    }

    @Test
    void sslAskedForInTheUrlIsNotDroppedOnAServerWithout() throws Exception {
        // The throwaway cluster has no certificate: a URL that requires SSL must not connect in the clear.
        String url = PG.url() + "?sslmode=require";

        assertThatThrownBy(() -> PostgresCheckpointStore.openReadOnly(PostgresCluster.location(url)).close())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("does not support SSL")
                .hasMessageContaining("sslmode=require")
                .hasMessageContaining("enable SSL on the server")
                .hasMessageNotContaining("password");
    }

    @Test
    void aUserWhoMayNotCreateTheTablesIsToldTheCommandThatLetsItAndItDoes() throws Exception {
        String url = PG.url(); // owned by postgres: since PostgreSQL 15 others may not create in it
        String database = PostgresCluster.location(url).database();
        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN CREATE ROLE newcomer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        }
        String asNewcomer = url.replace("://postgres@", "://newcomer@");

        assertThatThrownBy(() -> PostgresCheckpointStore.open(PostgresCluster.location(asNewcomer)).close())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("does not let user 'newcomer' create or change stride's tables in " + database)
                .hasMessageContaining("ALTER DATABASE " + database + " OWNER TO newcomer")
                .hasMessageNotContaining("grant it SELECT");

        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement()) {
            st.execute("ALTER DATABASE " + database + " OWNER TO newcomer");
        }
        PostgresCheckpointStore.open(PostgresCluster.location(asNewcomer)).close();
        assertThat(query(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'runs'")).isEqualTo(1);
    }

    private static int query(String url, String sql) throws Exception {
        try (Connection c = PostgresCluster.connect(url);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
