package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine whose model server is reached through the proxy its environment names ({@code http_proxy}, as curl
 * reads it): stride's requests go through it, and a server on the machine itself stays direct. A MockWebServer acts
 * as the proxy: it sees the request's whole URL, and answers as the model would.
 */
class ProxyEnvironmentIT {
    private static final Duration GUARD = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer proxy = new MockWebServer();

    private final ConcurrentLinkedQueue<String> targets = new ConcurrentLinkedQueue<>();

    @Test
    void aServerBehindTheEnvironmentsProxyIsReachedThroughIt() throws Exception {
        proxy.setDispatcher(answeringAndNoting());
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        // A name no resolver knows: only the proxy could reach it.
        StrideProcess run = StrideProcess.startCommand(dir, "proxied", StrideProcess.javaCommand(List.of("run",
                input.toString(), "--db", dir.resolve("a.db").toString(), "--model", "m", "--base-url",
                "http://model.cluster.invalid:8000/v1", "--template", "Q: {{question}}", "--log-every", "0")), Map.of("http_proxy",
                "http://127.0.0.1:" + proxy.getPort()));
        try {
            assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
        } finally {
            run.close();
        }
        assertThat(targets).hasSize(3).allMatch("http://model.cluster.invalid:8000/v1/chat/completions"::equals);
    }

    @Test
    void aServerOnTheMachineItselfStaysDirect() throws Exception {
        proxy.setDispatcher(answeringAndNoting());
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(new FakeModelServer());
            server.start();
            Path input = Datasets.questions(dir, "q.jsonl", 3);
            String proxyUrl = "http://127.0.0.1:" + proxy.getPort();
            for (Map<String, String> env : List.of(Map.of("http_proxy", proxyUrl),
                    Map.of("http_proxy", proxyUrl, "no_proxy", "gpu-01"))) {
                StrideProcess run = StrideProcess.startCommand(dir, "direct" + env.size(), StrideProcess.javaCommand(
                        List.of("run", input.toString(), "--db", dir.resolve("a" + env.size() + ".db").toString(),
                                "--model", "m", "--base-url", "http://127.0.0.1:" + server.getPort() + "/v1",
                                "--template", "Q: {{question}}", "--log-every", "0")), env);
                try {
                    assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
                } finally {
                    run.close();
                }
            }
            assertThat(server.getRequestCount()).isEqualTo(6);
        }
        assertThat(targets).as("the proxy saw nothing").isEmpty();
    }

    /** Notes each request's target (a proxy gets the whole URL) and answers it as the model would. */
    private Dispatcher answeringAndNoting() {
        FakeModelServer model = new FakeModelServer();
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                targets.add(request.getTarget());
                return model.dispatch(request);
            }
        };
    }
}
