package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Every answer is committed as it arrives": a run with one request at a time and a save interval far beyond the
 * dataset, against a server that answers only when the test lets it. After each answer a reader of its own (another
 * connection, as a user's script would be) must see that answer committed before the server lets the next one go.
 *
 * <p>The writer also saves its cursor every 5 seconds, whatever the save interval, and a writer that held answers
 * back until a cursor save would pass the first check, only slower. So the test also tells, for each answer, whether
 * the cursor was saved between the moment the answer was let go and the moment it was seen committed: a writer that
 * batches answers behind cursor saves needs a save for every answer; one that commits each answer on its own needs
 * none, and only a periodic save that happens to fall in that short moment shows one. That is counted per answer,
 * not over the whole test, so a slow (loaded) machine does not make a right writer look like a batching one.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EachAnswerCommittedIT {
    private static final int ANSWERS = 20;
    private static final Duration GUARD = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().stepping();
    private StrideProcess run;

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
    }

    @AfterEach
    void stop() {
        model.release();
        if (run != null) {
            run.close();
        }
    }

    @Test
    void aReaderSeesEachAnswerCommittedBeforeTheNextIsAnswered() throws Exception {
        Path input = questions(dir, "q.jsonl", ANSWERS);
        Path db = dir.resolve("runs.db");
        run = StrideProcess.start(dir, "run", List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}", "--log-every", "0",
                "--concurrency", "1", "--save-interval", "1000"));
        run.await("the first request", GUARD, () -> model.requestsOf(0) >= 1);

        Properties readOnly = new Properties();
        readOnly.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        Set<String> cursorSaves = new LinkedHashSet<>();
        int committedWithoutASave = 0;
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db, readOnly);
             Statement s = reader.createStatement()) {
            cursorSaves.add(look(s).savedAt());
            for (int n = 1; n <= ANSWERS; n++) {
                int asked = n;
                run.await("request " + asked, GUARD, () -> model.requestsOf(0) >= asked);
                assertThat(model.requestsOf(0)).as("requests asked while answer %d is held", n).isEqualTo(n);
                Look before = look(s);
                assertThat(before.done()).as("answers committed before answer %d is let go", n).isEqualTo(n - 1);
                cursorSaves.add(before.savedAt());

                model.releaseOne();
                run.await("answer " + asked + " committed", GUARD, () -> {
                    Look seen = look(s);
                    cursorSaves.add(seen.savedAt());
                    return seen.done() >= asked;
                });
                Look after = look(s);
                assertThat(after.done()).as("answers committed after answer %d", n).isEqualTo(n);
                if (after.savedAt().equals(before.savedAt())) {
                    committedWithoutASave++;
                }
            }
        }
        assertThat(committedWithoutASave).as("answers seen committed with no cursor save since they were let go (a"
                + " writer that waits for a cursor save to commit an answer has none)").isGreaterThan(ANSWERS / 2);
        assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
        assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'"
                + " AND output = 'echo: Q: question ' || substr(record_id, 2)")).isEqualTo(ANSWERS);
        System.out.printf(Locale.ROOT, "EachAnswerCommittedIT: %d answers, each seen committed by another connection"
                + " before the next was let go, %d of them with no cursor save in between; %d cursor saves"
                + " meanwhile%n", ANSWERS, committedWithoutASave, cursorSaves.size() - 1);
    }

    /** What the reader sees in one statement, so from one snapshot: answers done, and when the cursor was saved. */
    private record Look(long done, String savedAt) {
    }

    private static Look look(Statement s) {
        try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM predictions WHERE status = 'done'),"
                + " (SELECT saved_at FROM runs)")) {
            rs.next();
            return new Look(rs.getLong(1), rs.getString(2));
        } catch (SQLException e) {
            throw new AssertionError("the reader could not read the database", e);
        }
    }
}
