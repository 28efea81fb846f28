package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PropertyResourceBundle;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help is written once, in the bundles: whole in both languages, the annotations carry none of it, and the
 * bundles hold nothing that nobody reads.
 */
class MessagesTest {
    /** Put before every value a bundle file gives, so text that came from elsewhere shows by lacking it. */
    private static final String FROM_BUNDLE = "\u00a7";

    @Test
    void countsInTheRunsAdviceAreGroupedAsTheSummarysAre() {
        // "Rate-limited: 1169 of the 4169 requests" stood under "Requests: 4,169 sent" of the same summary.
        for (Messages m : List.of(Messages.ENGLISH, Messages.of(Locale.CHINESE))) {
            assertThat(m.get("msg.run.manyRefused.budget", 1169, 4169)).contains("1,169").contains("4,169");
            assertThat(m.get("msg.run.tooManyRequests", 1200)).contains("1,200");
            assertThat(m.get("msg.run.cutShort", 1200, "--max-tokens")).contains("1,200");
            assertThat(m.get("msg.run.unsaved", 1200)).contains("1,200");
        }
    }

    @Test
    void scoreCountsAreGroupedAsTheRunsAre() {
        // "20000 of 20000 correct" under a run that said "20,000/20,000 done".
        for (Messages m : List.of(Messages.ENGLISH, Messages.of(Locale.CHINESE))) {
            assertThat(m.get("msg.score.accuracy", "75.0%", "74.4%", "75.6%", 15000L, 20000L))
                    .contains("15,000").contains("20,000");
            assertThat(m.get("msg.score.counts", 20000L, 1200L, 20000L)).contains("20,000").contains("1,200");
            assertThat(m.get("msg.score.notScored", 1200L, 3400L)).contains("1,200").contains("3,400");
            assertThat(m.get("msg.score.live", "75.0%", 20000L)).contains("20,000");
            assertThat(m.get("msg.score.runSummary", "accuracy 75.0% (n=20,000)", "74.4%", "75.6%", 1200L, "choice",
                    "answer")).contains("1,200");
            assertThat(m.get("msg.detail.accuracyValue", "75.0%", "74.4%", "75.6%", 15000L, 20000L, 1200L, "choice",
                    "answer")).contains("15,000").contains("20,000").contains("1,200");
        }
    }

    @Test
    void bothBundlesHaveTheSameKeys() {
        assertThat(Messages.bundle(Locale.CHINESE).getLocale().getLanguage()).isEqualTo("zh");
        assertThat(Messages.bundle(Locale.ENGLISH).getLocale()).isEqualTo(Locale.ROOT);
        assertThat(file("zh").keySet()).isEqualTo(file("en").keySet());
    }

    /**
     * A key given twice in one file keeps its last value with no word: two branches that each added
     * msg.clear.interrupted, merged, made one of the two messages say the other's words.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/dev/stride/core/messages", "/dev/stride/db/messages", "/dev/stride/app/messages",
            "/dev/stride/cli/messages"})
    void noBundleFileGivesAKeyTwice(String bundle) throws IOException {
        for (String file : List.of(bundle + ".properties", bundle + "_zh.properties")) {
            Set<String> seen = new HashSet<>();
            List<String> twice = new ArrayList<>();
            try (InputStream in = MessagesTest.class.getResourceAsStream(file)) {
                assertThat(in).as(file).isNotNull();
                boolean continued = false;
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    String trimmed = line.strip();
                    boolean starts = !continued && !trimmed.isEmpty() && !trimmed.startsWith("#")
                            && !trimmed.startsWith("!");
                    continued = trimmed.endsWith("\\") && !trimmed.endsWith("\\\\");
                    if (starts) {
                        String key = trimmed.split("\\s*[=:]", 2)[0].strip();
                        if (!seen.add(key)) {
                            twice.add(key);
                        }
                    }
                }
            }
            assertThat(twice).as(file).isEmpty();
        }
    }

    @Test
    void everyMessageTakesTheSameArgumentsInBothLanguages() {
        ResourceBundle en = file("en");
        ResourceBundle zh = file("zh");
        for (String key : en.keySet()) {
            if (!key.startsWith("msg.")) {
                continue;
            }
            // The number of arguments a pattern takes: its highest index + 1 (the seed's Chinese start line leaves
            // out the run's name, {0}, as the seed did).
            int english = new MessageFormat(en.getString(key)).getFormatsByArgumentIndex().length;
            int chinese = new MessageFormat(zh.getString(key)).getFormatsByArgumentIndex().length;
            assertThat(chinese).as(key).isEqualTo(english);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"en", "zh"})
    void everyCommandOptionAndParameterHasItsHelpInTheBundle(String language) {
        CommandLine cl = commandLine(new Recording(language, FROM_BUNDLE));
        for (CommandSpec command : commands(cl.getCommandSpec())) {
            assertFromBundle(command.qualifiedName(), command.usageMessage().description());
            for (ArgSpec arg : visibleArgs(command)) {
                assertFromBundle(command.qualifiedName() + " " + name(arg), arg.description());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"en", "zh"})
    void everyKeyOfTheBundleIsRead(String language) throws IOException {
        Recording bundle = new Recording(language, "");
        CommandLine cl = commandLine(bundle);
        for (CommandSpec command : commands(cl.getCommandSpec())) {
            command.commandLine().usage(new PrintWriter(new StringWriter()), CommandLine.Help.Ansi.OFF);
        }
        String sources = mainSources();
        for (String key : bundle.file.keySet()) {
            if (key.startsWith("msg.")) {
                assertThat(sources).as("a message nothing prints").contains("\"" + key + "\"");
            } else {
                assertThat(bundle.asked).as("a help text no --help shows").contains(key);
            }
        }
    }

    @Test
    void theAnnotationsCarryNoHelpText() {
        CommandLine cl = StrideCommand.commandLine(sink(), sink(), context("C"));
        cl.setResourceBundle(null);
        for (CommandSpec command : commands(cl.getCommandSpec())) {
            if (!ownCommand(command)) {
                continue;
            }
            String name = command.qualifiedName();
            assertThat(command.usageMessage().description()).as(name).isEmpty();
            assertThat(command.usageMessage().header()).as(name).isEmpty();
            assertThat(command.usageMessage().footer()).as(name).isEmpty();
            if (!name.equals("stride") && !name.equals("stride run")) {
                assertThat(command.usageMessage().exitCodeList()).as(name).isEmpty();
            }
            for (ArgSpec arg : visibleArgs(command)) {
                if (!(arg instanceof CommandLine.Model.OptionSpec o && (o.usageHelp() || o.versionHelp()))) {
                    assertThat(arg.description()).as(name + " " + name(arg)).isEmpty();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "zh_CN.UTF-8"})
    void strideAndRunListEveryExitCodeInTheReadersLanguage(String lang) {
        CommandLine cl = StrideCommand.commandLine(sink(), sink(), context(lang));
        Map<String, String> every = ExitCodes.described(Messages.bundle(Messages.localeOf(Map.of("LANG", lang))));
        assertThat(every.keySet()).containsExactly("0", "1", "2", "3", "4", "5", "130");
        assertThat(cl.getCommandSpec().usageMessage().exitCodeList()).isEqualTo(every);
        assertThat(cl.getSubcommands().get("run").getCommandSpec().usageMessage().exitCodeList()).isEqualTo(every);
        String heading = lang.equals("C") ? "Exit codes:" : "退出码：";
        assertThat(usage(cl)).contains(heading, every.get("130"));
        // Its words before the colon: the rest is long enough to wrap.
        assertThat(usage(cl.getSubcommands().get("run"))).contains(heading, every.get("2").split("[:：]")[0]);
        assertThat(usage(cl.getSubcommands().get("sql"))).contains(heading);
    }

    /** Only the commands that send requests log them with -v; the others' help says what -v does for them. */
    @Test
    void verboseSpeaksOfHttpOnlyWhereRequestsAreSent() {
        CommandLine cl = StrideCommand.commandLine(sink(), sink(), context("C"));
        for (CommandSpec command : commands(cl.getCommandSpec())) {
            CommandLine.Model.OptionSpec verbose = command.findOption("--verbose");
            if (verbose == null) {
                continue;
            }
            String text = String.join(" ", verbose.description());
            assertThat(text).as(command.qualifiedName()).startsWith("Print stack traces with errors");
            boolean sends = Set.of("stride run", "stride demo").contains(command.qualifiedName());
            assertThat(text.contains("HTTP request")).as(command.qualifiedName() + ": " + text).isEqualTo(sends);
        }
    }

    @Test
    void aCommandWithoutExamplesOrExitCodesShowsNoHeadingForThem() {
        CommandLine cl = StrideCommand.commandLine(sink(), sink(), context("C"));
        String completion = usage(cl.getSubcommands().get("generate-completion"));
        assertThat(completion).doesNotContain("Examples:").doesNotContain("Exit codes:");
    }

    /** The README says every command's help lists its exit codes: a script's author reads them there. */
    @ParameterizedTest
    @ValueSource(strings = {"C", "zh_CN.UTF-8"})
    void everyCommandButCompletionListsItsExitCodes(String lang) {
        CommandLine cl = StrideCommand.commandLine(sink(), sink(), context(lang));
        String heading = lang.equals("C") ? "Exit codes:" : "退出码：";
        for (Map.Entry<String, CommandLine> command : cl.getSubcommands().entrySet()) {
            if (command.getKey().equals("generate-completion") || command.getKey().equals("help")) {
                continue;
            }
            Map<String, String> codes = command.getValue().getCommandSpec().usageMessage().exitCodeList();
            assertThat(codes).as(command.getKey()).isNotEmpty();
            assertThat(usage(command.getValue())).as(command.getKey()).contains(heading);
        }
    }

    @Test
    void theLanguageComesFromLcAllThenLcMessagesThenLang() {
        assertThat(Messages.localeOf(Map.of("LANG", "zh_CN.UTF-8"))).isEqualTo(Locale.CHINESE);
        assertThat(Messages.localeOf(Map.of("LANG", "zh_TW"))).isEqualTo(Locale.CHINESE);
        assertThat(Messages.localeOf(Map.of("LANG", "zh"))).isEqualTo(Locale.CHINESE);
        assertThat(Messages.localeOf(Map.of("LANG", "C"))).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.localeOf(Map.of("LANG", "en_US.UTF-8"))).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.localeOf(Map.of())).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.localeOf(Map.of("LANG", "zh_CN.UTF-8", "LC_ALL", "C"))).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.localeOf(Map.of("LANG", "en_US.UTF-8", "LC_MESSAGES", "zh_CN.UTF-8")))
                .isEqualTo(Locale.CHINESE);
        assertThat(Messages.localeOf(Map.of("LC_ALL", "", "LANG", "zh_CN.UTF-8"))).isEqualTo(Locale.CHINESE);
    }

    /**
     * One bundle file read alone: a key missing from messages_zh would otherwise be found in its English parent and
     * go unnoticed.
     */
    private static ResourceBundle file(String language) {
        String name = "/dev/stride/cli/messages" + (language.equals("en") ? "" : "_" + language) + ".properties";
        try (InputStream in = MessagesTest.class.getResourceAsStream(name)) {
            return new PropertyResourceBundle(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A command line as the process sets it up, reading its words from {@code bundle}. */
    private static CommandLine commandLine(Recording bundle) {
        CommandLine cl = StrideCommand.commandLine(sink(), sink(), context("C"));
        StrideCommand.configure(cl, sink(), sink(), bundle, true);
        return cl;
    }

    private static void assertFromBundle(String what, String[] description) {
        assertThat(description).as(what).isNotEmpty();
        for (String line : description) {
            assertThat(line).as(what).startsWith(FROM_BUNDLE);
        }
    }

    private static List<CommandSpec> commands(CommandSpec root) {
        List<CommandSpec> all = new ArrayList<>(List.of(root));
        for (CommandLine sub : root.subcommands().values()) {
            all.addAll(commands(sub.getCommandSpec()));
        }
        return all;
    }

    private static List<ArgSpec> visibleArgs(CommandSpec command) {
        return command.args().stream().filter(a -> !a.hidden()).toList();
    }

    private static String name(ArgSpec arg) {
        return arg instanceof CommandLine.Model.OptionSpec o ? o.longestName() : arg.paramLabel();
    }

    private static boolean ownCommand(CommandSpec command) {
        return command.userObject().getClass().getPackageName().equals(StrideCommand.class.getPackageName());
    }

    /** The main sources of this module, where every message key is written out as it is looked up. */
    private static String mainSources() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            return files.filter(f -> f.toString().endsWith(".java")).map(f -> {
                try {
                    return Files.readString(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        }
    }

    private static String usage(CommandLine cl) {
        StringWriter s = new StringWriter();
        cl.usage(new PrintWriter(s), CommandLine.Help.Ansi.OFF);
        return s.toString();
    }

    private static PrintWriter sink() {
        return new PrintWriter(new StringWriter());
    }

    private static CliContext context(String lang) {
        return new CliContext(onFirst -> () -> { }, Map.of("LANG", lang), Duration.ofMillis(5));
    }

    /** A bundle file that remembers every key it was asked for and marks what it answers with {@code mark}. */
    private static final class Recording extends ResourceBundle {
        final ResourceBundle file;
        final Set<String> asked = Collections.synchronizedSet(new TreeSet<>());
        private final String mark;
        private final Locale locale;

        Recording(String language, String mark) {
            this.file = file(language);
            this.mark = mark;
            this.locale = language.equals("en") ? Locale.ROOT : Locale.forLanguageTag(language);
        }

        @Override
        protected Object handleGetObject(String key) {
            if (!file.containsKey(key)) {
                return null;
            }
            asked.add(key);
            return mark + file.getString(key);
        }

        @Override
        public Enumeration<String> getKeys() {
            return Collections.enumeration(file.keySet());
        }

        @Override
        public Locale getLocale() {
            return locale;
        }
    }
}
