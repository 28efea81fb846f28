package dev.stride.bench;

import dev.stride.core.RunInfo;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The million-record checks and startup, with the real CLI jar ({@code cli-app/target/stride.jar}) in child processes
 * against the simulator in this process: ingest, a run in -Xmx128m, resume of a half-done run, status and the
 * progress view, database size, and JVM start to first request with and without a class-data-sharing archive.
 */
final class Scale {
    private static final int MILLION = 1_000_000;

    private final Bench bench;
    private final Path work;
    private final Path jar;

    Scale(Bench bench, Path work, Path jar) {
        this.bench = bench;
        this.work = work;
        this.jar = jar.toAbsolutePath();
    }

    void run(boolean scale, boolean startup) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; build it with ./mvnw -B -DskipTests package -pl cli-app"
                    + " -am");
        }
        try (Simulator sim = E2e.simulator(0)) {
            if (scale) {
                million(sim);
            }
            if (startup) {
                startup(sim);
            }
        }
    }

    private void million(Simulator sim) throws Exception {
        bench.print("");
        bench.print("### One million records (CLI jar in a child JVM, instant simulator in the bench JVM)");
        bench.print("");
        bench.print("| what | figure |");
        bench.print("|---|---|");
        Path input = work.resolve("million.jsonl");
        Path db = work.resolve("million.db");
        deleteDb(db);
        Records.writeJsonl(input, MILLION);
        bench.printf("| input | %,d records, %.1f MB of JSONL |", MILLION, Files.size(input) / 1e6);

        // 1. A new run in -Xmx128m: ingest the whole file, then 50,000 predictions, then a stop as Ctrl+C would.
        Child first = Child.start(sim, jar, work, List.of("-Xmx128m"), "run", input.toString(), "--db", db.toString(),
                "--model", Bench.MODEL, "--base-url", sim.url(), "--template", Records.TEMPLATE, "--concurrency", "64",
                "--log-every", "0");
        first.awaitFirstRequest();
        first.stopAfterRequests(50_000);
        Child.Exit exit = first.await();
        if (exit.code() != 130) {
            throw new IllegalStateException("first million run: exit " + exit.code() + "\n" + exit.output());
        }
        double ingest = first.firstRequestSeconds();
        bench.printf("| `stride run` of a new 1M run with `-Xmx128m`: start to first request (JVM start + ingest"
                + " of 1M records) | %.1f s → **%,.0f records/s ingested** |", ingest, MILLION / ingest);
        bench.printf("| same run, 50,000 predictions at concurrency 64 then stopped; peak RSS of the JVM (heap capped at"
                + " 128 MB) | %.1f s wall, exit 130, peak RSS %,d MB |", exit.wallSeconds(), exit.maxRssKb() / 1024);
        long ingestedSize = dbSize(db);

        // 2. Make it half done: the next 450,000 records get an answer like the simulator's, as a long run would have.
        fillToHalf(db);
        long halfSize = dbSize(db);
        bench.printf("| database size: 1M records, 500k answers | %.0f MB = %.0f bytes/record (%.0f bytes/record"
                + " with records only after ingest + 50k answers) |", halfSize / 1e6, halfSize / (double) MILLION,
                ingestedSize / (double) MILLION);

        // 3. Resume the half-done run without its input file, with it unchanged (hashed, its records not read), and
        // with one record appended (every record read and compared again).
        for (String how : new String[] {"without", "unchanged", "appended"}) {
            boolean withInput = !how.equals("without");
            List<String> args = new ArrayList<>(List.of("run"));
            if (how.equals("appended")) {
                Files.writeString(input, "{\"id\":\"appended\",\"prompt\":\"One more question?\"}\n",
                        java.nio.file.StandardOpenOption.APPEND);
            }
            if (withInput) {
                args.add(input.toString());
            }
            args.addAll(List.of("--db", db.toString(), "--model", Bench.MODEL, "--base-url", sim.url(),
                    "--concurrency", "64", "--log-every", "0"));
            Child resume = Child.start(sim, jar, work, List.of("-Xmx128m"), args.toArray(String[]::new));
            resume.awaitFirstRequest();
            resume.stopAfterRequests(2000);
            Child.Exit e = resume.await();
            bench.printf("| resume of the half-done 1M run %s: process start to its first new request | **%.2f s**"
                    + " (exit %d) |", switch (how) {
                        case "unchanged" -> "with its input file, unchanged (hashed; its records are not read)";
                        case "appended" -> "with its input file, one record appended (all 1M read and compared)";
                        default -> "without the input (`stride run --db`)";
                    }, resume.firstRequestSeconds(), e.code());
        }

        // 4. status and the progress view.
        Child.Exit status = Child.run(jar, work, List.of(), "status", "--db", db.toString());
        bench.printf("| `stride status --db million.db` wall (JVM start included) | **%.2f s** |", status.wallSeconds());
        long t0 = System.nanoTime();
        try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(db)) {
            long opened = System.nanoTime();
            List<RunInfo> runs = store.listRuns();
            long listed = System.nanoTime();
            store.listRuns();
            long again = System.nanoTime();
            bench.printf("| status's query in a running JVM: open read-only + list runs / list again | %.1f ms + %.1f ms"
                    + " / %.2f ms (%d/%d done) |", (opened - t0) / 1e6, (listed - opened) / 1e6,
                    (again - listed) / 1e6, runs.get(0).done(), runs.get(0).total());
        }
        t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement()) {
            long opened = System.nanoTime();
            try (ResultSet rs = s.executeQuery("SELECT * FROM progress")) {
                rs.next();
            }
            long queried = System.nanoTime();
            long n;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM results WHERE run = '" + Bench.MODEL
                    + "' AND status = 'pending'")) {
                rs.next();
                n = rs.getLong(1);
            }
            long counted = System.nanoTime();
            bench.printf("| `SELECT * FROM progress` (JDBC, new connection) | %.1f ms to open, **%.2f ms** to answer |",
                    (opened - t0) / 1e6, (queried - opened) / 1e6);
            bench.printf("| for scale: `SELECT count(*) FROM results WHERE run = ? AND status = 'pending'` (%,d) |"
                    + " %.0f ms |", n, (counted - queried) / 1e6);
        }
        deleteDb(db);
        Files.deleteIfExists(input);
    }

    private void startup(Simulator sim) throws Exception {
        bench.print("");
        bench.print("### Startup (CLI jar in a child JVM)");
        bench.print("");
        bench.print("| what | default JVM | with an AppCDS archive (`-XX:SharedArchiveFile`) |");
        bench.print("|---|---|---|");
        Path input = work.resolve("small.jsonl");
        Records.writeJsonl(input, 1000);
        Path archive = work.resolve("stride.jsa");
        Files.deleteIfExists(archive);
        // The archive is dumped at the exit of one ordinary run.
        Path trainDb = work.resolve("train.db");
        deleteDb(trainDb);
        Child.run(jar, work, List.of("-XX:ArchiveClassesAtExit=" + archive), "run", input.toString(), "--db",
                trainDb.toString(), "--model", Bench.MODEL, "--base-url", sim.url(), "--log-every", "0");
        List<String> cds = List.of("-XX:SharedArchiveFile=" + archive);
        double[][] firstRequest = new double[2][];
        for (int v = 0; v < 2; v++) {
            firstRequest[v] = new double[3];
            for (int i = 0; i < 3; i++) {
                Path db = work.resolve("startup.db");
                deleteDb(db);
                Child c = Child.start(sim, jar, work, v == 0 ? List.of() : cds, "run", input.toString(), "--db",
                        db.toString(), "--model", Bench.MODEL, "--base-url", sim.url(), "--log-every", "0");
                c.awaitFirstRequest();
                c.await();
                firstRequest[v][i] = c.firstRequestSeconds();
            }
        }
        bench.printf("| `stride run` (1,000 records, new database): process start to first request, best of 3"
                + " | %.2f s | %.2f s |", min(firstRequest[0]), min(firstRequest[1]));
        double[][] status = new double[2][3];
        for (int v = 0; v < 2; v++) {
            for (int i = 0; i < 3; i++) {
                status[v][i] = Child.run(jar, work, v == 0 ? List.of() : cds, "status", "--db", trainDb.toString())
                        .wallSeconds();
            }
        }
        bench.printf("| `stride status` wall, best of 3 | %.2f s | %.2f s |", min(status[0]), min(status[1]));
        bench.printf("| archive size | | %.0f MB |", Files.size(archive) / 1e6);
        deleteDb(trainDb);
        deleteDb(work.resolve("startup.db"));
        Files.deleteIfExists(input);
        Files.deleteIfExists(archive);
    }

    private static double min(double[] values) {
        double m = Double.MAX_VALUE;
        for (double v : values) {
            m = Math.min(m, v);
        }
        return m;
    }

    /** Answers every record before seq 500,000 that has none, with the text of a real answer, as one transaction. */
    private static void fillToHalf(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO predictions (run_id, record_id, status, output, finish_reason, prompt_tokens,"
                    + " completion_tokens, latency_ms, attempts, finished_at)"
                    + " SELECT r.run_id, r.record_id, 'done', a.output, a.finish_reason, a.prompt_tokens,"
                    + " a.completion_tokens, a.latency_ms, 1, a.finished_at"
                    + " FROM records r, (SELECT * FROM predictions WHERE status = 'done' LIMIT 1) a"
                    + " WHERE r.seq < 500000 AND NOT EXISTS (SELECT 1 FROM predictions p"
                    + " WHERE p.run_id = r.run_id AND p.record_id = r.record_id)");
            s.executeUpdate("UPDATE runs SET low_watermark = 500000, state = 'interrupted'");
            c.commit();
            c.setAutoCommit(true);
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    private static long dbSize(Path db) throws IOException {
        long size = Files.size(db);
        Path wal = Path.of(db + "-wal");
        return size + (Files.exists(wal) ? Files.size(wal) : 0);
    }

    private static void deleteDb(Path db) throws IOException {
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
    }

    /** A child JVM running the CLI jar, timed by /usr/bin/time when it is there (for the peak RSS). */
    static final class Child {
        record Exit(int code, double wallSeconds, long maxRssKb, String output) {
        }

        private final Process process;
        private final long startNanos;
        private final Simulator sim;
        private final long requestsBefore;
        private final Path timeFile;
        private final StringBuilder output = new StringBuilder();
        private final Thread drain;
        private long firstRequestNanos;

        private Child(Process process, long startNanos, Simulator sim, Path timeFile) {
            this.process = process;
            this.startNanos = startNanos;
            this.sim = sim;
            this.requestsBefore = sim == null ? 0 : sim.stats().requests();
            this.timeFile = timeFile;
            this.drain = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (output) {
                            output.append(line).append('\n');
                        }
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            });
            drain.start();
        }

        static Child start(Simulator sim, Path jar, Path work, List<String> jvm, String... args) throws IOException {
            List<String> command = new ArrayList<>();
            Path timeFile = null;
            if (Files.isExecutable(Path.of("/usr/bin/time"))) {
                timeFile = Files.createTempFile(work, "time", ".txt");
                command.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", timeFile.toString()));
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm);
            command.addAll(List.of("-jar", jar.toString()));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(work.toFile());
            long t0 = System.nanoTime();
            return new Child(pb.start(), t0, sim, timeFile);
        }

        static Exit run(Path jar, Path work, List<String> jvm, String... args) throws Exception {
            return start(null, jar, work, jvm, args).await();
        }

        /** Polls the simulator's request counter every 0.2 ms until this child's first request arrives. */
        void awaitFirstRequest() throws InterruptedException {
            while (sim.stats().requests() == requestsBefore) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the child exited before its first request:\n" + output);
                }
                Thread.sleep(0, 200_000);
            }
            firstRequestNanos = System.nanoTime();
        }

        /**
         * Stops the child as SIGTERM does (gracefully: requests in flight are saved, exit 130) once the simulator has
         * received {@code n} of its requests.
         */
        void stopAfterRequests(long n) throws InterruptedException {
            while (sim.stats().requests() - requestsBefore < n) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the child exited before " + n + " requests:\n" + output);
                }
                Thread.sleep(0, 200_000);
            }
            // Under /usr/bin/time the JVM is the child's child: the signal goes to the JVM itself.
            process.descendants().findFirst().orElse(process.toHandle()).destroy();
        }

        double firstRequestSeconds() {
            return (firstRequestNanos - startNanos) / 1e9;
        }

        Exit await() throws Exception {
            int code = process.waitFor();
            long end = System.nanoTime();
            drain.join();
            long rss = 0;
            if (timeFile != null) {
                String text = Files.readString(timeFile).strip();
                String[] lines = text.split("\n");
                try {
                    rss = Long.parseLong(lines[lines.length - 1].strip());
                } catch (NumberFormatException ignored) {
                    // "Command exited with non-zero status" comes first; the figure is on the last line
                }
                Files.deleteIfExists(timeFile);
            }
            synchronized (output) {
                return new Exit(code, (end - startNanos) / 1e9, rss, output.toString());
            }
        }
    }
}
