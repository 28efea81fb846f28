package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that takes no more requests for now (its quota spent, or a wait asked beyond the 120 s stride waits)
 * stops the run with a line that says so and that the same command goes on later: not that every request would fail.
 */
class StoppedUntilLaterTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Cli.Result runAgainst(MockResponse refusal) throws Exception {
        stride.model.answering(p -> refusal);
        Path input = dir.resolve("two.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"prompt\":\"hello\"}\n{\"id\":\"b\",\"prompt\":\"world\"}\n");
        return new Cli().run(stride.run(input, dir.resolve("runs.db")).noProgress().toArray());
    }

    @Test
    void aWaitAskedBeyondStridesSaysComeBackLaterNotThatEveryRequestWouldFail() throws Exception {
        Cli.Result r = runAgainst(new MockResponse.Builder().code(429).setHeader("Retry-After", "200")
                .setHeader("Content-Type", "application/json")
                .body("{\"error\":{\"message\":\"Rate limit reached for requests\"}}").build());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).isEqualTo("stride: stopped run 'm': the server takes no more requests for now: HTTP 429:"
                + " Rate limit reached for requests (server asks to wait 200 s) (0/2 done and saved); a quota spent or"
                + " a wait asked beyond the 120 s stride waits: nothing was marked failed, run the same command again"
                + " once the server takes requests\n");
    }

    /** An upstream's maintenance: a 5xx whose wait is beyond stride's is the server's to pass, so a script reruns. */
    @Test
    void aServerErrorAskingAWaitBeyondStridesExitsOneForLater() throws Exception {
        Cli.Result r = runAgainst(new MockResponse.Builder().code(502).setHeader("Retry-After", "3600")
                .setHeader("Content-Type", "application/json")
                .body("{\"error\":{\"message\":\"upstream maintenance\"}}").build());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("HTTP 502: upstream maintenance (server asks to wait 3600 s)");
    }

    @Test
    void aSpentQuotaSaysTheSame() throws Exception {
        Cli.Result r = runAgainst(FakeModelServer.json(429, "{\"error\":{\"message\":\"You exceeded your current"
                + " quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}"));

        assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).startsWith("stride: stopped run 'm': the server takes no more requests for now: HTTP 429:")
                .contains("(0/2 done and saved); a quota spent").doesNotContain("every request would fail");
    }
}
