package dev.stride.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.stride.db.Board;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The live dashboard: the JDK's own HTTP server, answering the pages ({@code /}, {@code /runs/NAME},
 * {@code /compare}), their assets ({@code /assets/...}) and the JSON API ({@code /api/...}) from a {@link Board}; the
 * page of a run the database does not have is a 404 (the page says so).
 * Every answer forbids what the pages never need: scripts, styles and requests from anywhere but this server
 * ({@code Content-Security-Policy: default-src 'self'}), content sniffing and framing.
 */
public final class DashboardServer implements AutoCloseable {
    static final String POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private final HttpServer server;
    private final ExecutorService workers;
    private final Api api;
    private final Board board;

    private DashboardServer(HttpServer server, Board board, String database, Clock clock) {
        this.server = server;
        this.board = board;
        this.api = new Api(board, clock, database);
        // A few readers at once: SQLite serves concurrent reads, and a slow page never holds up the polls.
        this.workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "dashboard");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    /**
     * Starts serving {@code board} on {@code address} (port 0: any free port).
     *
     * @throws java.net.BindException when the port is taken
     */
    public static DashboardServer start(Board board, InetSocketAddress address) throws IOException {
        return start(board, address, null);
    }

    /**
     * As {@link #start(Board, InetSocketAddress)}, naming the database as {@code database} (a file name, a URL
     * without its password) where a page says it has no such run; null: "this database".
     */
    public static DashboardServer start(Board board, InetSocketAddress address, String database) throws IOException {
        return start(board, address, database, board.clock());
    }

    /** As {@link #start(Board, InetSocketAddress, String)}, judging the age of what it shows by {@code clock}. */
    static DashboardServer start(Board board, InetSocketAddress address, String database, Clock clock)
            throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        DashboardServer dashboard = new DashboardServer(server, board, database, clock);
        server.start();
        dashboard.workers.execute(() -> readAhead(board));
        return dashboard;
    }

    /**
     * Reads every run's summary once, as the server starts, so that the first look at a run comes from the board's
     * cache: on a run of a million outcomes reading it is most of a second (the later polls are cached anyway). A
     * page asked for meanwhile is served beside it; a run that cannot be read now is left for its page to report.
     */
    private static void readAhead(Board board) {
        try {
            for (Board.RunRow row : board.runs(board.clock().instant())) {
                board.run(row.info().name(), board.clock().instant());
            }
        } catch (RuntimeException e) {
            // Its page will read it again and say what is wrong; nothing is lost by not knowing it here.
        }
    }

    /** The address to open in a browser. */
    public URI url() {
        InetSocketAddress at = server.getAddress();
        String host = at.getAddress().isAnyLocalAddress() ? "127.0.0.1" : at.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + at.getPort() + "/");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            Reply reply;
            if (!method.equals("GET") && !method.equals("HEAD")) {
                reply = Reply.error(405, "only GET: the dashboard changes nothing");
            } else {
                reply = route(exchange.getRequestURI());
            }
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", reply.contentType());
            headers.set("Content-Security-Policy", POLICY);
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Referrer-Policy", "no-referrer");
            headers.set("Cache-Control", "no-store");
            boolean head = method.equals("HEAD");
            exchange.sendResponseHeaders(reply.status(), head ? -1 : reply.body().length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply.body());
                }
            }
        }
    }

    private Reply route(URI uri) {
        String path = uri.getRawPath();
        if (path.startsWith("/api/")) {
            return api.answer(path.substring("/api".length()), uri.getRawQuery());
        }
        if (path.startsWith("/assets/")) {
            return Assets.reply(path.substring("/assets/".length()))
                    .orElseGet(() -> Reply.text(404, "text/plain; charset=utf-8", "no such file\n"));
        }
        if (path.equals("/")) {
            return page(200);
        }
        if (path.equals("/compare")) {
            return page(comparesMissingRun(uri.getRawQuery()) ? 404 : 200);
        }
        if (path.startsWith("/runs/")) {
            return page(runIsMissing(path.substring("/runs/".length())) ? 404 : 200);
        }
        return Reply.text(404, "text/plain; charset=utf-8", "no such page: try /\n");
    }

    private static Reply page(int status) {
        return Reply.text(status, "text/html; charset=utf-8", Assets.text(Assets.PAGE));
    }

    /**
     * Whether the database says it has no run {@code rawName} (the rest of the page's path, decoded as the page
     * decodes it): its page is then a 404 that says so. A database that cannot be read now tells nothing, so the page
     * is served as usual and says that, trying again.
     */
    private boolean runIsMissing(String rawName) {
        String name;
        try {
            name = Api.segment(rawName);
        } catch (IllegalArgumentException e) {
            return true; // a broken %-escape names no run
        }
        return missing(name);
    }

    /** Whether {@code /compare}'s {@code a} or {@code b} names a run the database does not have, as a run's page. */
    private boolean comparesMissingRun(String rawQuery) {
        var query = Api.query(rawQuery);
        return java.util.stream.Stream.of(query.get("a"), query.get("b"))
                .anyMatch(name -> name != null && !name.isEmpty() && missing(name));
    }

    /** A database that cannot be read now tells nothing: false, and the page says what is wrong, trying again. */
    private boolean missing(String name) {
        try {
            return board.find(name, board.clock().instant()).isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
