package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Phrase;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.ChoiceFormat;
import java.text.Format;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every message of every module's bundles, filled with sample arguments in both languages: the Chinese shows every
 * argument the English shows. A lone quote in a pattern (an apostrophe, or '{0}' meant as quotes around a name)
 * starts a quoted stretch in which MessageFormat prints {0} as it stands, so the reader sees "{0}" where the file's
 * name should be; counting the arguments a pattern takes does not see that when the same index is used again later.
 */
class BundleArgumentsTest {
    /**
     * Chinese lines that leave out the run's name, {0}, on purpose: they are written word for word as the seed gave
     * them (README, "Languages"); the progress line under them names the run.
     */
    private static final Set<String> SEED_LINES = Set.of("msg.run.start: {0}",
            "msg.run.resuming: {0}");

    @ParameterizedTest
    @ValueSource(strings = {"dev/stride/core", "dev/stride/db", "dev/stride/app", "dev/stride/cli"})
    void theChineseShowsEveryArgumentTheEnglishShows(String folder) throws IOException {
        Properties english = load(folder + "/messages.properties");
        Properties chinese = load(folder + "/messages_zh.properties");
        Set<String> wrong = new LinkedHashSet<>(); // the two passes may find the same fault
        int checked = 0;
        for (String key : english.stringPropertyNames()) {
            // The cli bundle also carries picocli's help texts, which are not MessageFormat patterns.
            if (folder.endsWith("cli") && !key.startsWith("msg.")) {
                continue;
            }
            String en = english.getProperty(key);
            String zh = chinese.getProperty(key);
            if (zh == null) {
                continue; // each module's own test says which keys a translation lacks
            }
            checked++;
            Format[] formats = new MessageFormat(en, Locale.ROOT).getFormatsByArgumentIndex();
            int count = Math.max(formats.length, new MessageFormat(zh, Locale.ROOT).getFormatsByArgumentIndex().length);
            // A count of 1 and a larger one: a choice may show the number in only one of its branches.
            for (long number : new long[] {1, 7305}) {
                Object[] args = new Object[count];
                List<String> shown = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    boolean numeric = i < formats.length && formats[i] != null;
                    args[i] = numeric ? (Object) (number + i) : "ARG" + i + "x";
                    shown.add(numeric ? String.valueOf(number + i) : "ARG" + i + "x");
                }
                String enText = Phrase.format(en, Locale.ENGLISH, args);
                String zhText = Phrase.format(zh, Locale.CHINESE, args);
                for (int i = 0; i < count; i++) {
                    boolean choice = i < formats.length && formats[i] instanceof ChoiceFormat;
                    if (enText.contains(shown.get(i)) && !zhText.contains(shown.get(i)) && !choice
                            && !SEED_LINES.contains(key + ": {" + i + "}")) {
                        wrong.add(key + ": {" + i + "} is missing from \"" + zhText + "\" (en: \"" + enText + "\")");
                    }
                }
                if (zhText.matches("(?s).*\\{\\d+[,}].*") && !enText.matches("(?s).*\\{\\d+[,}].*")) {
                    wrong.add(key + ": shows a placeholder as it stands: \"" + zhText + "\"");
                }
            }
        }
        assertThat(checked).as("messages read from " + folder).isGreaterThan(20);
        assertThat(wrong).as("in " + folder + " (a lone ' starts a quoted stretch: write '' for a quote)").isEmpty();
    }

    /** The bundle file itself, read as UTF-8 (as ResourceBundle reads it), without falling back to English. */
    private static Properties load(String name) throws IOException {
        Properties p = new Properties();
        try (InputStream in = BundleArgumentsTest.class.getResourceAsStream("/" + name)) {
            assertThat(in).as(name).isNotNull();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }
}
