package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.RunInfo;
import dev.stride.core.RunLedger;
import dev.stride.core.RunListener;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outcomes are stamped on the store's clock ({@link RunLedger#clock}), not this machine's. On PostgreSQL that is the
 * server's, which a rerun's start (workers.retry_since) and the leases are written on: with a server 10 minutes
 * behind, a --retry-failed rerun took every failure of the last 10 minutes for one it had already asked and sent
 * nothing; 2 s ahead, two workers asked failures twice. A real SQLite store stands in for the server, its clock set
 * three hours ahead.
 */
class OutcomeClockTest {
    @TempDir
    Path dir;

    @Test
    void outcomesAreStampedOnTheStoresClockNotTheMachines() throws Exception {
        Path db = dir.resolve("runs.db");
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofHours(3));
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
             SqliteCheckpointStore store = SqliteCheckpointStore.open(db)) {
            RunLedger onItsClock = (RunLedger) Proxy.newProxyInstance(RunLedger.class.getClassLoader(),
                    new Class<?>[] {RunLedger.class}, (proxy, method, args) -> {
                        if (method.getName().equals("clock") && method.getParameterCount() == 0) {
                            return ahead;
                        }
                        try {
                            return method.invoke(store, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            List<InputRecord> records = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String json = "{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\"}";
                records.add(new InputRecord(i, "q" + i, i + 1, json, Integer.toHexString(json.hashCode())));
            }
            store.syncRun(new RunSpec("m", "m", List.of(sim.url()), "{{question}}", new GenerationParams(8, 0.0)),
                    records.iterator());
            RunInfo run = store.findRun("m").orElseThrow();
            Instant before = Instant.now();

            Session session = new RunDriver(onItsClock, HttpPredictor::create, line -> { })
                    .drive(run, RunOptions.of("m", sim.url()).withConcurrency(2), new RunListener() { },
                            new StopSwitch());

            assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT finished_at FROM predictions")) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    // Three hours ahead of this machine, give or take a slow machine's minutes.
                    assertThat(Instant.parse(rs.getString(1).replace(' ', 'T') + "Z"))
                            .isAfter(before.plus(Duration.ofHours(2)));
                }
                assertThat(rows).isEqualTo(5);
            }
        }
    }
}
