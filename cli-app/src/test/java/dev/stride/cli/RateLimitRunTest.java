package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Outcome;
import dev.stride.sim.RateBudget;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --rpm}, {@code --tpm} and the server's rate-limit headers, against the simulator enforcing a hosted API's
 * budget. Counted, never timed: how many requests the server refused, and that every record was done in one attempt.
 */
@Timeout(300)
class RateLimitRunTest {

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @TempDir
    Path dir;

    /**
     * A budget of which a second's worth can be spent at once (it refuses bursts); without headers, like a gateway
     * that says nothing until it refuses, so that only the user's --rpm or --tpm can keep a run within it.
     */
    private static Simulator server(long rpm, long tpm, boolean headers) throws Exception {
        return new Simulator(SimulatorSettings.builder()
                .rateBudget(new RateBudget(rpm, tpm, Duration.ofSeconds(1), headers)).build()).start(0);
    }

    private Cli.Result run(Simulator sim, Path input, Path db, String... more) {
        String[] base = {"run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", sim.url(),
            "--concurrency", "16", "--log-every", "0", "--max-tokens", "20", "--template", "{{question}}"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return stride.cli.run(args);
    }

    private static long doneInOneAttempt(Path db) throws Exception {
        return Datasets.count(db, "SELECT count(*) FROM predictions WHERE status = 'done' AND attempts = 1");
    }

    @Test
    void withTheServersRpmNothingIsRefused() throws Exception {
        // 20 a second, far below what the client does unpaced even on a loaded machine.
        Path input = Datasets.questions(dir, "q.jsonl", 150);
        Path db = dir.resolve("rpm.db");
        try (Simulator sim = server(1200, 0, false)) {
            Cli.Result r = run(sim, input, db, "--rpm", "1200");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(sim.stats().count(Outcome.RATE_LIMITED)).isZero();
            assertThat(sim.stats().count(Outcome.OK)).isEqualTo(150);
            assertThat(r.out()).as(r.all()).doesNotContain("Rate-limited:");
        }
        assertThat(doneInOneAttempt(db)).isEqualTo(150);
    }

    @Test
    void theProgressLineSaysWhenRequestsWaitForTheRateLimit() throws Exception {
        // 10 a second, 16 in flight: after the first burst most requests are held at the gate, for some 10 s.
        Path input = Datasets.questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("waiting.db");
        try (Simulator sim = server(600, 0, false)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                    "--base-url", sim.url(), "--concurrency", "16", "--log-every", "1s", "--max-tokens", "20",
                    "--template", "{{question}}", "--rpm", "600");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out()).as(r.all()).containsPattern("in flight \\d+ \\(limit 16\\), \\d+ waiting for the rate limit");
        }
    }

    @Test
    void withTheServersTpmNothingIsRefused() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("tpm.db");
        // 1,000 tokens a second; a request costs about 25 (its prompt and an answer cut at 20).
        try (Simulator sim = server(0, 60_000, false)) {
            Cli.Result r = run(sim, input, db, "--tpm", "60000");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(sim.stats().count(Outcome.RATE_LIMITED)).isZero();
        }
        assertThat(doneInOneAttempt(db)).isEqualTo(200);
    }

    @Test
    void withoutRpmTheHeadersKeepRefusalsFewAndCostNoRetries() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("headers.db");
        try (Simulator sim = server(1200, 0, true)) {
            Cli.Result r = run(sim, input, db);
            assertThat(r.exitCode()).as(r.all()).isZero();
            long refused = sim.stats().count(Outcome.RATE_LIMITED);
            // The first second's bucket (20) goes at full speed; after that the headers pace the run. Refusals are
            // few (1 to 9 of 200 measured; unpaced, the same client is refused hundreds of times), and the gate
            // waits them out: no record spends a retry on one.
            assertThat(refused).as("429s of %s", sim.stats().summary()).isLessThanOrEqualTo(20);
            assertThat(r.out()).as(r.all()).contains(" 0 retries, 0 redundant");
            // Fewer than one request in ten refused: not worth a word beyond the summary's count.
            assertThat(r.out()).as(r.all()).doesNotContain("Rate-limited:");
            // Each refusal the gate sent again is one more of its record's attempts: they add up to the requests.
            assertThat(Datasets.count(db, "SELECT sum(attempts) FROM predictions WHERE status = 'done'"))
                    .isEqualTo(sim.stats().requests()).isEqualTo(200 + refused);
        }
    }

    @Test
    void withoutHeadersOrABudgetARecordWaitsItsTurnInsteadOfFailing() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("silent.db");
        // 50 tokens a second, about two requests of 25; 16 in flight, and nothing says the budget but the 429s. Each
        // record's retries would be spent in some 8 s of refusals, and some records were (3 of 30 at 8 in flight):
        // now a 429 while others get through costs no retry.
        try (Simulator sim = server(0, 3_000, false)) {
            Cli.Result r = run(sim, input, db);
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(sim.stats().count(Outcome.RATE_LIMITED)).as(sim.stats().summary()).isPositive();
            assertThat(r.out()).as(r.all()).contains("rate-limited (429) and sent again");
            // Most of its requests were refused: said once, under the summary, with what sends fewer in vain.
            assertThat(refusalAdvice(r, sim)).isEqualTo("to keep to the budget, give it as --rpm N or --tpm N (split"
                    + " among the workers that share it), or --concurrency auto to send fewer");
        }
        assertThat(Datasets.count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(30);
    }

    @Test
    void manyRefusalsAreSaidWithAdviceThatFitsTheSessionsSettings() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 20);
        // Auto already sends fewer: only a budget of the user's keeps to the server's.
        try (Simulator sim = server(0, 6_000, false)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("auto.db").toString(),
                    "--model", "m", "--base-url", sim.url(), "--concurrency", "auto", "--log-every", "0",
                    "--max-tokens", "20", "--template", "{{question}}");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(refusalAdvice(r, sim)).isEqualTo("to keep to the budget, give it as --rpm N or --tpm N (split"
                    + " among the workers that share it)");
        }
        // A budget given, far over the server's (100 a second against its 10, which the first 16 sent together
        // overrun on any machine): a lower one.
        try (Simulator sim = server(600, 0, false)) {
            Cli.Result r = run(sim, input, dir.resolve("over.db"), "--rpm", "6000");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(refusalAdvice(r, sim)).isEqualTo("to keep to the budget, give a lower --rpm or --tpm (split"
                    + " among the workers that share it)");
        }
    }

    /**
     * The advice of the one "Rate-limited:" line under the summary, after checking its counts against the server's
     * (its 429s; every request it got, as the summary's "sent") and that they are at least one refusal in ten.
     */
    private static String refusalAdvice(Cli.Result r, Simulator sim) {
        List<String> said = r.out().lines().filter(line -> line.startsWith("Rate-limited: ")).toList();
        assertThat(said).as(r.all()).hasSize(1);
        long refused = sim.stats().count(Outcome.RATE_LIMITED);
        long sent = sim.stats().requests();
        assertThat(r.out()).as(r.all()).contains("Requests:  " + sent + " sent, ");
        assertThat(refused * 10).as(r.all()).isGreaterThanOrEqualTo(sent);
        String head = "Rate-limited: " + refused + " of the " + sent + " requests sent were answered 429 (too many"
                + " requests); ";
        assertThat(said.get(0)).as(r.all()).startsWith(head);
        return said.get(0).substring(head.length());
    }

    @Test
    void badLimitsAreOneLineAndUsageErrors() {
        for (String[] bad : new String[][] {{"--rpm", "0"}, {"--tpm", "-5"}, {"--rpm", "lots"}}) {
            Cli.Result r = stride.cli.run("run", "q.jsonl", "--db", dir.resolve("x.db").toString(), "--model", "m",
                    "--base-url", "http://127.0.0.1:9/v1", bad[0], bad[1]);
            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
            String first = r.err().lines().findFirst().orElse("");
            assertThat(first).startsWith("stride: ").contains(bad[0]).contains(bad[1]);
            assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(dir.resolve("x.db")).doesNotExist();
    }
}
