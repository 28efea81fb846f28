package dev.stride.client;

import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Tests of a client talking to a real local HTTP server that replays what each test enqueues. */
abstract class ServedClientTest {

    @StartStop
    public final MockWebServer server = new MockWebServer();

    ModelClient client;

    @BeforeEach
    void connect() {
        client = Fixtures.clientFor(server);
    }

    @AfterEach
    void disconnect() {
        client.close();
    }
}
