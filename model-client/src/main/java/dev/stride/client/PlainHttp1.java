package dev.stride.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lean HTTP/1.1 client for what stride sends thousands of times a second: a POST of a small JSON body to a plain
 * {@code http://} server, the answer read whole. OkHttp, for all it does, costs about 0.2 ms of CPU per request on a
 * 2-core machine in a short-lived JVM (its interceptor chain, route and pool searches, all of it compiled by C1); this
 * client costs a third of that (BENCHMARKS.md, "the HTTP transport's floor"). It speaks only what that needs:
 * Content-Length, chunked and close-delimited bodies, keep-alive, interim 1xx answers skipped. Everything else goes
 * through OkHttp: https, streaming, a proxy, the HTTP log, a redirect.
 *
 * <p>Connections are pooled, most recently used first. One idle for longer than {@link #CHECK_IDLE_AFTER} is checked
 * before it is used (the server may have closed it meanwhile: a keep-alive timeout), as OkHttp checks its own; a
 * closed one is dropped and the request goes on another. So is every one that went idle before a connection to the
 * server last broke or was refused: a server that died or restarted closed them all, and a request written on one
 * would be counted as sent though no server read it. Once a request is written, a failure before its answer is
 * the call's failure, never sent again here: the server may have done the work (a GPU's, a paid API's) before the
 * connection broke, and a send again is the caller's to decide and to count. Only a write that fails on a kept
 * connection is sent again on a new one: the server had closed it before the request came. The call's
 * deadline is kept by one watchdog thread that closes the socket of an overdue call, so reads block without a timeout
 * of their own (a timed read costs a poll() per read), the idle check's included once it is over. The watchdog also
 * notices when the process or the machine was stopped (SIGSTOP, a laptop's sleep): the server may have closed any
 * connection meanwhile, the ones whose answers it sent before it and that are read only now included, and their idle
 * time on this side says nothing of it (System.nanoTime() does not count a machine's sleep); each is checked before
 * its next use.
 */
final class PlainHttp1 implements AutoCloseable {
    /** How often the watchdog looks for overdue calls: a read still blocked is cut within this of its deadline. */
    private static final long TICK_MILLIS = 25;
    private static final int MAX_LINE = 64 * 1024;
    private static final byte[] EMPTY = new byte[0];
    /** A connection's deadline once the watchdog took it: even, where every deadline is odd. */
    private static final long TIMED_OUT = 2;
    /** What a body's array starts at: a Content-Length or a chunk's size is a claim, not bytes that came. */
    private static final int FIRST_BODY_BYTES = 64 * 1024;
    /**
     * How long a pooled connection may have been idle and still be used unchecked. A check waits a millisecond for
     * the server's end-of-stream, so a busy run's connections (idle for microseconds) skip it; servers close idle
     * connections after seconds (uvicorn, hence vLLM: 5 s).
     */
    static final Duration CHECK_IDLE_AFTER = Duration.ofMillis(250);
    /** A watchdog's tick this much longer than it slept, on either clock: the process or the machine was stopped. */
    private static final long PAUSE_MILLIS = 1000;

    private final String host;
    private final int port;
    private final int connectTimeoutMillis;
    /** 0: reads wait for the deadline only. */
    private final int readTimeoutMillis;
    /** 0: no deadline. */
    private final long callTimeoutNanos;
    private final long keepAliveNanos;
    private final int maxIdle;
    private final long checkIdleAfterNanos;
    /** Every open connection, idle or in use, and those being connected: what the watchdog and cancelAll reach. */
    private final Set<Connection> live = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile long cancels;
    /** When a connection to the server last broke or was refused (System.nanoTime). */
    private volatile long lastBreak;
    /** The watchdog's last tick, by System.nanoTime() (0: it never ran) and by the wall clock; written by it alone. */
    private volatile long tickNanos;
    private volatile long tickWallMillis;
    private volatile boolean closed;
    private Thread watchdog;

    PlainHttp1(String host, int port, Duration connectTimeout, Duration readTimeout, Duration callTimeout,
               Duration keepAlive, int maxIdle) {
        this(host, port, connectTimeout, readTimeout, callTimeout, keepAlive, maxIdle, CHECK_IDLE_AFTER);
    }

    /** @param checkIdleAfter {@link #CHECK_IDLE_AFTER}, but for tests that must not depend on how fast they run */
    PlainHttp1(String host, int port, Duration connectTimeout, Duration readTimeout, Duration callTimeout,
               Duration keepAlive, int maxIdle, Duration checkIdleAfter) {
        this.host = host;
        this.port = port;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.callTimeoutNanos = callTimeout.toNanos();
        this.keepAliveNanos = keepAlive.toNanos();
        this.maxIdle = maxIdle;
        this.checkIdleAfterNanos = checkIdleAfter.toNanos();
        this.lastBreak = System.nanoTime();
    }

    /**
     * The fixed part of every request to {@code target} (path and query): the request line and the headers, each
     * named once (the last value given wins, as {@code Request.Builder.header} does), without Content-Length and the
     * blank line. Framing headers the caller gives are dropped: this client frames the body itself.
     */
    static byte[] head(String target, String hostHeader, Map<String, String> headers) {
        Map<String, String> named = new LinkedHashMap<>();
        named.put("host", "Host: " + hostHeader);
        named.put("user-agent", "User-Agent: stride");
        headers.forEach((name, value) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (!key.equals("content-length") && !key.equals("transfer-encoding") && !key.equals("connection")) {
                named.put(key, name + ": " + value);
            }
        });
        StringBuilder head = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\n");
        named.values().forEach(line -> head.append(line).append("\r\n"));
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Sends {@code head} (from {@link #head}) with {@code body} and reads the answer whole.
     *
     * @param connected told once the request went out to the server (written on a connection)
     * @throws InterruptedIOException "timeout" when the call's deadline passed, as OkHttp says it
     * @throws IOException            for every other way the exchange failed, a cancelled one included
     */
    Reply post(byte[] head, byte[] body, Runnable connected) throws IOException {
        long deadline = callTimeoutNanos == 0 ? 0 : (System.nanoTime() + callTimeoutNanos) | 1;
        long cancelsAtStart = cancels;
        byte[] request = request(head, body);
        while (true) {
            Connection c = pooled();
            boolean reused = c != null;
            if (c == null) {
                c = open(deadline, cancelsAtStart);
            }
            c.deadline.set(deadline);
            boolean written = false;
            Reply reply;
            try {
                if (cancels != cancelsAtStart) {
                    throw new IOException("Canceled");
                }
                c.out.write(request);
                written = true;
                connected.run();
                reply = read(c);
            } catch (IOException e) {
                IOException failure = retire(c, e);
                if (!(failure instanceof InterruptedIOException) && cancels == cancelsAtStart) {
                    lastBreak = System.nanoTime();
                }
                // A kept connection the server had reset before this request came: the write itself failed, so the
                // server never read the request. One that took the request and broke is the call's failure.
                if (failure == e && reused && !written && cancels == cancelsAtStart
                        && !(e instanceof SocketTimeoutException)) {
                    continue;
                }
                throw failure;
            } catch (RuntimeException | Error e) {
                retire(c, null);
                throw e;
            }
            boolean closedForIt = c.deadline.getAndSet(0) == TIMED_OUT;
            if (!closedForIt && reply.keepAlive && c.pos == c.limit) {
                release(c);
            } else {
                discard(c);
            }
            // The deadline holds as OkHttp's does: an answer whole only after it is a timeout, whether or not the
            // watchdog (which looks every tick) came for it first. A 1 ms --timeout let 50 ms answers in, stored as done,
            // beside others that timed out.
            if (closedForIt || deadline != 0 && System.nanoTime() - deadline >= 0) {
                throw overdue(null);
            }
            return reply;
        }
    }

    private static byte[] request(byte[] head, byte[] body) {
        byte[] length = ("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = Arrays.copyOf(head, head.length + length.length + body.length);
        System.arraycopy(length, 0, request, head.length, length.length);
        System.arraycopy(body, 0, request, head.length + length.length, body.length);
        return request;
    }

    /**
     * Takes a failed call's connection out of use; returns what to throw: OkHttp's "timeout" when the watchdog closed
     * it for the call's deadline, else {@code failure} itself.
     */
    private IOException retire(Connection c, IOException failure) {
        boolean overdue = c.deadline.getAndSet(0) == TIMED_OUT;
        discard(c);
        return overdue ? overdue(failure) : failure;
    }

    private static InterruptedIOException overdue(IOException cause) {
        InterruptedIOException timeout = new InterruptedIOException("timeout");
        timeout.initCause(cause);
        return timeout;
    }

    /** The most recently released connection still worth trying, or null. */
    private Connection pooled() {
        long now = System.nanoTime();
        boolean behind = watchdogBehind(now, System.currentTimeMillis());
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            idleCount.decrementAndGet();
            boolean fresh = !behind && !c.suspect && now - c.idleSince < checkIdleAfterNanos
                    && c.idleSince - lastBreak > 0;
            c.suspect = false;
            if (!c.socket.isClosed() && now - c.idleSince < keepAliveNanos && (fresh || open(c))) {
                return c;
            }
            discard(c);
        }
        return null;
    }

    /**
     * Whether an idle connection is still open at the server's end: a read that waits a millisecond finds nothing to
     * read. An end of stream (the server closed it) or bytes nobody asked for (a 408 some servers send before they
     * close) retire it.
     */
    private boolean open(Connection c) {
        try {
            c.socket.setSoTimeout(1);
            try {
                c.in.read();
                return false;
            } catch (SocketTimeoutException quiet) {
                c.socket.setSoTimeout(readTimeoutMillis);
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    private void release(Connection c) {
        if (closed) {
            discard(c);
            return;
        }
        if (idleCount.incrementAndGet() > maxIdle) {
            idleCount.decrementAndGet();
            discard(c);
            return;
        }
        c.idleSince = System.nanoTime();
        idle.offerFirst(c);
        if (closed) {
            drainIdle();
        }
    }

    private void discard(Connection c) {
        live.remove(c);
        c.close();
    }

    /** A new connection to the first of the host's addresses that takes it, as OkHttp tries them in turn. */
    private Connection open(long deadline, long cancelsAtStart) throws IOException {
        InetAddress[] addresses = InetAddress.getAllByName(host);
        IOException earlier = null;
        for (InetAddress address : addresses) {
            // A channel's socket, not a plain Socket: the idle check's short timed read turns a plain Socket
            // non-blocking for good (each answer then costs an empty read, a poll() and the read again), where a
            // channel's blocking mode comes back after the timed read.
            Connection c = new Connection(SocketChannel.open().socket());
            c.deadline.set(deadline);
            live.add(c);
            watch(); // without a deadline too: it also notices a stop of the process or the machine
            try {
                if (cancels != cancelsAtStart) {
                    throw new IOException("Canceled");
                }
                c.socket.connect(new InetSocketAddress(address, port), connectTimeoutMillis);
                c.socket.setTcpNoDelay(true);
                c.socket.setSoTimeout(readTimeoutMillis);
                c.streams();
                return c;
            } catch (IOException e) {
                IOException failure = retire(c, e);
                if (failure != e || cancels != cancelsAtStart) {
                    throw failure;
                }
                lastBreak = System.nanoTime();
                if (e instanceof ConnectException) {
                    // OkHttp's words, with the system's reason as the cause: TransportErrors reads both.
                    ConnectException named = new ConnectException("Failed to connect to " + address + ":" + port);
                    named.initCause(e);
                    e = named;
                }
                if (earlier != null) {
                    e.addSuppressed(earlier);
                }
                earlier = e;
            }
        }
        throw earlier;
    }

    private Reply read(Connection c) throws IOException {
        String statusLine;
        int status;
        Headers headers;
        do {
            statusLine = c.readLine();
            status = status(statusLine);
            headers = c.readHeaders();
        } while (status >= 100 && status < 200 && status != 101);
        boolean keepAlive = statusLine.startsWith("HTTP/1.1")
                ? !headers.has("connection", "close") : headers.has("connection", "keep-alive");
        byte[] body;
        String length = headers.get("content-length");
        if (status == 204 || status == 304) {
            body = EMPTY;
        } else if (headers.has("transfer-encoding", "chunked")) {
            body = c.readChunked();
        } else if (length != null) {
            body = c.readFixed(contentLength(length));
        } else {
            body = c.readToEnd();
            keepAlive = false;
        }
        return new Reply(status, headers, body, keepAlive);
    }

    private static int status(String line) throws ProtocolException {
        // "HTTP/1.1 200 OK"; the reason may be missing ("HTTP/1.1 200").
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' '
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new ProtocolException("Unexpected status line: " + line);
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char ch = line.charAt(i);
            if (ch < '0' || ch > '9') {
                throw new ProtocolException("Unexpected status line: " + line);
            }
            code = code * 10 + (ch - '0');
        }
        return code;
    }

    private static int contentLength(String value) throws ProtocolException {
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0 || n > Integer.MAX_VALUE - 8) {
                throw new ProtocolException("Content-Length out of range: " + value);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new ProtocolException("Content-Length is not a number: " + value);
        }
    }

    /** Starts the watchdog when none runs (the first time, or after a close() ended it). */
    private synchronized void watch() {
        if (watchdog == null || !watchdog.isAlive()) {
            tickWallMillis = System.currentTimeMillis();
            tickNanos = System.nanoTime();
            watchdog = new Thread(this::keepDeadlines, "stride-http-deadlines");
            watchdog.setDaemon(true);
            watchdog.start();
        }
    }

    /** Until the client is closed and its last call has ended: a call in flight keeps its deadline after close(). */
    private void keepDeadlines() {
        while (!closed || !live.isEmpty()) {
            long wallTick = tickWallMillis;
            long tick = tickNanos;
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long wallNow = System.currentTimeMillis();
            if (pausedBetween(now - tick, wallNow - wallTick)) {
                afterPause();
            }
            tickWallMillis = wallNow;
            tickNanos = now;
            for (Connection c : live) {
                long deadline = c.deadline.get();
                // Marked before it is closed, and only if the call that set this deadline still holds it: a call that
                // ended in between takes the mark with its getAndSet and does not pass its connection on.
                if (deadline != 0 && deadline != TIMED_OUT && now - deadline >= 0
                        && c.deadline.compareAndSet(deadline, TIMED_OUT)) {
                    c.close();
                }
            }
        }
    }

    /**
     * Whether a tick of the watchdog that took {@code monoNanos} by System.nanoTime() and {@code wallMillis} by the
     * wall clock shows a stop: a stopped process's monotonic clock runs on, a sleeping machine's does not but its wall
     * clock does. A busy machine that starves the watchdog for a second, or a wall clock set forward, costs only the
     * checks of a millisecond each.
     */
    static boolean pausedBetween(long monoNanos, long wallMillis) {
        long monoMillis = monoNanos / 1_000_000;
        return monoMillis > TICK_MILLIS + PAUSE_MILLIS || wallMillis - monoMillis > PAUSE_MILLIS;
    }

    /**
     * Whether the watchdog's last tick is so far behind that the process or the machine was just stopped and the
     * watchdog has not run since: the request threads woke with it, and one may take a connection back to the pool and
     * out again before the watchdog marks it. Every connection is then checked, as after the mark.
     */
    boolean watchdogBehind(long nowNanos, long nowWallMillis) {
        long at = tickNanos;
        return at != 0 && pausedBetween(nowNanos - at, nowWallMillis - tickWallMillis);
    }

    /** For tests: the watchdog's last tick as if it were this long ago (a stop it has not seen yet). */
    void watchdogLastTickedAgo(Duration ago) {
        tickWallMillis = System.currentTimeMillis() - ago.toMillis();
        tickNanos = System.nanoTime() - ago.toNanos();
    }

    /** Every connection open now, idle or with a call on it, is checked before its next use. */
    void afterPause() {
        for (Connection c : live) {
            c.suspect = true;
        }
    }

    /** Fails every call in flight (their sockets are closed) and drops the idle connections. */
    void cancelAll() {
        cancels++;
        drainIdle();
        for (Connection c : live) {
            c.close();
        }
    }

    /** Open connections, idle or in use, and those being connected: for tests. */
    int connections() {
        return live.size();
    }

    /** Idle connections kept for the next calls: for tests. */
    int idleConnections() {
        return idleCount.get();
    }

    private void drainIdle() {
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            idleCount.decrementAndGet();
            discard(c);
        }
    }

    /**
     * Closes the idle connections; calls still running finish, within their deadline (the watchdog stops after the
     * last of them).
     */
    @Override
    public void close() {
        closed = true;
        drainIdle();
    }

    /** An answer read whole: its status, its headers and its body's bytes as they came (no content coding asked). */
    static final class Reply {
        private final int status;
        private final Headers headers;
        private final byte[] body;
        private final boolean keepAlive;

        private Reply(int status, Headers headers, byte[] body, boolean keepAlive) {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.keepAlive = keepAlive;
        }

        int status() {
            return status;
        }

        /** The last value of the header, as OkHttp's {@code Response.header}; null when it is missing. */
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        boolean hasHeaderStartingWith(String prefix) {
            return headers.anyStartsWith(prefix.toLowerCase(Locale.ROOT));
        }

        byte[] body() {
            return body;
        }
    }

    /** Header names (lower-cased) and values, in the order they came. */
    static final class Headers {
        private String[] namesAndValues = new String[16];
        private int size;

        void add(String name, String value) {
            if (size + 2 > namesAndValues.length) {
                namesAndValues = Arrays.copyOf(namesAndValues, namesAndValues.length * 2);
            }
            namesAndValues[size++] = name;
            namesAndValues[size++] = value;
        }

        /** An obsolete folded line: more of the last header's value. */
        void continueLast(String more) {
            if (size > 0 && !more.isEmpty()) {
                namesAndValues[size - 1] = namesAndValues[size - 1] + " " + more;
            }
        }

        String get(String lowerName) {
            for (int i = size - 2; i >= 0; i -= 2) {
                if (namesAndValues[i].equals(lowerName)) {
                    return namesAndValues[i + 1];
                }
            }
            return null;
        }

        /** Whether any header of that name lists {@code token} among its comma-separated values. */
        boolean has(String lowerName, String token) {
            for (int i = 0; i < size; i += 2) {
                if (namesAndValues[i].equals(lowerName)) {
                    for (String part : namesAndValues[i + 1].split(",")) {
                        if (part.trim().equalsIgnoreCase(token)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        boolean anyStartsWith(String lowerPrefix) {
            for (int i = 0; i < size; i += 2) {
                if (namesAndValues[i].startsWith(lowerPrefix)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One socket and what it has read beyond the last answer; used by one call at a time. */
    private static final class Connection {
        final Socket socket;
        InputStream in;
        OutputStream out;
        byte[] buffer = new byte[8 * 1024];
        int pos;
        int limit;
        /**
         * System.nanoTime() by which the call using it must end (odd, so never 0 nor {@link #TIMED_OUT}); 0: none;
         * {@link #TIMED_OUT}: the watchdog closed it for that deadline.
         */
        final AtomicLong deadline = new AtomicLong();
        long idleSince;
        /** Open while the process or the machine was stopped: checked before it is used again. */
        volatile boolean suspect;

        Connection(Socket socket) {
            this.socket = socket;
        }

        void streams() throws IOException {
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing to save
            }
        }

        /** Reads more into the buffer (compacted first); false at the end of the stream. */
        private boolean fill() throws IOException {
            if (pos > 0) {
                System.arraycopy(buffer, pos, buffer, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            if (limit == buffer.length) {
                buffer = Arrays.copyOf(buffer, buffer.length * 2);
            }
            int n = in.read(buffer, limit, buffer.length - limit);
            if (n < 0) {
                return false;
            }
            limit += n;
            return true;
        }

        /** A line without its CR LF (or bare LF), as ISO-8859-1 text. */
        String readLine() throws IOException {
            int scanned = pos;
            while (true) {
                for (int i = scanned; i < limit; i++) {
                    if (buffer[i] == '\n') {
                        int end = i > pos && buffer[i - 1] == '\r' ? i - 1 : i;
                        String line = new String(buffer, pos, end - pos, StandardCharsets.ISO_8859_1);
                        pos = i + 1;
                        return line;
                    }
                }
                if (limit - pos >= MAX_LINE) {
                    throw new ProtocolException("a line of the answer's head is longer than " + MAX_LINE + " bytes");
                }
                scanned = limit - pos;
                if (!fill()) {
                    throw new EOFException("unexpected end of stream on http connection");
                }
                scanned += pos;
            }
        }

        /** Leniently, as OkHttp reads them: a folded line continues the header before it, a line without a name is skipped. */
        Headers readHeaders() throws IOException {
            Headers headers = new Headers();
            for (String line = readLine(); !line.isEmpty(); line = readLine()) {
                int colon = line.indexOf(':');
                if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    headers.continueLast(line.trim());
                } else if (colon > 0) {
                    headers.add(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
            return headers;
        }

        byte[] readFixed(int length) throws IOException {
            return append(new byte[Math.min(length, FIRST_BODY_BYTES)], 0, length);
        }

        /**
         * Reads exactly {@code n} more bytes into {@code body} from {@code size} on, growing it no faster than they
         * come (at most twice what came), so that a false length fails as a cut answer, not as an OutOfMemoryError.
         */
        private byte[] append(byte[] body, int size, int n) throws IOException {
            int end = size + n;
            while (size < end) {
                if (size == body.length) {
                    body = Arrays.copyOf(body, (int) Math.min(end, Math.max(FIRST_BODY_BYTES, 2L * body.length)));
                }
                int chunk = Math.min(end, body.length) - size;
                readInto(body, size, chunk);
                size += chunk;
            }
            return body;
        }

        private void readInto(byte[] target, int offset, int length) throws IOException {
            int buffered = Math.min(length, limit - pos);
            System.arraycopy(buffer, pos, target, offset, buffered);
            pos += buffered;
            for (int n = buffered; n < length; ) {
                int r = in.read(target, offset + n, length - n);
                if (r < 0) {
                    throw new EOFException("unexpected end of stream: " + n + " of " + length + " bytes of the body");
                }
                n += r;
            }
        }

        byte[] readChunked() throws IOException {
            byte[] body = new byte[Math.max(256, limit - pos)];
            int size = 0;
            while (true) {
                String line = readLine();
                int end = line.indexOf(';');
                String hex = (end < 0 ? line : line.substring(0, end)).trim();
                long chunk;
                try {
                    chunk = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("expected a chunk size but was \"" + line + "\"");
                }
                if (chunk < 0 || chunk > Integer.MAX_VALUE - 8 - size) {
                    throw new ProtocolException("chunk size out of range: " + line);
                }
                if (chunk == 0) {
                    readHeaders(); // trailers, unused
                    return Arrays.copyOf(body, size);
                }
                body = append(body, size, (int) chunk);
                size += (int) chunk;
                if (!readLine().isEmpty()) {
                    throw new ProtocolException("a chunk did not end with CR LF");
                }
            }
        }

        byte[] readToEnd() throws IOException {
            while (fill()) {
                // until the server closes: the body is all it sent
            }
            byte[] body = Arrays.copyOfRange(buffer, pos, limit);
            pos = limit;
            return body;
        }
    }
}
