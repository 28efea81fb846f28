package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The set-up done beside the parsing: a command never runs beside it (jOOQ would deadlock), a parse error does not
 * wait for it, and a set-up that fails leaves the command to run as it would have, without a word of its own.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a broken wait fails, not hangs
class StartAheadTest {
    private static final Duration GUARD = Duration.ofSeconds(30);

    @Command(name = "status")
    static final class Recorded implements java.util.concurrent.Callable<Integer> {
        private final List<String> order;

        @Option(names = "--db")
        String db;

        Recorded(List<String> order) {
            this.order = order;
        }

        @Override
        public Integer call() {
            order.add("command");
            return 0;
        }
    }

    @Test
    void theCommandRunsOnlyOnceTheSetUpIsOver() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch release = new CountDownLatch(1);
        StartAhead ahead = StartAhead.begin(List.of("status"), () -> {
            awaitQuietly(release);
            order.add("set up");
        });
        CommandLine cl = new CommandLine(new Recorded(order));
        ahead.holdCommandsOf(cl);
        AtomicInteger exit = new AtomicInteger(-1);
        Thread caller = new Thread(() -> exit.set(cl.execute("--db", "x.db")));
        caller.start();

        Eventually.until("the command line parsed, then waiting or done", GUARD,
                () -> caller.getState() == Thread.State.WAITING || caller.getState() == Thread.State.TERMINATED);
        assertThat(order).as("nothing of the command while the set-up runs").isEmpty();
        release.countDown();
        caller.join(GUARD.toMillis());
        assertThat(order).containsExactly("set up", "command");
        assertThat(exit).hasValue(0);
    }

    @Test
    void aParseErrorDoesNotWaitForTheSetUp() {
        CountDownLatch never = new CountDownLatch(1);
        StartAhead ahead = StartAhead.begin(List.of("status"), () -> awaitQuietly(never));
        List<String> order = new ArrayList<>();
        CommandLine cl = new CommandLine(new Recorded(order));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        ahead.holdCommandsOf(cl);

        assertThat(cl.execute("--no-such-option")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--no-such-option");
        assertThat(order).isEmpty();
        never.countDown();
    }

    @Test
    void aFailedSetUpSaysNothingAndTheCommandStillRuns() throws Exception {
        List<Throwable> uncaught = Collections.synchronizedList(new ArrayList<>());
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        try {
            StartAhead ahead = StartAhead.begin(List.of("status"), () -> {
                throw new IllegalStateException("no native library here");
            });
            List<String> order = new ArrayList<>();
            CommandLine cl = new CommandLine(new Recorded(order));
            ahead.holdCommandsOf(cl);

            assertThat(cl.execute("--db", "x.db")).isZero();
            assertThat(order).containsExactly("command");
            assertThat(uncaught).isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "run in.jsonl --db r.db --model m | true",
            "status --db r.db                 | true",
            "--no-color status                | true",
            "serve-sim --port 0               | false",
            "help run                         | false",
            "run --help                       | false",
            "status -h                        | false",
            "--version                        | false",
            "-V                               | false",
            "''                               | false"})
    void onlyCommandsThatMayOpenADatabaseAreSetUpFor(String line, boolean setUp) {
        List<String> args = line.isEmpty() ? List.of() : List.of(line.trim().split(" +"));
        assertThat(StartAhead.opensDatabase(args)).as(line).isEqualTo(setUp);
    }

    @Test
    void aCommandWithoutADatabaseWaitsForNothing() {
        CountDownLatch never = new CountDownLatch(1);
        StartAhead ahead = StartAhead.begin(List.of("serve-sim", "--port", "0"), () -> awaitQuietly(never));
        List<String> order = new ArrayList<>();
        CommandLine cl = new CommandLine(new Recorded(order));
        ahead.holdCommandsOf(cl);

        assertThat(cl.execute()).isZero();
        assertThat(order).containsExactly("command");
        never.countDown();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
