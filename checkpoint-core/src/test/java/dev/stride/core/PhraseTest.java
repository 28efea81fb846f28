package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's words exist in English and Chinese, and an input error reads right in both. */
class PhraseTest {
    private static final ResourceBundle EN = Phrase.bundle(Phrase.CORE, Locale.ENGLISH);
    private static final ResourceBundle ZH = Phrase.bundle(Phrase.CORE, Locale.CHINESE);

    @TempDir
    Path dir;

    @Test
    void bothBundlesHaveTheSameKeysAndArguments() {
        assertThat(ZH.getLocale().getLanguage()).isEqualTo("zh");
        assertThat(new TreeSet<>(Collections.list(ZH.getKeys())))
                .isEqualTo(new TreeSet<>(Collections.list(EN.getKeys())));
        for (String key : Collections.list(EN.getKeys())) {
            assertThat(new MessageFormat(ZH.getString(key)).getFormatsByArgumentIndex().length).as(key)
                    .isEqualTo(new MessageFormat(EN.getString(key)).getFormatsByArgumentIndex().length);
        }
    }

    @Test
    void everyKeyTheSourcesUseIsWritten() throws IOException {
        Pattern use = Pattern.compile("Phrase\\.core\\(\\s*\"([^\"]+)\"");
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        int uses = 0;
        for (Path source : sources) {
            Matcher m = use.matcher(Files.readString(source));
            while (m.find()) {
                uses++;
                assertThat(EN.containsKey(m.group(1))).as(source + ": " + m.group(1)).isTrue();
            }
        }
        assertThat(uses).isGreaterThan(20);
    }

    @Test
    void numbersShowAsDigitsAndNestedPhrasesListsAndExceptionsInTheSameLanguage() {
        Phrase inner = Phrase.core("line.badId", "id");
        Phrase line = Phrase.core("input.line", "q.jsonl", 12345L, inner);
        assertThat(line.english()).isEqualTo("q.jsonl line 12345: has an id field 'id' that is not a string or a number");
        assertThat(line.in(Locale.CHINESE)).isEqualTo("q.jsonl 第 12345 行：id 字段 'id' 既不是字符串也不是数字");
        assertThat(line.in(Locale.forLanguageTag("zh-TW"))).startsWith("q.jsonl 第 12345 行：");
        assertThat(line.in(Locale.GERMAN)).isEqualTo(line.english());

        assertThat(Phrase.format("{0}", Locale.ENGLISH, List.of(inner, "x"))).isEqualTo(inner.english() + ", x");
        InvalidInputException phrased = new InvalidInputException(inner);
        assertThat(Phrase.format("({0})", Locale.CHINESE, phrased)).isEqualTo("(" + inner.in(Locale.CHINESE) + ")");
        assertThat(Phrase.format("({0})", Locale.CHINESE, new IOException("disk gone")))
                .isEqualTo("(disk gone)");
        assertThat(Phrase.format("{0}-{1}", Locale.ENGLISH, null, 5)).isEqualTo("-5");
    }

    @Test
    void aBadLineOfARealFileInBothLanguages() throws IOException {
        Path file = dir.resolve("q.jsonl");
        Files.writeString(file, "{\"id\": 1, \"prompt\": \"a\"}\n{\"id\": [2], \"prompt\": \"b\"}\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> {
            try (RecordReader r = InputReaders.open(file, null, "id", null)) {
                r.forEachRemaining(x -> { });
            }
        }).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e).hasMessage(file + " line 2: has an id field 'id' that is not a string or a number");
            assertThat(e.phrase().in(Locale.CHINESE)).isEqualTo(file + " 第 2 行：id 字段 'id' 既不是字符串也不是数字");
        });

        Path missing = dir.resolve("missing.jsonl");
        assertThatThrownBy(() -> InputReaders.open(missing, null, "id", null))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.phrase().in(Locale.CHINESE)).isEqualTo(missing + "：文件不存在"));
    }

    @Test
    void aBadSettingIsAnIllegalArgumentWithItsWords() {
        assertThatThrownBy(() -> InputFormat.named("xml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'xml' is not an input format; one of jsonl, json, csv, tsv")
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.phrase().in(Locale.CHINESE)).isEqualTo("未知的输入格式 'xml'；可选 jsonl, json, csv, tsv"));
    }
}
