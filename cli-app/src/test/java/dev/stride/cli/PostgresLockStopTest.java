package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An administrator's {@code LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE} while {@code stride run} writes its
 * answers to PostgreSQL: the progress says the run waits for a lock, and the run goes on once it is let go; a Ctrl+C
 * meanwhile ends the run after its grace, the lock still held, with the line that counts the answers not saved.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresLockStopTest {
    private static final String WAITING = "waiting for a lock on PostgreSQL ";
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private final CountDownLatch toldWaiting = new CountDownLatch(1);
    private final Cli cli = new Cli(Map.of("LANG", "en_US.UTF-8")).watchingOut(text -> {
        if (text.contains(WAITING)) {
            toldWaiting.countDown();
        }
    });
    private Connection admin;

    @BeforeEach
    void tables() throws Exception {
        PostgresCheckpointStore.open(PG.location()).close(); // the tables to lock
    }

    @Test
    void aRunWaitsForALockSaysSoAndFinishesOnceItIsLetGo() throws Exception {
        CompletableFuture<Cli.Result> running = runLockedAtTheFirstAnswer("--log-every", "1s");
        Cli.Result r;
        try {
            toldWaiting.await();
            assertThat(running).as("the run, waiting for the lock").isNotDone();
        } finally {
            admin.commit();
            r = running.get(2, TimeUnit.MINUTES);
            admin.close();
        }

        assertThat(r.exitCode()).as(r.all()).isZero();
        String server = PG.location().hostAndPort();
        assertThat(r.out()).contains(WAITING + server + " that another session holds (another stride command syncing"
                + " a changed input or clearing, LOCK TABLE, VACUUM FULL, a long transaction?) for ")
                .contains(": the lock on PostgreSQL " + server + " was let go after ");
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(10);
    }

    @Test
    void aStopWhileALockIsHeldEndsAfterItsGraceWithTheAnswersNotSavedCounted() throws Exception {
        CompletableFuture<Cli.Result> running = runLockedAtTheFirstAnswer("--log-every", "1s", "-v");
        Cli.Result r;
        try {
            toldWaiting.await();
            assertThat(cli.pressCtrlC()).isTrue();
            // The run ends while the lock is still held: the admin's transaction stays open until after.
            r = running.get(2, TimeUnit.MINUTES);
            try (Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND mode ="
                         + " 'AccessExclusiveLock' AND relation = 'predictions'::regclass")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the lock, still held").isEqualTo(1);
            }
        } finally {
            admin.commit();
            admin.close();
        }

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(r.err()).contains("stopped without waiting longer for a lock that another session holds on the"
                + " PostgreSQL server at " + PG.location().hostAndPort());
        assertThat(r.err()).as("-v: why the wait ended").contains("the stop's grace is over");
        Matcher unsaved = Pattern.compile("(\\d+) answers? received could not be saved").matcher(r.err());
        assertThat(unsaved.find()).as(r.err()).isTrue();
        // The lock came before the first answer: nothing was saved, and every answer received is counted as not.
        assertThat(count("SELECT count(*) FROM predictions")).isZero();
        assertThat(Integer.parseInt(unsaved.group(1))).isEqualTo(stride.model.requests.get()).isPositive();

        // Asked again next time: the next run answers all 10.
        Cli.Result again = new Cli().run("run", input().toString(), "--db", PG.url(), "--model", "m", "--base-url",
                stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(10);
    }

    /**
     * {@code stride run} of 10 questions, started; the administrator's lock on predictions is taken as the model
     * answers its first request, so the run's first save waits for it.
     */
    private CompletableFuture<Cli.Result> runLockedAtTheFirstAnswer(String... more) throws Exception {
        admin = PG.connect();
        admin.setAutoCommit(false);
        CountDownLatch locked = new CountDownLatch(1);
        stride.model.answering(prompt -> {
            synchronized (this) {
                if (locked.getCount() > 0) {
                    try (Statement st = admin.createStatement()) {
                        st.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    locked.countDown();
                }
            }
            return null;
        });
        Path input = input();
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", PG.url(), "--model", "m",
                "--base-url", stride.url(), "--template", "{{question}}", "--concurrency", "4"));
        args.addAll(List.of(more));
        return CompletableFuture.supplyAsync(() -> cli.run(args.toArray(String[]::new)));
    }

    private Path input() throws Exception {
        Path input = dir.resolve("q.jsonl");
        return java.nio.file.Files.exists(input) ? input : questions(dir, "q.jsonl", 10);
    }

    private int count(String sql) throws Exception {
        try (Connection c = PG.connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
