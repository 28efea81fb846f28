package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashSet;
import java.util.Set;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class QuietConnectionPoolTest {
    private static final String OK_BODY = """
            {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}""";
    private static final int CALLS = 300;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    @Test
    void callsReuseTheirConnectionWithoutWakingThePoolsThreadEachTime() throws Exception {
        for (int i = 0; i < CALLS; i++) {
            server.enqueue(Fixtures.response(200, "application/json", OK_BODY));
        }
        long wakeUpsBefore = poolThreadWaits();
        try (ModelClient client = ModelClient.throughOkHttp(Fixtures.fastSettings(server).withMaxConcurrency(4))) {
            for (int i = 0; i < CALLS; i++) {
                assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("ok");
            }
            // One call after the other: one connection, kept alive and reused by each.
            assertThat(client.okHttp().connectionPool().connectionCount()).isEqualTo(1);
            assertThat(client.okHttp().connectionPool().idleConnectionCount()).isEqualTo(1);
        }
        Set<Integer> connections = new HashSet<>();
        for (int i = 0; i < CALLS; i++) {
            RecordedRequest r = server.takeRequest();
            connections.add(r.getConnectionIndex());
        }
        assertThat(connections).hasSize(1);
        // OkHttp's own pool wakes its cleanup thread each time a call gives its connection back: ~300 waits here.
        // Waits counted by the JVM, not timed; a few are the thread's first start and its sleeps until a deadline.
        assertThat(poolThreadWaits() - wakeUpsBefore).isLessThan(CALLS / 10);
    }

    /** How many times the pool's threads went to wait (each wake-up ends one), all of them so far. */
    private static long poolThreadWaits() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long waits = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals("stride-connection-pool")) {
                waits += info.getWaitedCount();
            }
        }
        return waits;
    }
}
