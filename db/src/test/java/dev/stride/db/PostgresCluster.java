package dev.stride.db;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL cluster from the installed binaries (Debian's {@code postgresql} package): a copy of
 * initdb's output ({@link #template}) in a temporary folder, started on a free port with its socket in that folder, removed by {@link #close()}. initdb and
 * postgres refuse to run as root, so as root they run as the {@code postgres} user (runuser) in a folder it owns.
 * Without the binaries the test is skipped with a line saying how to get them, unless {@code CI} is set: CI must run
 * these tests, so there it fails.
 */
public final class PostgresCluster implements AutoCloseable {
    private static final String INSTALL = "PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql"
            + " to run the PostgreSQL tests";
    private static final String USER = "postgres";
    /**
     * initdb's data folder, made once per test JVM and copied for each cluster: initdb took 0.6–1.2 s of a start that
     * is about 0.3 s without it, and the suites start some seventy clusters. Removed when the JVM exits.
     */
    private static Path template; // guarded by PostgresCluster.class

    private final Path bin;
    private final Path dir;
    private int port; // changes only while the cluster first starts (startOnAFreePort)
    private final boolean asRoot;
    private int databases;

    private PostgresCluster(Path bin, Path dir, int port, boolean asRoot) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asRoot = asRoot;
    }

    /** Starts a new cluster, or skips the calling test (fails it in CI) when PostgreSQL is not installed. */
    public static PostgresCluster start() throws IOException, InterruptedException {
        Optional<Path> bin = binaries();
        if (bin.isEmpty()) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(INSTALL + " (CI is set, so the tests must run)");
            }
            Assumptions.abort(INSTALL);
        }
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("stride-pg-");
        PostgresCluster cluster = new PostgresCluster(bin.get(), dir, freePort(), asRoot);
        try {
            if (asRoot) {
                cluster.exec(List.of("chown", "-R", USER + ":", dir.toString()), false);
            }
            cluster.exec(List.of("cp", "-a", template(bin.get(), asRoot).toString(), cluster.data().toString()),
                    true);
            cluster.startOnAFreePort();
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /** The data folder every cluster of this JVM starts as a copy of: initdb's, made on first use. */
    private static synchronized Path template(Path bin, boolean asRoot) throws IOException, InterruptedException {
        if (template == null) {
            PostgresCluster maker = new PostgresCluster(bin, Files.createTempDirectory("stride-pg-template-"), 0,
                    asRoot);
            try {
                if (asRoot) {
                    maker.exec(List.of("chown", "-R", USER + ":", maker.dir.toString()), false);
                }
                maker.exec(List.of(bin.resolve("initdb").toString(), "-D", maker.data().toString(), "-A", "trust",
                        "-U", USER, "-E", "UTF8", "--locale=C.UTF-8"), true);
            } catch (IOException | InterruptedException | RuntimeException e) {
                maker.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(maker::close, "stride-pg-template-removal"));
            template = maker.data();
        }
        return template;
    }

    private static Optional<Path> binaries() {
        List<Path> found = new ArrayList<>();
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> versions = Files.list(lib)) {
                versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .forEach(found::add);
            } catch (IOException ignored) {
                // Looked for on PATH below.
            }
        }
        found.sort(Comparator.comparing(Path::toString));
        if (!found.isEmpty()) {
            return Optional.of(found.get(found.size() - 1));
        }
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, "initdb")) && Files.isExecutable(Path.of(p, "pg_ctl"))) {
                return Optional.of(Path.of(p));
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * pg_ctl start on the port found free a moment before: another process (a test's server, an outgoing
     * connection's local port) may take it in between, and then the cluster starts on another one.
     */
    private void startOnAFreePort() throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Files.deleteIfExists(dir.resolve("server.log"));
            try {
                pgCtl("start");
                return;
            } catch (IOException e) {
                if (attempt == 5 || !serverLog().contains("Address already in use")) {
                    throw e;
                }
                port = freePort();
            }
        }
    }

    private Path data() {
        return dir.resolve("data");
    }

    private void pgCtl(String action, String... more) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(),
                "-l", dir.resolve("server.log").toString(), "-w", "-t", "120",
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", action));
        command.addAll(List.of(more));
        exec(command, true);
    }

    private void exec(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres && asRoot) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(command);
        Path log = Files.createTempFile("stride-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", full) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", full) + " exited " + p.exitValue() + ": "
                        + Files.readString(log) + serverLog());
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private String serverLog() {
        try {
            Path log = dir.resolve("server.log");
            return Files.exists(log) ? "\n" + Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public int port() {
        return port;
    }

    /** A new, empty database; its URL for {@code --db}, as user postgres (trust: any password is accepted). */
    public String newDatabase() throws SQLException {
        String name = "stride_" + (++databases);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + name;
    }

    /**
     * A new user that must give its password (SCRAM, as a server set up for a team asks it) and a new database it
     * owns; the URL for {@code --db}, without the password.
     */
    public String newDatabaseWithPassword(String user, String password) throws SQLException, IOException,
            InterruptedException {
        String name = "stride_" + (++databases);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, "");
             Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
            st.execute("CREATE DATABASE " + name + " OWNER " + user);
        }
        // Before initdb's trust lines: the first line that matches decides.
        Path hba = data().resolve("pg_hba.conf");
        Files.writeString(hba, "host all " + user + " 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
        pgCtl("reload");
        // pg_ctl reload only signals the server: wait until it asks this user for the password.
        for (int i = 0; i < 100; i++) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + name,
                    user, "")) {
                Thread.sleep(100);
            } catch (SQLException asked) {
                break;
            }
        }
        return "postgresql://" + user + "@127.0.0.1:" + port + "/" + name;
    }

    /** The location of {@code url}, with no PGPASSWORD. */
    public static PostgresLocation location(String url) {
        return PostgresLocation.parse(url, Map.of());
    }

    /** A plain JDBC connection to the database of {@code url}, for tests that look at what a run stored. */
    public static Connection connect(String url) throws SQLException {
        PostgresLocation location = location(url);
        return DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
    }

    /** Stops the server as an administrator would (fast: sessions are cut, nothing committed is lost) and starts it. */
    public void restart() throws IOException, InterruptedException {
        pgCtl("restart", "-m", "fast");
    }

    /** Stops the server as a crash or a power cut would (immediate: no checkpoint, unflushed WAL lost) and starts it. */
    public void crashAndStart() throws IOException, InterruptedException {
        pgCtl("stop", "-m", "immediate");
        pgCtl("start");
    }

    public void stop() throws IOException, InterruptedException {
        pgCtl("stop", "-m", "fast");
    }

    public void startAgain() throws IOException, InterruptedException {
        pgCtl("start");
    }

    @Override
    public void close() {
        try {
            if (Files.exists(data().resolve("postmaster.pid"))) {
                pgCtl("stop", "-m", "immediate");
            }
        } catch (IOException | InterruptedException e) {
            // Removed below all the same; a server left running dies with its folder's socket.
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // A temporary folder left behind is removed with the machine's /tmp.
            }
        }
    }
}
