package dev.stride.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Answers one connection with a fixed text once it has read the request's head and body, then closes it. */
final class RawServer implements AutoCloseable {
    private final ServerSocket socket;
    private final CompletableFuture<Void> done;

    RawServer(String answer) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        done = CompletableFuture.runAsync(() -> {
            try (Socket s = socket.accept()) {
                RawRequest.read(s.getInputStream());
                OutputStream out = s.getOutputStream();
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    String url() {
        return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
    }

    /** Waits for the answer to have gone out (its failure, if any, fails the test), then stops listening. */
    @Override
    public void close() throws IOException {
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the raw server answered", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("the raw server did not answer", e);
        } finally {
            socket.close();
        }
    }
}
