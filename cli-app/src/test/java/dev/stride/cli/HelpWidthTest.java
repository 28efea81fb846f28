package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Help fills the reader's terminal (COLUMNS; 80 when nothing says), and is wrapped only at spaces: no URL is cut in
 * two, and each line of the examples is printed whole.
 */
class HelpWidthTest {
    private static final List<String> COMMANDS = List.of("", "run", "status", "clear", "export", "sql", "demo",
            "serve-sim", "snapshot");
    private static final Pattern URL = Pattern.compile("https?://[A-Za-z0-9.:/_~?=&%-]+");

    @ParameterizedTest
    @ValueSource(strings = {"en_US.UTF-8", "zh_CN.UTF-8"})
    void narrowHelpKeepsEveryUrlAndExampleLineWholeAndTheRestWithinTheWidth(String lang) {
        for (String command : COMMANDS) {
            String help = help(command, lang, "60");

            assertThat(urls(help)).as(command).isEqualTo(urls(help(command, lang, "1000")));
            List<String> examples = examples(command, lang);
            assertThat(help.lines().toList()).as(command).containsAll(examples);
            for (String line : help.lines().toList()) {
                if (!examples.contains(line)) {
                    assertThat(TextWidth.of(line)).as(command + ": " + line).isLessThanOrEqualTo(60);
                }
            }
        }
        // The line that was cut at "http:" before.
        assertThat(help("run", lang, "60")).contains("http://localhost:8000/v1", "http://localhost:11434");
    }

    @ParameterizedTest
    @ValueSource(strings = {"en_US.UTF-8", "zh_CN.UTF-8"})
    void wideHelpUsesTheWidth(String lang) {
        for (String command : List.of("", "run", "status")) {
            String help = help(command, lang, "200");

            assertThat(help.lines().mapToInt(TextWidth::of).max().orElseThrow()).as(command)
                    .isGreaterThan(120).isLessThanOrEqualTo(200);
            assertThat(urls(help)).as(command).isEqualTo(urls(help(command, lang, "1000")));
            assertThat(help.lines().toList()).as(command).containsAll(examples(command, lang));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "wide", "-3"})
    void withoutAWidthHelpIsEightyColumnsWide(String columns) {
        String help = help("run", "en_US.UTF-8", columns.isEmpty() ? null : columns);
        List<String> examples = examples("run", "en_US.UTF-8");

        assertThat(help.lines().filter(l -> !examples.contains(l))
                .mapToInt(TextWidth::of).max().orElseThrow()).isBetween(70, 80);
        assertThat(help).contains("http://localhost:8000/v1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"20", "54"})
    void aTerminalNarrowerThanPicocliCanLayOutGetsItsNarrowestHelp(String columns) {
        String help = help("run", "en_US.UTF-8", columns);
        List<String> examples = examples("run", "en_US.UTF-8");

        assertThat(help.lines().filter(l -> !examples.contains(l))
                .mapToInt(TextWidth::of).max().orElseThrow()).isLessThanOrEqualTo(UsageHelp.MIN_WIDTH);
        assertThat(help).contains("http://localhost:8000/v1");
    }

    /** {@code stride COMMAND --help} as printed with this language and COLUMNS (null: unset). */
    private static String help(String command, String lang, String columns) {
        Map<String, String> env = new HashMap<>(Map.of("LANG", lang, "NO_COLOR", "1"));
        if (columns != null) {
            env.put("COLUMNS", columns);
        }
        Cli.Result r = new Cli(env).run(command.isEmpty() ? new String[] {"--help"} : new String[] {command, "--help"});
        assertThat(r.exitCode()).isZero();
        return r.out();
    }

    /** The example lines of a command's help, as its bundle has them. */
    private static List<String> examples(String command, String lang) {
        CliContext context = new CliContext(onFirst -> () -> { }, Map.of("LANG", lang), Duration.ZERO);
        CommandLine root = StrideCommand.commandLine(new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), context);
        CommandLine cl = command.isEmpty() ? root : root.getSubcommands().get(command);
        List<String> lines = new ArrayList<>();
        for (String line : cl.getCommandSpec().usageMessage().footer()) {
            lines.add(String.format(line).stripTrailing());
        }
        assertThat(lines).as(command).isNotEmpty();
        return lines;
    }

    private static Set<String> urls(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = URL.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }
}
