package dev.stride.dashboard;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.app.RunScorer;
import dev.stride.core.Answer;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Metric;
import dev.stride.core.Prediction;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.Scorer;
import dev.stride.core.Timing;
import dev.stride.db.ScoreBook;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Databases written by real runs against the simulator, and what a user would read from them with sqlite3. */
final class Fixtures {
    /** Text that would run script, load an image or end a script element if it were ever read as HTML. */
    static final String HOSTILE = "</script><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"> \"quoted\" 'single' & <b>bold</b>";
    static final String HOSTILE_ID = "<img src=x onerror=alert(1)>";

    private Fixtures() {
    }

    /** {@code n} records; record 3 (if any) has a hostile id and text. Even records are labelled to match. */
    static Path questions(Path dir, String name, int n) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String id = i == 3 ? HOSTILE_ID : "q" + i;
            String question = i == 3 ? HOSTILE : "question " + i;
            String answer = i % 2 == 0 ? "question " + i : "nothing like it";
            s.append("{\"id\":").append(json(id)).append(",\"question\":").append(json(question))
                    .append(",\"answer\":").append(json(answer)).append("}\n");
        }
        return Files.writeString(dir.resolve(name), s, StandardCharsets.UTF_8);
    }

    /** What every question of {@link #quoted} holds: a quote, a backslash and a new line, as a user writes them. */
    static final String QUOTED = "comma and \"quotes\", a back\\slash\nand a new line";

    /** {@code n} records "w0", "w1", … whose question holds {@link #QUOTED}, stored escaped in the input's JSON. */
    static Path quoted(Path dir, String name, int n) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(BoardJson.MAPPER.createObjectNode().put("id", "w" + i).put("question", "has, " + QUOTED + " " + i))
                    .append('\n');
        }
        return Files.writeString(dir.resolve(name), s, StandardCharsets.UTF_8);
    }

    static String json(String text) {
        return dev.stride.dashboard.BoardJson.MAPPER.valueToTree(text).toString();
    }

    /** Runs {@code input} to the end against a simulator with {@code settings}, as run {@code name}. */
    static RunOutcome run(Path db, Path input, String name, SimulatorSettings settings) throws IOException {
        try (Simulator sim = new Simulator(settings).start(0);
             CheckpointManager checkpoints = CheckpointManager.open(db)) {
            return checkpoints.run(input, RunOptions.of("model-" + name, sim.url()).withRun(name)
                    .withTemplate("Answer briefly: {{question}}").withSaveInterval(5).withConcurrency(4)
                    .withRetries(0, Duration.ofMillis(1)));
        }
    }

    /**
     * Starts {@code input} as run {@code name} against a slow simulator and stops it as Ctrl+C would once
     * {@code atLeast} records are done: the run is left interrupted with most of its records pending.
     */
    static RunOutcome interrupted(Path db, Path input, String name, long atLeast) throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build())
                .start(0);
             CheckpointManager checkpoints = CheckpointManager.open(db)) {
            CompletableFuture<RunOutcome> run = CompletableFuture.supplyAsync(() -> checkpoints.run(input,
                    RunOptions.of("model-" + name, sim.url()).withRun(name).withTemplate("Answer briefly: {{question}}")
                            .withSaveInterval(1).withConcurrency(1)));
            try {
                while (!doneAtLeast(db, name, atLeast)) {
                    if (run.isDone()) {
                        throw new IllegalStateException("run " + name + " ended before it could be stopped: "
                                + run.join());
                    }
                    Thread.sleep(20);
                }
            } finally {
                checkpoints.requestStop();
            }
            return run.join();
        }
    }

    private static boolean doneAtLeast(Path db, String name, long n) {
        if (!Files.exists(db)) {
            return false; // opening it here would make an empty file under the run's feet
        }
        try {
            return count(db, "SELECT count(*) FROM progress WHERE run = '" + name + "' AND done >= " + n) > 0;
        } catch (SQLException e) {
            return false; // the run is still making its tables
        }
    }

    /**
     * A database at {@code db} with two finished runs, "left" over records q0, q1 and "right" over w0, w1: no record
     * in common, as two runs over different files.
     */
    static Path disjoint(Path dir, Path db) throws IOException {
        run(db, questions(dir, db.getFileName() + "-left.jsonl", 2), "left", SimulatorSettings.builder().build());
        run(db, quoted(dir, db.getFileName() + "-right.jsonl", 2), "right", SimulatorSettings.builder().build());
        return db;
    }

    /** Scores run {@code name}: its answer holds the label when the record's "answer" is in it. */
    static void score(Path db, String name) {
        try (ScoreBook book = ScoreBook.open(db); CheckpointManager checkpoints = CheckpointManager.open(db)) {
            new RunScorer(Scorer.of(Metric.CONTAINS, null), "answer").score(book,
                    checkpoints.loadCheckpoint(name).orElseThrow());
        }
    }

    /**
     * Keeps with run {@code name} the way {@code stride run --label-field answer --metric regex --extract EXTRACT}
     * keeps it as its session starts.
     */
    static void keepRegexScoring(Path db, String name, String extract) {
        try (CheckpointManager checkpoints = CheckpointManager.open(db); ScoreBook book = ScoreBook.open(db)) {
            book.keepScoring(checkpoints.loadCheckpoint(name).orElseThrow().id(),
                    new RunScorer(Scorer.of(Metric.REGEX, extract), "answer").key());
        }
    }

    /**
     * A database as kill -9 of its one stride leaves it: run {@code name}, stored as running, its cursor saved an hour
     * ago, with {@code answers} of its {@code records} answers committed to the WAL alone (the file and its WAL copied
     * while the writer still had them open, without the -shm that belongs to live processes). Returns the copy.
     */
    static Path leftInWal(Path dir, String name, int records, int answers) throws Exception {
        Path writer = dir.resolve(name + "-writer.db");
        List<InputRecord> input = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            String json = "{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\"}";
            input.add(new InputRecord(i, "q" + i, i + 1, json, Integer.toHexString(json.hashCode())));
        }
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(writer)) {
            store.syncRun(new RunSpec(name, "model-" + name, List.of("http://127.0.0.1:9/v1"), "{{question}}",
                    GenerationParams.none()), input.iterator());
            long run = store.findRun(name).orElseThrow().id();
            for (InputRecord r : input.subList(0, answers)) {
                store.savePrediction(run, r, new Prediction(Answer.plain("echo: " + r.id(), "stop", 3, 4), null,
                        new Timing(5, 1, Instant.now())));
            }
            store.saveCursor(run, 1000, RunState.RUNNING);
            execute(writer, "UPDATE runs SET saved_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '-3600 seconds')");
            Path db = dir.resolve(name + ".db");
            Files.copy(writer, db);
            Files.copy(Path.of(writer + "-wal"), Path.of(db + "-wal"));
            return db;
        }
    }

    static long count(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String text(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** One statement on the file, as a user with sqlite3 (or a worker killed long ago) would have left it. */
    static void execute(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            st.executeUpdate(sql);
        }
    }

    static HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        return client.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
