package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * A start builds only the command its first argument names (picocli building all of them cost 0.15 s of CPU before
 * a run's first request). What a user sees must not tell the two apart: the same help for every command and
 * subcommand, in both languages, and the same errors and exit codes.
 */
class OnlyTheNamedCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"en_US.UTF-8", "zh_CN.UTF-8"})
    void everyCommandsHelpIsTheSameWithOnlyThatCommandBuilt(String lang) {
        List<List<String>> paths = new ArrayList<>();
        commandPaths(every(lang), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(14);
        for (List<String> path : paths) {
            if (path.get(0).equals("help") || path.get(0).equals("generate-completion")) {
                continue;
            }
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            String[] line = args.toArray(String[]::new);
            CommandLine lazy = named(lang, line);
            assertThat(lazy.getSubcommands().keySet()).as("built for %s", args).containsOnlyOnce(path.get(0))
                    .hasSizeLessThanOrEqualTo(1 + aliases(path.get(0)));
            assertThat(printed(lazy, line)).as("%s", args).isEqualTo(printed(every(lang), line));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "run", "run --no-such-option", "run --concurrency", "status --db", "export --format nope",
            "sql", "run status", "clear --yes", "serve-sim --port x", "score", "compare a",
            "--version", "-V", "--version --help", "-V run", "run --version", "status -V", "", "nosuchcommand",
            "rnu --db x.db", "help run", "-h",
            "--no-such-option run", "generate-completion"})
    void errorsAndExitCodesAreTheSame(String args) {
        String[] line = args.isEmpty() ? new String[0] : args.split(" ");
        CommandLine lazy = named("en_US.UTF-8", line);
        CommandLine every = every("en_US.UTF-8");
        assertThat(run(lazy, line)).as(args).isEqualTo(run(every, line));
    }

    private static int aliases(String name) {
        return CommandNames.commandNamed(name).getAnnotation(CommandLine.Command.class).aliases().length;
    }

    private static void commandPaths(CommandLine cl, List<String> prefix, List<List<String>> into) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) {
                return; // an alias: the same command
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(name);
            into.add(path);
            commandPaths(sub, path, into);
        });
    }

    private static String printed(CommandLine cl, String[] args) {
        return run(cl, args).toString();
    }

    /** What a run of {@code cl} prints and returns; the writers are the ones the command line was built with. */
    private static List<Object> run(CommandLine cl, String[] args) {
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return List.of(code, ((Sink) cl.getOut()).text(), ((Sink) cl.getErr()).text());
    }

    private static CommandLine every(String lang) {
        return StrideCommand.commandLine(new Sink(), new Sink(), context(lang));
    }

    private static CommandLine named(String lang, String[] args) {
        return StrideCommand.commandLineFor(new Sink(), new Sink(), context(lang), args);
    }

    private static CliContext context(String lang) {
        // COLUMNS fixes the help's width whatever runs the test.
        return new CliContext(onFirst -> () -> { }, Map.of("LANG", lang, "COLUMNS", "100"), Duration.ofMillis(5));
    }

    private static final class Sink extends PrintWriter {
        private final StringWriter text;

        Sink() {
            this(new StringWriter());
        }

        private Sink(StringWriter text) {
            super(text, true);
            this.text = text;
        }

        String text() {
            return text.toString();
        }
    }

}
