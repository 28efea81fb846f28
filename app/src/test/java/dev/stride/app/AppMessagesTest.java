package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's words for a person: both bundles complete and alike, every key the code uses written and every written
 * key used, and the checks of a run's settings saying in English exactly what stride run said before they moved here.
 */
class AppMessagesTest {
    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)[,}]");
    private static final Pattern KEY_IN_SOURCE = Pattern.compile("AppPhrase\\.(?:of|invalid)\\(\\s*\"([^\"]+)\"");

    @TempDir
    Path dir;

    @Test
    void bothBundlesHaveTheSameKeysAndEachPatternTheSameArguments() throws IOException {
        Properties english = load("messages.properties");
        Properties chinese = load("messages_zh.properties");
        assertThat(english).isNotEmpty();
        assertThat(chinese.stringPropertyNames()).isEqualTo(english.stringPropertyNames());
        for (String key : english.stringPropertyNames()) {
            String en = english.getProperty(key);
            String zh = chinese.getProperty(key);
            assertThat(arguments(zh)).as(key).isEqualTo(arguments(en));
            assertThat(new MessageFormat(zh, Locale.ROOT).getFormatsByArgumentIndex().length).as(key)
                    .isEqualTo(new MessageFormat(en, Locale.ROOT).getFormatsByArgumentIndex().length);
            if (!unquoted(en).replaceAll("\\{[^}]*}", "").replaceAll("--[\\w-]+|[^A-Za-z]", "").isEmpty()) {
                assertThat(zh).as("zh " + key + " is translated").containsPattern("[\\u4e00-\\u9fff]");
            }
        }
        assertThat(Phrase.bundle(AppPhrase.BUNDLE, Locale.SIMPLIFIED_CHINESE).getString("run.timeout"))
                .isEqualTo(chinese.getProperty("run.timeout"));
    }

    @Test
    void everyKeyTheCodeUsesIsWrittenAndEveryWrittenKeyIsUsed() throws IOException {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = KEY_IN_SOURCE.matcher(Files.readString(file));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertThat(used).hasSizeGreaterThan(30);
        assertThat(load("messages.properties").stringPropertyNames()).isEqualTo(used);
    }

    @Test
    void theChecksOfARunsSettingsReadAsStrideRunsDidInEnglishAndInChinese() throws IOException {
        assertThat(refusal(new RunForm().pace(10, 0))).hasMessage("--concurrency must be between 1 and 4096, got 0");
        assertThat(chinese(refusal(new RunForm().pace(10, 0)))).isEqualTo("--concurrency 必须在 1 到 4096 之间，实际为 0");
        assertThat(refusal(new RunForm().template("a", dir.resolve("t.txt"))))
                .hasMessage("give the template once: --template or --template-file");
        assertThat(refusal(new RunForm().system(null, dir.resolve("missing.txt"))))
                .hasMessage("--system-file " + dir.resolve("missing.txt") + ": no such file");
        Path notUtf8 = dir.resolve("system.txt");
        Files.write(notUtf8, new byte[] {'B', 'e', ' ', 'b', 'r', 'i', 'e', 'f', '.', '\n', 'C', 'a', 'f', (byte) 0xE9});
        assertThat(refusal(new RunForm().system(null, notUtf8))).hasMessage("--system-file " + notUtf8
                + " line 2, column 4: is not valid UTF-8; save the file as UTF-8");
        assertThat(refusal(new RunForm().api("vllm", null))).hasMessage("--api vllm: choose openai or ollama");
        assertThat(refusal(new RunForm().api("ollama", "completions")))
                .hasMessage("--api ollama speaks chat only; leave out --endpoint completions");
        assertThat(refusal(new RunForm().params(List.of("seed")))).hasMessage("--param seed: write KEY=JSON, e.g."
                + " --param repetition_penalty=1.1");
        assertThat(refusal(new RunForm().params(List.of("guided_json={oops")))).hasMessageStartingWith("--param ")
                .hasMessageEndingWith("; strings need quotes: --param 'key=\"text\"'");
        assertThat(refusal(new RunForm().output("(", false, 0))).hasMessageStartingWith("--extract (: not a regular"
                + " expression (");
        // Refused once the run's own rules are known (a resume of a run made with --json-output may give re-asks
        // alone), as the rules a new run is made with, or a run that keeps none, are.
        assertThat(catchThrowable(() -> new RunForm().output(null, false, 2).request().options().output().over(null)))
                .isInstanceOf(InvalidSettingException.class).hasMessage("--json-retries goes with --json-output");
        assertThat(refusal(new RunForm().apiKey(Map.of(), "MY_KEY")))
                .hasMessage("--api-key-env MY_KEY: that environment variable is not set");
        assertThat(refusal(new RunForm().apiKey(Map.of("MY_KEY", " "), "MY_KEY")))
                .hasMessage("--api-key-env MY_KEY: that environment variable is set but empty; put the key in it");
        assertThat(refusal(new RunForm().input(dir.resolve("q.jsonl"), "xml"))).hasMessage(
                "invalid value for --format: 'xml' is not an input format; one of jsonl, json, csv, tsv");
        assertThat(refusal(new RunForm().model("m", List.of("localhost:8000"), null))).hasMessage("--base-url"
                + " localhost:8000: must start with http:// or https://, e.g. http://localhost:8000/v1");
        assertThat(refusal(new RunForm().model("m", List.of("http://localhost:99999/v1"), null))).hasMessage(
                "--base-url http://localhost:99999/v1: the port must be a number from 1 to 65535, e.g."
                        + " http://localhost:8000/v1");
        assertThat(refusal(new RunForm().model("m", List.of("http:///v1"), null))).hasMessage(
                "--base-url http:///v1: names no host; give the server's, e.g. http://localhost:8000/v1");
        assertThat(refusal(new RunForm().model("m", List.of("http://u:SECRET@[::1/v1"), null))).hasMessage(
                "--base-url http://u:***@[::1/v1: the host is not a valid name or address (no spaces; an IPv6"
                        + " address goes in [ ], e.g. http://[::1]:8000/v1)");
        assertThat(refusal(new RunForm().model("m", List.of("http://[fe80::1%25eth0]:8000/v1"), null))).hasMessage(
                "--base-url http://[fe80::1%25eth0]:8000/v1: an IPv6 address with a zone id (%25 and an interface)"
                        + " cannot be used; give the server's global address or its host name");

        assertThat(new RunForm().apiKey(Map.of("OPENAI_API_KEY", "sk-1"), null).request().options().apiKey())
                .isEqualTo("sk-1");
        Path system = Files.writeString(dir.resolve("system.txt"), "Be brief.\n");
        GenerationParams read = new RunForm().system(null, system).api(null, "completions").request().options()
                .generation();
        assertThat(read.system()).as("one final newline dropped").isEqualTo("Be brief.");
        assertThat(read.endpoint()).isEqualTo(Endpoint.COMPLETIONS);
    }

    @Test
    void aChangedSettingIsNamedOnePerLineWithItsOldAndNewValue() {
        RunOptions stored = RunOptions.of("m", "http://localhost:8000/v1");
        RunInfo run = new RunInfo(1, "m", "m", List.of("http://localhost:8000/v1"),
                "{{prompt}}", new GenerationParams(null, 0.5).canonicalJson(), 0, 0, 0, 0, 0, null,
                RunState.RUNNING, null, 0);

        List<Phrase> changes = RunPlanner.settingsChanged(run, stored.withTemplate("Q: {{q}}")
                .withGeneration(new GenerationParams(64, 0.7)));

        assertThat(changes).extracting(Phrase::english).containsExactly("template '{{prompt}}' -> 'Q: {{q}}'",
                "parameters max_tokens (unset) -> 64, temperature 0.5 -> 0.7");
        assertThat(changes.get(1).in(Locale.CHINESE)).isEqualTo("参数 max_tokens （未设置） -> 64，temperature 0.5 -> 0.7");
    }

    private static InvalidSettingException refusal(RunForm form) {
        Throwable e = catchThrowable(form::request);
        assertThat(e).isInstanceOf(InvalidSettingException.class);
        return (InvalidSettingException) e;
    }

    private static String chinese(Throwable e) {
        return ((Phrased) e).phrase().in(Locale.CHINESE);
    }

    /** The bundle file itself, read as UTF-8 (as ResourceBundle reads it), not through any fallback. */
    private static Properties load(String name) throws IOException {
        Properties p = new Properties();
        try (InputStream in = AppMessagesTest.class.getResourceAsStream("/dev/stride/app/" + name)) {
            assertThat(in).as(name).isNotNull();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }

    /** The argument indices a pattern uses, quoted text left out. */
    private static Set<Integer> arguments(String pattern) {
        Set<Integer> indices = new TreeSet<>();
        Matcher m = ARGUMENT.matcher(unquoted(pattern));
        while (m.find()) {
            indices.add(Integer.parseInt(m.group(1)));
        }
        return indices;
    }

    private static String unquoted(String pattern) {
        return pattern.replace("''", "").replaceAll("'[^']*'", "");
    }
}
