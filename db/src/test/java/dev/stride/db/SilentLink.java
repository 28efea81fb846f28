package dev.stride.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP link to a local port that can go silent as a cut network does: {@link #silence()} stops carrying bytes either
 * way and keeps every open connection open, with no reset (a pulled cable, a host gone dark, a firewall that drops);
 * a new connection meanwhile is closed at once. {@link #restore()} carries bytes again on the connections it held.
 */
final class SilentLink implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private boolean silent; // guarded by gate
    private boolean refusing; // new connections are closed at once; guarded by gate
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    SilentLink(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accepting = new Thread(this::accept, "silent-link");
        accepting.setDaemon(true);
        accepting.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many connections were made to the link, refused ones included. */
    int accepted() {
        return accepted.get();
    }

    /**
     * The connections made once the link's accepting thread has caught up: the kernel completes a connection before
     * that thread counts it, so a count read at once can miss a connection already tried and given up (seen in CI
     * on a busy machine: 8, then 9). Counts that stay still a while are taken as caught up.
     */
    int settledAccepted() throws InterruptedException {
        int seen = accepted.get();
        while (true) {
            Thread.sleep(300);
            int now = accepted.get();
            if (now == seen) {
                return now;
            }
            seen = now;
        }
    }

    void silence() {
        synchronized (gate) {
            silent = true;
            refusing = true;
        }
    }

    void restore() {
        synchronized (gate) {
            silent = false;
            refusing = false;
            gate.notifyAll();
        }
    }

    /** Carries the bytes held, late, on the connections that were open; a new connection is still closed at once. */
    void deliverHeld() {
        synchronized (gate) {
            silent = false;
            gate.notifyAll();
        }
    }

    private boolean isRefusing() {
        synchronized (gate) {
            return refusing;
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                if (isRefusing()) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                carry(client, upstream);
                carry(upstream, client);
            } catch (IOException e) {
                // Closed, or the server behind refused: the client sees its connection closed.
            }
        }
    }

    private void carry(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (gate) {
                        while (silent) {
                            gate.wait(); // the bytes read are held, not dropped: they go on once restored
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // One side closed: close the other below.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "silent-link-carry");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closed already.
        }
    }

    @Override
    public void close() throws IOException {
        restore();
        server.close();
        sockets.forEach(SilentLink::closeQuietly);
    }
}
