package dev.stride.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each of the probe's transports makes every exchange it is asked for and reads each answer whole: a row that stopped
 * early, or went on before the body was in, would make its CPU per request look cheaper than it is.
 */
class TransportProbeTest {
    private static final String ANSWER = "x".repeat(400);
    private static final String BODY = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"bench\",\"choices\":[{"
            + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + ANSWER + "\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":100,\"total_tokens\":105}}";

    @ParameterizedTest
    @ValueSource(strings = {"client", "okhttp", "jdk", "nio", "blocking"})
    void makesEveryExchangeAgainstTheSimulator(String transport) throws Exception {
        int n = 300;
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            long read = TransportProbe.run(transport, sim.url(), n, 8);

            assertThat(sim.stats().requests()).isEqualTo(n);
            // A chat completion's body is a few hundred bytes, its answer a few dozen characters.
            assertThat(read).isGreaterThanOrEqualTo(n * (transport.equals("client") ? 20L : 250L));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"client", "okhttp", "jdk", "nio", "blocking"})
    void readsEachBodyWholeWhenItComesInPieces(String transport) throws Exception {
        int n = 24;
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    // The headers first, then the body 100 bytes at a time: a client that answers on the headers
                    // alone, or on the first piece, reads less than the body.
                    return new MockResponse.Builder().addHeader("Content-Type", "application/json").body(BODY)
                            .throttleBody(100, 2, TimeUnit.MILLISECONDS).build();
                }
            });
            server.start();

            long read = TransportProbe.run(transport, server.url("/v1").toString(), n, 4);

            assertThat(server.getRequestCount()).isEqualTo(n);
            assertThat(read).isEqualTo(n * (long) (transport.equals("client") ? ANSWER.length() : BODY.length()));
        }
    }
}
