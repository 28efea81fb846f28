package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read-only commands (status, export, sql) on a server that falls silent (a network cut: no reset, the
 * connection stays open): they end with one line naming the server once it has said nothing for their limit, rather
 * than wait for the system's keepalives, two hours, with nothing said.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresSilentReaderTest {
    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private SilentLink link;
    private PostgresLocation viaLink;

    @BeforeEach
    void open() throws Exception {
        String url = pg.url();
        PostgresCluster cluster = pg.cluster();
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(pg.location())) {
            store.syncRun(spec("a"), recs(3).iterator());
        }
        link = new SilentLink(cluster.port());
        viaLink = PostgresCluster.location(url.replace(":" + cluster.port() + "/", ":" + link.port() + "/"));
    }

    @AfterEach
    void close() throws Exception {
        if (link != null) {
            link.close();
        }
    }

    @Test
    void aReadOnlyStoreWhoseServerFallsSilentSaysSoNamingIt() throws Exception {
        // Waits 3 s for a server away: silent for the floor, 10 s, it is gone.
        try (PostgresCheckpointStore reader = PostgresCheckpointStore.openReadOnly(viaLink, Duration.ofSeconds(3))) {
            assertThat(reader.listRuns()).hasSize(1);
            link.silence();
            CompletableFuture<Integer> runs = CompletableFuture.supplyAsync(() -> reader.listRuns().size());

            Throwable failed = catchThrowable(() -> runs.get(2, TimeUnit.MINUTES));
            assertThat(failed).isInstanceOf(ExecutionException.class).cause().isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("the PostgreSQL server at 127.0.0.1:" + link.port() + " has not answered")
                    .hasMessageContaining("network")
                    .hasMessageNotContaining("the run stops here");
        }
    }

    @Test
    void stridesSqlOnASilentServerSaysSoNamingIt() throws Exception {
        CompletableFuture<Long> rows = CompletableFuture.supplyAsync(() -> {
            try {
                return PostgresSqlQuery.run(viaLink, "SELECT pg_sleep(2)", new SqlQuery.Sink() {
                    @Override
                    public void columns(List<String> names) {
                    }

                    @Override
                    public void row(List<Object> values) {
                    }
                }, Duration.ofSeconds(3));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });

        while (running("SELECT pg_sleep(2)") == 0) {
            Thread.sleep(20);
        }
        link.silence(); // the answer, in 2 s, is held

        Throwable failed = catchThrowable(() -> rows.get(2, TimeUnit.MINUTES));
        assertThat(failed).isInstanceOf(ExecutionException.class).cause().isInstanceOf(StoreException.class)
                .hasMessageStartingWith("the PostgreSQL server at 127.0.0.1:" + link.port()
                        + " has not answered for 3 s");
    }

    private int running(String query) throws Exception {
        try (java.sql.Connection c = pg.connect();
             java.sql.PreparedStatement st = c.prepareStatement(
                     "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
            st.setString(1, query);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
