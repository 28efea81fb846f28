package dev.stride.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.Board;
import dev.stride.sim.SimulatorSettings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard reads every run's summary as it starts, before anyone asks, so that the first look at a large run
 * comes from the cache. Checked on the real board of a database written by real runs, with the summaries it is asked
 * for written down on the way: no page is requested here.
 */
class ReadAheadTest {
    @TempDir
    Path dir;

    @Test
    void everyRunIsSummarisedAsTheServerStarts() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = Fixtures.questions(dir, "questions.jsonl", 30);
        Fixtures.run(db, input, "first", SimulatorSettings.builder().build());
        Fixtures.run(db, input, "second", SimulatorSettings.builder().build());
        List<String> summarised = new CopyOnWriteArrayList<>();
        try (Board real = Board.sqlite(db)) {
            Board noted = (Board) Proxy.newProxyInstance(Board.class.getClassLoader(), new Class<?>[] {Board.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("run")) {
                            summarised.add((String) args[0]);
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            try (DashboardServer server = DashboardServer.start(noted, new InetSocketAddress("127.0.0.1", 0))) {
                for (int i = 0; i < 6000 && summarised.size() < 2; i++) {
                    Thread.sleep(10); // up to a minute: a loaded machine is slow, an idle one done at once
                }
                assertThat(summarised).as("the runs summarised before any page was asked for")
                        .containsExactlyInAnyOrder("first", "second");
            }
        }
    }
}
