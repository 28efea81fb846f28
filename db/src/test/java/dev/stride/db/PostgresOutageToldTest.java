package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.InputRecord;
import dev.stride.core.RunListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the store tells a run's listener of its PostgreSQL server, on a throwaway cluster of its own (stopped and
 * started here): a server away is told, with each try to reach it, and so is its return; a connection that an outage
 * long over broke, which connects again at once, is no outage to tell.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresOutageToldTest {
    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private PostgresCheckpointStore store;
    private final List<String> heard = new CopyOnWriteArrayList<>();

    private final RunListener listener = new RunListener() {
        @Override
        public void databaseUnreachable(DatabaseOutage outage) {
            heard.add("away " + outage.server() + " " + outage.reason());
        }

        @Override
        public void databaseBack(DatabaseOutage outage) {
            heard.add("back " + outage.server());
        }
    };

    @BeforeEach
    void open() throws Exception {
        store = PostgresCheckpointStore.open(pg.location());
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private long run(List<InputRecord> input) {
        store.syncRun(spec("a"), input.iterator());
        return store.findRun("a").orElseThrow().id();
    }

    @Test
    void aServerAwayIsToldWhileItIsAndThenThatItIsBack() throws Exception {
        List<InputRecord> input = recs(2);
        long run = run(input);
        store.tellOutagesTo(listener);
        String server = "127.0.0.1:" + pg.cluster().port();

        pg.cluster().stop();
        CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                () -> store.savePrediction(run, input.get(0), done("o0")));
        while (heard.isEmpty()) {
            Thread.sleep(10);
        }
        pg.cluster().startAgain();

        assertThat(saved.get(2, TimeUnit.MINUTES)).isTrue();
        assertThat(heard.get(0)).startsWith("away " + server + " ");
        assertThat(heard).last().isEqualTo("back " + server);
        assertThat(heard.stream().filter(h -> h.startsWith("back"))).hasSize(1);
    }

    @Test
    void aConnectionBrokenByAnOutageLongOverIsNoOutageToTell() throws Exception {
        List<InputRecord> input = recs(2);
        long run = run(input);
        store.tellOutagesTo(listener);

        // Up again before the store tries anything: its connections died with the server, and the next call finds
        // its own broken and connects again at once.
        pg.cluster().restart();

        assertThat(store.savePrediction(run, input.get(0), done("o0"))).isTrue();
        assertThat(store.findRun("a")).isPresent();
        assertThat(heard).isEmpty();
    }

    @Test
    void nothingIsToldOnceTheRunStopsListening() throws Exception {
        List<InputRecord> input = recs(2);
        long run = run(input);
        store.tellOutagesTo(listener);
        store.tellOutagesTo(RunListener.NONE);

        pg.cluster().stop();
        CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                () -> store.savePrediction(run, input.get(0), done("o0")));
        Thread.sleep(500); // tries at the server meanwhile: none may be told
        pg.cluster().startAgain();

        assertThat(saved.get(2, TimeUnit.MINUTES)).isTrue();
        assertThat(heard).isEmpty();
    }
}
