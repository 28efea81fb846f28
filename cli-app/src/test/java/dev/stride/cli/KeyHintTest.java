package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that answers 401 or 403 stops the run with a hint that says whether a key was sent, and from which
 * variable, but never the key: the server's "Unauthorized" is the same for a missing key and a wrong one.
 */
class KeyHintTest {
    /** What vLLM started with --api-key answers a request without the right key. */
    private static final String VLLM_401 = "{\"error\": \"Unauthorized\"}";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private int runs;

    private Cli.Result run(Map<String, String> env, int status, String... more) throws Exception {
        stride.model.answering(p -> FakeModelServer.json(status, VLLM_401));
        Path input = dir.resolve("two.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"prompt\":\"hello\"}\n{\"id\":\"b\",\"prompt\":\"world\"}\n");
        return new Cli(env).run(stride.run(input, dir.resolve("u" + ++runs + ".db")).noProgress().toArray(more));
    }

    @Test
    void noKeySentSaysSoAndWhereToPutOne() throws Exception {
        Cli.Result r = run(Map.of(), 401);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: stopped run 'm' because every request would fail the same way:"
                + " HTTP 401: Unauthorized (0/2 done and saved); no API key was sent (OPENAI_API_KEY is not set and no"
                + " --api-key-env was given): put the server's key in OPENAI_API_KEY, or name the variable that holds"
                + " it with --api-key-env VAR\n");
    }

    @Test
    void aRefusedKeyNamesItsVariableNeverItsValue() throws Exception {
        Cli.Result r = run(Map.of("OPENAI_API_KEY", "sk-wrong"), 401);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("HTTP 401: Unauthorized (0/2 done and saved); the API key in OPENAI_API_KEY"
                + " was sent and refused: check that it is this server's key (vLLM: its --api-key), or name the"
                + " variable that holds the right one with --api-key-env VAR").doesNotContain("sk-wrong");
        assertThat(stride.model.authorizations).contains("Bearer sk-wrong");

        Cli.Result own = run(Map.of("MY_KEY", "sk-mine"), 403, "--api-key-env", "MY_KEY");
        assertThat(own.err()).contains("HTTP 403").contains("; the API key in MY_KEY was sent and refused:")
                .doesNotContain("sk-mine");
    }

    @Test
    void aKeyInAHeaderIsNamedByTheHeader() throws Exception {
        Cli.Result r = run(Map.of("TOKEN", "t0k"), 401, "--header", "api-key: ${TOKEN}");
        assertThat(r.err()).contains("; no API key was sent, only --header api-key: check that header's value")
                .doesNotContain("t0k");
    }
}
