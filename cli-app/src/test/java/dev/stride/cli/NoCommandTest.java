package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;

/** {@code stride} without a command names every command, in both languages, however many are added later. */
class NoCommandTest {
    private static final List<String> EVERY_COMMAND = List.of("run", "status", "clear", "export", "sql", "demo",
            "serve-sim", "snapshot", "copy", "merge", "score", "compare", "dashboard", "report");

    @Test
    void theLineNamesEveryCommandOfTheCommandLine() {
        Cli.Result none = new Cli(Map.of("LANG", "en_US.UTF-8")).run();

        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        String line = none.err().lines().findFirst().orElseThrow();
        assertThat(line).isEqualTo("stride: name a command: run, status, clear, export, sql, demo, serve-sim,"
                + " snapshot, copy, merge, score, compare, dashboard or report");
        // Taken from the command line itself: each of its commands is in the line.
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        CommandSpec root = StrideCommand.commandLine(nowhere, nowhere,
                new CliContext(onFirst -> () -> { }, Map.of(), Duration.ofMillis(5))).getCommandSpec();
        assertThat(StrideCommand.commandNames(root)).containsExactlyElementsOf(EVERY_COMMAND);
        for (String command : root.subcommands().keySet()) {
            if (!command.equals("help") && !command.equals("generate-completion")) {
                assertThat(line).as(command).containsPattern("[ ,]" + command + "(,| or|$)");
            }
        }
    }

    @Test
    void inChineseToo() {
        Cli.Result none = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run();

        assertThat(none.err().lines().findFirst().orElseThrow()).isEqualTo("stride: 请指定一个命令：run、status、clear、"
                + "export、sql、demo、serve-sim、snapshot、copy、merge、score、compare、dashboard 或 report");
    }
}
