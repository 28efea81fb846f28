package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride clear} as a process, the way a user or a script meets it: without a terminal it deletes nothing
 * unless given {@code --yes}; on a real terminal (a pseudo-terminal made by util-linux {@code script}) it asks, and
 * only a yes, typed in the reader's language, deletes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClearAsksIT {
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path db;

    /** A finished run 'm' of 10 answers. */
    @BeforeEach
    void oneRun() throws Exception {
        db = dir.resolve("runs.db");
        Cli.Result run = stride.run(questions(dir, "q.jsonl", 10), db).template("{{question}}").with();
        assertThat(run.exitCode()).as(run.all()).isZero();
    }

    @Test
    void withoutATerminalItDeletesNothingUnlessGivenYes() throws Exception {
        StrideProcess refused = StrideProcess.start(dir, "refused", List.of("clear", "--db", db.toString(), "--all"));
        assertThat(refused.waitForExit(LONG)).as(refused.transcript()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).isEqualTo("stride: clear would delete run 'm' (10 answers, 0 failed, 0 pending) from "
                + db + ", and there is no terminal to ask: add --yes to go on\n");
        assertThat(count(db, "SELECT done FROM progress WHERE run = 'm'")).isEqualTo(10);

        StrideProcess yes = StrideProcess.start(dir, "yes", List.of("clear", "--db", db.toString(), "--all", "--yes"));
        assertThat(yes.waitForExit(LONG)).as(yes.transcript()).isZero();
        assertThat(yes.out()).contains("Cleared 1 run from " + db);
        assertThat(count(db, "SELECT count(*) FROM runs")).isZero();
    }

    @Test
    void onATerminalItAsksAndOnlyYesDeletes() throws Exception {
        RequiredTool.require("the question clear asks on a terminal (util-linux script makes the terminal)", "script",
                "--version");

        Typed no = onTerminal("C.UTF-8", "no\n");
        assertThat(no.exitCode()).as(no.screen()).isEqualTo(1);
        assertThat(no.screen()).contains("This deletes run 'm' (10 answers, 0 failed, 0 pending) from " + db
                + ". Type yes to go on: ").contains("Nothing deleted: " + db + " is as it was");
        Typed endOfInput = onTerminal("C.UTF-8", "");
        assertThat(endOfInput.exitCode()).as(endOfInput.screen()).isEqualTo(1);
        assertThat(count(db, "SELECT done FROM progress WHERE run = 'm'")).isEqualTo(10);

        // The answer is read as UTF-8, whatever locales the machine has installed.
        Typed shi = onTerminal("zh_CN.UTF-8", "是\n");
        assertThat(shi.exitCode()).as(shi.screen()).isZero();
        assertThat(shi.screen()).contains("这将从 " + db + " 删除任务 'm'（10 条答案，失败 0 条，待处理 0 条）。")
                .contains("已从 " + db + " 清除任务 'm'");
        assertThat(count(db, "SELECT count(*) FROM runs")).isZero();
    }

    /** What a terminal showed and how the command ended. */
    record Typed(int exitCode, String screen) {
    }

    /** Runs {@code stride clear --db DB --run m} on a pseudo-terminal where {@code typed} is typed, then Ctrl+D. */
    private Typed onTerminal(String lang, String typed) throws IOException, InterruptedException {
        String command = StrideProcess.javaCommand(List.of("clear", "--db", db.toString(), "--run", "m")).stream()
                .map(ClearAsksIT::quoted).collect(Collectors.joining(" "));
        Path screen = dir.resolve("screen-" + System.nanoTime() + ".txt");
        ProcessBuilder builder = new ProcessBuilder("script", "-qec", command, "/dev/null").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(screen.toFile());
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("_JAVA_OPTIONS");
        builder.environment().remove("LC_ALL");
        builder.environment().remove("LC_MESSAGES");
        builder.environment().put("LANG", lang);
        Process process = builder.start();
        try (OutputStream keys = process.getOutputStream()) {
            keys.write(typed.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(process.waitFor(LONG.toSeconds(), TimeUnit.SECONDS)).as("script ends").isTrue();
        return new Typed(process.exitValue(), Files.readString(screen, StandardCharsets.UTF_8));
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
