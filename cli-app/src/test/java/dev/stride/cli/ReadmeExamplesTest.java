package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.Shard;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README's commands work as written: every input a {@code stride run} of the README reads is a file of the
 * repository (examples/), unless it is plainly the reader's own ({@code your-...}) or the README shows the command
 * failing; every such command runs (as a dry run, and the multiple-choice one for real against the simulator, scored
 * by the README's own SQL).
 */
class ReadmeExamplesTest {
    /** The project's root: Surefire runs the tests in cli-app. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static List<Command> commands;

    /** The keys the README's commands read from the environment; none may end up in a file or a printed line. */
    private static final Map<String, String> GATEWAY_KEYS = Map.of("OPENAI_API_KEY", "sk-test",
            "AZURE_OPENAI_API_KEY", "azKey4410", "OPENROUTER_API_KEY", "orKey8127");

    @TempDir
    Path dir;

    /** One command line of the README, its continuation lines joined, as the shell splits it. */
    record Command(List<String> words, boolean shownFailing) {
        /** The words after {@code stride}: {@code ["run", "examples/q.jsonl", "--db", ...]}. */
        List<String> args() {
            int stride = words.indexOf("./stride");
            int end = words.size();
            // A command the README sends to the background ends in '&', which is the shell's, not stride's.
            if (end > stride + 1 && words.get(end - 1).equals("&")) {
                end--;
            }
            return words.subList(stride + 1, end);
        }

        boolean isRun() {
            List<String> args = args();
            return !args.isEmpty() && args.get(0).equals("run");
        }

        @Override
        public String toString() {
            return String.join(" ", words);
        }
    }

    @BeforeAll
    static void readTheReadme() throws Exception {
        commands = ReadmeCommands.of(Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8));
    }

    @Test
    void everyInputTheReadmeRunsIsAFileOfTheRepositoryOrPlainlyTheReaders() {
        List<String> missing = new ArrayList<>();
        int examples = 0;
        for (Command c : runs()) {
            String input = input(c.args());
            if (input == null || input.equals("-") || input.startsWith("your") || c.shownFailing()) {
                continue;
            }
            examples += input.startsWith("examples/") ? 1 : 0;
            if (!Files.isRegularFile(ROOT.resolve(input))) {
                missing.add(input + " in: " + c);
            }
        }
        assertThat(missing).isEmpty();
        assertThat(examples).isGreaterThanOrEqualTo(8);
    }

    @Test
    void everyExampleFileIsUsedByTheReadmeAndTheQuestionsAreTheDemos() throws Exception {
        TreeSet<String> used = new TreeSet<>();
        runs().forEach(c -> used.add(String.valueOf(input(c.args()))));
        try (Stream<Path> files = Files.list(ROOT.resolve("examples"))) {
            assertThat(used).containsAll(files.map(f -> "examples/" + f.getFileName()).toList());
        }
        try (InputStream demo = DemoCommand.class.getResourceAsStream("/demo/medical-questions.jsonl")) {
            assertThat(Files.readAllBytes(ROOT.resolve("examples/questions.jsonl"))).isEqualTo(demo.readAllBytes());
        }
    }

    /** The records of a JSONL file whose id is in {@code shard}: what a run with {@code --shard} reads. */
    private static long inShard(Path jsonl, Shard shard) {
        try {
            ObjectMapper json = new ObjectMapper();
            long n = 0;
            for (String line : Files.readAllLines(jsonl)) {
                if (!line.isBlank() && shard.holds(json.readTree(line).get("id").asText())) {
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyReadmeRunOfAnExampleReadsAllItsRecordsAsADryRun() {
        Cli cli = new Cli(GATEWAY_KEYS);
        int n = 0;
        for (Command c : runs()) {
            String input = input(c.args());
            if (input == null || !input.startsWith("examples/")) {
                continue;
            }
            Path db = dir.resolve("dry-" + n++ + ".db");
            List<String> args = withDb(inRepository(c.args()), db);
            args.add("--dry-run");

            Cli.Result r = cli.run(args.toArray(String[]::new));

            long records = lines(ROOT.resolve(input)) - (input.endsWith(".csv") ? 1 : 0);
            int shard = c.args().indexOf("--shard");
            if (shard >= 0) {
                records = inShard(ROOT.resolve(input), Shard.parse(c.args().get(shard + 1)));
            }
            assertThat(r.exitCode()).as(c + "\n" + r.all()).isZero();
            assertThat(r.out()).as(c.toString()).contains("with " + records + " records")
                    .contains("Would send " + records + " requests");
        }
        assertThat(n).isGreaterThanOrEqualTo(8);
    }

    @Test
    void theMultipleChoiceExampleRunsAgainstTheSimulatorAndItsSqlScoresIt() throws Exception {
        Command mcq = runs().stream().filter(c -> "examples/multiple-choice.jsonl".equals(input(c.args())))
                .findFirst().orElseThrow();
        Command score = commands.stream().filter(c -> c.args().size() > 1 && c.args().get(0).equals("sql")
                && c.toString().contains("correct")).findFirst().orElseThrow();
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            List<String> args = withDb(inRepository(mcq.args()), db);
            args.set(args.indexOf("--base-url") + 1, sim.url());
            Cli.Result run = new Cli().run(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(run.all()).isZero();
        }

        List<String> sql = withDb(score.args(), db);
        sql.add(1, "--csv");
        Cli.Result scored = new Cli().run(sql.toArray(String[]::new));

        // The simulator echoes the prompt, so every answer's first letter is the "A" of "A) ...": 10 of 40.
        assertThat(scored.exitCode()).as(scored.all()).isZero();
        assertThat(scored.out().lines()).containsExactly("answered,correct", "40,10");
    }

    /**
     * The README's gateway commands (Azure OpenAI, OpenRouter, a basic-auth proxy), their host swapped for a
     * MockWebServer's: each request carries the query and the headers the gateway needs, and no key or password is
     * in the database or in what {@code status} prints.
     */
    @Test
    void theGatewayCommandsSendWhatTheGatewayNeedsAndStoreNoSecret() throws Exception {
        Map<String, java.util.function.Consumer<mockwebserver3.RecordedRequest>> expected = Map.of(
                "azure", r -> {
                    assertThat(r.getUrl().encodedPath())
                            .isEqualTo("/openai/deployments/YOUR-DEPLOYMENT/chat/completions");
                    assertThat(r.getUrl().encodedQuery()).isEqualTo("api-version=2024-10-21");
                    assertThat(r.getHeaders().get("api-key")).isEqualTo("azKey4410");
                },
                "openrouter", r -> {
                    assertThat(r.getUrl().encodedPath()).isEqualTo("/api/v1/chat/completions");
                    assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer orKey8127");
                    assertThat(r.getHeaders().get("HTTP-Referer")).isEqualTo("https://example.org/my-eval");
                    assertThat(r.getHeaders().get("X-Title")).isEqualTo("my-eval");
                },
                "proxied", r -> assertThat(r.getHeaders().get("Authorization"))
                        .isEqualTo("Basic " + java.util.Base64.getEncoder()
                                .encodeToString("stride:PASSWORD".getBytes(StandardCharsets.UTF_8))));
        int tried = 0;
        for (Command c : runs()) {
            List<String> args = c.args();
            int run = args.indexOf("--run");
            if (run < 0 || !expected.containsKey(args.get(run + 1))) {
                continue;
            }
            Path db = dir.resolve(args.get(run + 1) + ".db");
            try (mockwebserver3.MockWebServer server = new mockwebserver3.MockWebServer()) {
                server.setDispatcher(new FakeModelServer());
                server.start();
                List<String> moved = withDb(inRepository(args), db);
                int url = moved.indexOf("--base-url") + 1;
                String host = server.url("/").host() + ":" + server.getPort();
                moved.set(url, moved.get(url).replaceFirst("^https://([^@/]*@)?[^/?#]+", "http://$1" + host));

                Cli.Result r = new Cli(GATEWAY_KEYS).run(moved.toArray(String[]::new));
                Cli.Result status = new Cli().run("status", "--db", db.toString(), "--run", args.get(run + 1));

                assertThat(r.exitCode()).as(c + "\n" + r.all()).isZero();
                expected.get(args.get(run + 1)).accept(server.takeRequest());
                for (String text : List.of(r.all(), status.all(), new String(Files.readAllBytes(db),
                        StandardCharsets.ISO_8859_1))) {
                    assertThat(text).doesNotContain("azKey4410", "orKey8127", "stride:PASSWORD");
                }
                tried++;
            }
        }
        assertThat(tried).isEqualTo(3);
    }

    private static List<Command> runs() {
        List<Command> runs = commands.stream().filter(Command::isRun).toList();
        assertThat(runs).hasSizeGreaterThan(10);
        return runs;
    }

    /** The INPUT of {@code run ...}: its first word that is neither an option nor an option's value. */
    static String input(List<String> args) {
        CommandLine.Model.CommandSpec run = runSpec();
        for (int i = 1; i < args.size(); i++) {
            String word = args.get(i);
            if (word.startsWith("-") && !word.equals("-")) {
                OptionSpec option = run.findOption(word.contains("=") ? word.substring(0, word.indexOf('=')) : word);
                if (option != null && option.arity().max() > 0 && !word.contains("=")) {
                    i++;
                }
                continue;
            }
            return word;
        }
        return null;
    }

    private static CommandLine.Model.CommandSpec runSpec() {
        CliContext context = new CliContext(onFirst -> () -> { }, Map.of(), Duration.ZERO);
        return StrideCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                context).getSubcommands().get("run").getCommandSpec();
    }

    /** The arguments with the input taken from the repository's root (the tests run in cli-app). */
    private static List<String> inRepository(List<String> args) {
        List<String> moved = new ArrayList<>(args);
        String input = input(args);
        moved.set(moved.indexOf(input), ROOT.resolve(input).toString());
        return moved;
    }

    private static List<String> withDb(List<String> args, Path db) {
        List<String> replaced = new ArrayList<>(args);
        replaced.set(replaced.indexOf("--db") + 1, db.toString());
        return replaced;
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stride command lines of a README's code blocks, split into words as a POSIX shell would. */
    static final class ReadmeCommands {
        private ReadmeCommands() {
        }

        static List<Command> of(String readme) {
            List<Command> found = new ArrayList<>();
            List<String> lines = readme.lines().toList();
            boolean inBlock = false;
            boolean transcript = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("```")) {
                    inBlock = !inBlock;
                    transcript = inBlock && line.equals("```text");
                    continue;
                }
                if (!inBlock || (transcript && !line.startsWith("$ "))) {
                    continue;
                }
                StringBuilder logical = new StringBuilder(transcript ? line.substring(2) : line);
                // Continuation lines: a trailing backslash, or a quote still open.
                while (i + 1 < lines.size() && (endsWithBackslash(logical) || Words.openQuote(logical))) {
                    if (endsWithBackslash(logical)) {
                        logical.setLength(logical.length() - 1);
                        logical.append(' ').append(lines.get(++i).strip());
                    } else {
                        logical.append('\n').append(lines.get(++i));
                    }
                }
                List<String> words = Words.split(logical.toString());
                if (words.contains("./stride")) {
                    boolean failing = transcript && i + 1 < lines.size() && lines.get(i + 1).startsWith("stride: ");
                    found.add(new Command(words, failing));
                }
            }
            return found;
        }

        private static boolean endsWithBackslash(CharSequence s) {
            return s.length() > 0 && s.charAt(s.length() - 1) == '\\';
        }
    }

    /** Shell words: single quotes keep everything, double quotes keep all but \", \\ and \$; # starts a comment. */
    static final class Words {
        private Words() {
        }

        static boolean openQuote(CharSequence line) {
            return scan(line.toString(), new ArrayList<>());
        }

        static List<String> split(String line) {
            List<String> words = new ArrayList<>();
            scan(line, words);
            return words;
        }

        /** Splits {@code line} into {@code words}; returns true when it ends inside quotes. */
        private static boolean scan(String line, List<String> words) {
            StringBuilder word = null;
            char quote = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quote == '\'') {
                    if (c == '\'') {
                        quote = 0;
                    } else {
                        word.append(c);
                    }
                } else if (quote == '"') {
                    if (c == '"') {
                        quote = 0;
                    } else if (c == '\\' && i + 1 < line.length() && "\"\\$".indexOf(line.charAt(i + 1)) >= 0) {
                        word.append(line.charAt(++i));
                    } else {
                        word.append(c);
                    }
                } else if (Character.isWhitespace(c)) {
                    if (word != null) {
                        words.add(word.toString());
                        word = null;
                    }
                } else if (c == '#' && word == null) {
                    break;
                } else {
                    word = word == null ? new StringBuilder() : word;
                    if (c == '\'' || c == '"') {
                        quote = c;
                    } else if (c == '\\' && i + 1 < line.length()) {
                        word.append(line.charAt(++i));
                    } else {
                        word.append(c);
                    }
                }
            }
            if (word != null) {
                words.add(word.toString());
            }
            return quote != 0;
        }
    }
}
