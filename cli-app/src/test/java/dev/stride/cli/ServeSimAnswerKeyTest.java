package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve-sim refuses a bad answer key or accuracy in one line, exit 2, before it listens. */
class ServeSimAnswerKeyTest {
    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    @Test
    void badKeysAndAccuraciesAreOneLineAndExitTwo() throws Exception {
        Path key = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
        Path unlabelled = dir.resolve("unlabelled.jsonl");
        Files.writeString(unlabelled, "{\"id\": \"1\", \"question\": \"Why?\"}\n");

        assertRefused(cli.run("serve-sim", "--port", "0", "--accuracy", "m=0.5"), "--accuracy needs --answer-key");
        assertRefused(cli.run("serve-sim", "--port", "0", "--answer-key", dir.resolve("none.jsonl").toString()),
                "no such file");
        assertRefused(cli.run("serve-sim", "--port", "0", "--answer-key", unlabelled.toString()),
                "no record has both the question field 'question' and the label field 'answer'");
        assertRefused(cli.run("serve-sim", "--port", "0", "--answer-key", key.toString(), "--accuracy", "m=1.5"),
                "--accuracy must be between 0 and 1, got 1.5");
        assertRefused(cli.run("serve-sim", "--port", "0", "--answer-key", key.toString(), "--accuracy", "m=most"),
                "--accuracy most: write MODEL=RATE");
        assertRefused(cli.run("serve-sim", "--port", "0", "--answer-key", key.toString(), "--accuracy", "=0.5"),
                "--accuracy =0.5: write MODEL=RATE");
    }

    private static void assertRefused(Cli.Result r, String message) {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err().strip()).contains(message).doesNotContain("\n").doesNotContain("Exception");
    }
}
