package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code https://} URL on a port whose server never answers the TLS handshake (llama.cpp's server and stride's
 * simulator read the ClientHello as the start of a request line, and wait for its end): the call fails as a TLS
 * failure at the connect timeout, not at the call's deadline, which stride sets to {@code --timeout} (10 minutes).
 */
@Timeout(180)
class TlsHandshakeTest {
    private static final String OK_BODY = """
            {"id":"x","model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}""";
    private static final String PASSWORD = "changeit";
    /**
     * What bounds the handshake of the slow answer's call: generous for a warm handshake, even beside a busy build, as
     * the handshake is not what that test times.
     */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Three times {@link #CONNECT_TIMEOUT}: an answer a bound left on the socket after the handshake would cut. */
    private static final Duration SLOW_ANSWER = CONNECT_TIMEOUT.multipliedBy(3);

    @Test
    void aHandshakeNobodyAnswersFailsAsTlsAtTheConnectTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CountDownLatch helloRead = new CountDownLatch(1);
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> readAndSayNothing(silent, helloRead));
            // As stride sets them: the read timeout is the call's deadline, so OkHttp's sockets have none at all.
            ClientSettings settings = ClientSettings.of("https://127.0.0.1:" + silent.getLocalPort() + "/v1")
                    .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(90), Duration.ofSeconds(90));

            CallFailure f;
            try (ModelClient client = new ModelClient(settings)) {
                f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));
            }

            // Within a minute rather than by now: on a busy machine the server's thread may read the hello only after
            // the client gave up on its answer.
            assertThat(helloRead.await(60, TimeUnit.SECONDS)).as("the server read the client's hello").isTrue();
            assertThat(f.kind()).isEqualTo(CallFailure.Kind.TLS);
            assertThat(f.reachedServer()).isFalse();
            assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
            assertThat(f.getMessage()).contains("no answer to the TLS handshake in 500 ms", "use http://");
            silent.close();
            reading.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAnswerSlowerThanTheConnectTimeoutIsStillRead(@TempDir Path dir) throws Exception {
        Path keys = selfSigned(dir);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext(keys)));
        server.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            sleep(SLOW_ANSWER); // three times the connect timeout, after the handshake
            byte[] body = OK_BODY.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String trustStore = System.getProperty("javax.net.ssl.trustStore");
        String trustPassword = System.getProperty("javax.net.ssl.trustStorePassword");
        // The client trusts what the JVM's trust store holds, read as the client is built; set for this test alone.
        System.setProperty("javax.net.ssl.trustStore", keys.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        String url = "https://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        try (ModelClient warm = new ModelClient(ClientSettings.of(url)
                .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(90), Duration.ofSeconds(90)));
             ModelClient client = new ModelClient(ClientSettings.of(url)
                .withTimeouts(CONNECT_TIMEOUT, Duration.ofSeconds(90), Duration.ofSeconds(90)))) {
            restore("javax.net.ssl.trustStore", trustStore);
            restore("javax.net.ssl.trustStorePassword", trustPassword);
            // A first handshake under a bound of a minute loads and compiles TLS on both ends of this JVM: cold, on a
            // machine at a load of 30, that took longer than the connect timeout, which then failed the test's own
            // handshake as a server that never answers it. Warm, a handshake on loopback is milliseconds of CPU.
            assertThat(warm.chat(Fixtures.hello()).content()).isEqualTo("hi");

            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
        } finally {
            restore("javax.net.ssl.trustStore", trustStore);
            restore("javax.net.ssl.trustStorePassword", trustPassword);
            server.stop(0);
        }
    }

    /** Accepts connections, reads what comes (a TLS ClientHello) and answers nothing, as a plain-HTTP server would. */
    private static void readAndSayNothing(ServerSocket server, CountDownLatch helloRead) {
        while (!server.isClosed()) {
            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                byte[] buffer = new byte[4096];
                while (in.read(buffer) > 0) {
                    helloRead.countDown();
                }
            } catch (java.io.IOException closed) {
                // the test closed the server, or the client gave up on the connection
            }
        }
    }

    /** A key and a certificate for 127.0.0.1, made by the JDK's keytool. */
    private static Path selfSigned(Path dir) throws Exception {
        Path keys = dir.resolve("keys.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keys.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String said = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(said).isZero();
        assertThat(Files.size(keys)).isPositive();
        return keys;
    }

    private static SSLContext serverContext(Path keys) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keys)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(store, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context;
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
