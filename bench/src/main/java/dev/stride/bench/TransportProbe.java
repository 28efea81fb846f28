package dev.stride.bench;

import dev.stride.client.CallFailure;
import dev.stride.client.ChatRequest;
import dev.stride.client.ChatResult;
import dev.stride.client.ClientSettings;
import dev.stride.client.ModelClient;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The HTTP transport alone, as a process of its own: {@code N} chat-completions POSTs with {@code C} in flight, each
 * body read whole and nothing else done (no database). It prints the process's CPU time per request, JVM start
 * included, to show the floor a transport puts under stride's CPU per prediction (issue 15, item 3). The rows:
 * <ul>
 *   <li>{@code client}: stride's own ModelClient (for http://, its lean transport PlainHttp1; the request's JSON
 *       written, the answer parsed), one thread per request in flight, as stride runs it;</li>
 *   <li>{@code okhttp}: OkHttp's blocking calls with its defaults and nothing else, one thread per request;</li>
 *   <li>{@code blocking}: a bare HTTP/1.1 client of a few lines on plain sockets (keep-alive, Content-Length bodies
 *       only; a probe, not a client), one thread per request: what that shape costs without OkHttp;</li>
 *   <li>{@code nio}: the same bare client on one selector thread, the floor of a non-blocking transport;</li>
 *   <li>{@code jdk}: the JDK's HttpClient, its calls kept in flight with sendAsync.</li>
 * </ul>
 *
 * <pre>java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp bench/target/stride-bench.jar dev.stride.bench.TransportProbe
 *     client|okhttp|jdk|nio|blocking URL N C</pre>
 */
public final class TransportProbe {
    private static final String BODY = "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Answer briefly: Short question number 1?\"}],\"max_tokens\":16}";

    private TransportProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: TransportProbe client|okhttp|jdk|nio|blocking URL N C");
            System.exit(2);
        }
        int n = Integer.parseInt(args[2]);
        int c = Integer.parseInt(args[3]);
        long start = System.nanoTime();
        long bytes = run(args[0], args[1], n, c);
        double wall = (System.nanoTime() - start) / 1e9;
        long cpuNanos = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        System.out.printf("%s: %d requests, %d in flight: %.3f ms CPU/request (%.2f s, JVM start included),"
                        + " %.0f requests/s (%.2f s); read %d (bytes of the bodies; client: characters of the answers)%n",
                args[0], n, c, cpuNanos / 1e6 / n, cpuNanos / 1e9, n / wall, wall, bytes);
        System.exit(0);
    }

    /**
     * {@code n} exchanges with {@code c} in flight through {@code transport} against the API at {@code baseUrl}.
     *
     * @return what was read: the bodies' bytes, or for {@code client} the answers' characters
     */
    static long run(String transport, String baseUrl, int n, int c) throws Exception {
        String url = baseUrl.replaceAll("/+$", "") + "/chat/completions";
        return switch (transport) {
            case "client" -> client(baseUrl, n, c);
            case "okhttp" -> okhttp(url, n, c);
            case "jdk" -> jdk(url, n, c);
            case "nio" -> nio(url, n, c);
            case "blocking" -> blocking(url, n, c);
            default -> throw new IllegalArgumentException(
                    "transport: client, okhttp, jdk, nio or blocking, not " + transport);
        };
    }

    /** stride's ModelClient, one thread per request in flight: what a prediction's HTTP costs in stride. */
    private static long client(String baseUrl, int n, int c) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicLong chars = new AtomicLong();
        try (ModelClient client = new ModelClient(ClientSettings.of(baseUrl).withMaxConcurrency(c))) {
            onThreads(c, () -> {
                long k;
                while ((k = next.getAndIncrement()) < n) {
                    try {
                        ChatResult r = client.chat(ChatRequest.of(Bench.MODEL, null,
                                "Answer briefly: Short question number " + k + "?"));
                        chars.addAndGet(r.content().length());
                    } catch (CallFailure e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
        }
        return chars.get();
    }

    /** One thread per request in flight, each doing blocking calls one after the other: stride's shape. */
    private static long okhttp(String url, int n, int c) throws InterruptedException {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(c);
        dispatcher.setMaxRequestsPerHost(c);
        OkHttpClient client = new OkHttpClient.Builder().dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(c, 5, TimeUnit.MINUTES)).build();
        MediaType json = MediaType.get("application/json");
        AtomicLong next = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        onThreads(c, () -> {
            while (next.getAndIncrement() < n) {
                Request request = new Request.Builder().url(url).post(RequestBody.create(BODY, json)).build();
                try (Response response = client.newCall(request).execute()) {
                    bytes.addAndGet(response.body().bytes().length);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        return bytes.get();
    }

    /** The JDK's client: {@code c} requests kept in flight with sendAsync; its selector thread does the I/O. */
    private static long jdk(String url, int n, int c) throws InterruptedException {
        var executor = Executors.newFixedThreadPool(2);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create(url);
        Semaphore inFlight = new Semaphore(c);
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong bytes = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            for (int i = 0; i < n && failure.get() == null; i++) {
                inFlight.acquire();
                HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
                client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else {
                        bytes.addAndGet(response.body().length);
                    }
                    inFlight.release();
                    done.countDown();
                });
            }
            if (failure.get() == null) {
                done.await();
            }
        } finally {
            executor.shutdownNow();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return bytes.get();
    }

    /**
     * {@code c} keep-alive connections on one selector thread, each sending its next request as soon as the last
     * response's body is in: no thread per request, one {@code epoll_wait} for many answers.
     */
    private static long nio(String url, int n, int c) throws IOException {
        URI uri = URI.create(url);
        byte[] request = rawRequest(uri);
        List<SocketChannel> channels = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            return exchange(uri, request, selector, channels, n, c);
        } finally {
            for (var ch : channels) {
                ch.close();
            }
        }
    }

    private static long exchange(URI uri, byte[] request, Selector selector,
                                 List<SocketChannel> channels, int n, int c)
            throws IOException {
        long sent = 0;
        long answered = 0;
        long bytes = 0;
        for (int i = 0; i < Math.min(c, n); i++) {
            SocketChannel ch = SocketChannel.open(
                    new InetSocketAddress(uri.getHost(), uri.getPort()));
            channels.add(ch);
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.write(ByteBuffer.wrap(request));
            sent++;
            ch.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(64 * 1024));
        }
        while (answered < n) {
            selector.select();
            var keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                var key = keys.next();
                keys.remove();
                var ch = (SocketChannel) key.channel();
                var buf = (ByteBuffer) key.attachment();
                if (ch.read(buf) < 0) {
                    throw new EOFException("the server closed a connection");
                }
                int length = completeResponse(buf);
                if (length < 0) {
                    continue;
                }
                answered++;
                bytes += length;
                buf.clear();
                if (sent < n) {
                    ch.write(ByteBuffer.wrap(request));
                    sent++;
                }
            }
        }
        return bytes;
    }

    /** The bare client of {@link #nio}, blocking: one thread and one connection per request in flight. */
    private static long blocking(String url, int n, int c) throws InterruptedException {
        URI uri = URI.create(url);
        byte[] request = rawRequest(uri);
        AtomicLong next = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        onThreads(c, () -> {
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                socket.setTcpNoDelay(true);
                var in = socket.getInputStream();
                var out = socket.getOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (next.getAndIncrement() < n) {
                    out.write(request);
                    int length;
                    do {
                        int read = in.read(buf.array(), buf.position(), buf.remaining());
                        if (read < 0) {
                            throw new EOFException("the server closed a connection");
                        }
                        buf.position(buf.position() + read);
                    } while ((length = completeResponse(buf)) < 0);
                    bytes.addAndGet(length);
                    buf.clear();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return bytes.get();
    }

    /** Runs {@code body} on {@code c} threads at once and waits for them; the first failure is thrown here. */
    private static void onThreads(int c, Runnable body) throws InterruptedException {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread[] threads = new Thread[c];
        for (int i = 0; i < c; i++) {
            threads[i] = new Thread(() -> {
                try {
                    body.run();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static byte[] rawRequest(URI uri) {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return request;
    }

    /** The bytes of the body read, once the whole response is in {@code buf} (status line, headers, body), else -1. */
    private static int completeResponse(ByteBuffer buf) {
        byte[] a = buf.array();
        int end = buf.position();
        for (int i = 3; i < end; i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                String headers = new String(a, 0, i, StandardCharsets.US_ASCII)
                        .toLowerCase(Locale.ROOT);
                int at = headers.indexOf("content-length:");
                int stop = headers.indexOf('\r', at);
                int length = Integer.parseInt(headers.substring(at + 15, stop).trim());
                return end >= i + 1 + length ? end - (i + 1) : -1;
            }
        }
        return -1;
    }
}
