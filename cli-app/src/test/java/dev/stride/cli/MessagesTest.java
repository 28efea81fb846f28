package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The two bundles say the same things, and the English one says what the annotations say. */
class MessagesTest {
    private static final ResourceBundle EN = Messages.bundle(Locale.ENGLISH);
    private static final ResourceBundle ZH = Messages.bundle(Locale.CHINESE);

    @Test
    void bothBundlesHaveTheSameKeys() {
        assertThat(ZH.getLocale().getLanguage()).isEqualTo("zh");
        assertThat(EN.getLocale()).isEqualTo(Locale.ROOT);
        assertThat(new TreeSet<>(Collections.list(ZH.getKeys())))
                .isEqualTo(new TreeSet<>(Collections.list(EN.getKeys())));
    }

    @Test
    void everyMessageTakesTheSameArgumentsInBothLanguages() {
        for (String key : Collections.list(EN.getKeys())) {
            if (!key.startsWith("msg.")) {
                continue;
            }
            // The number of arguments a pattern takes: its highest index + 1 (the seed's Chinese start line leaves
            // out the run's name, {0}, as the seed did).
            int en = new MessageFormat(EN.getString(key)).getFormatsByArgumentIndex().length;
            int zh = new MessageFormat(ZH.getString(key)).getFormatsByArgumentIndex().length;
            assertThat(zh).as(key).isEqualTo(en);
        }
    }

    @Test
    void theEnglishHelpIsTheAnnotationsHelp() {
        CommandLine withBundle = StrideCommand.commandLine(sink(), sink(), context("en_US.UTF-8"));
        CommandLine annotations = StrideCommand.commandLine(sink(), sink(), context("C"));
        annotations.setResourceBundle(null);
        assertThat(usage(withBundle)).isEqualTo(usage(annotations));
        for (String name : withBundle.getSubcommands().keySet()) {
            assertThat(usage(withBundle.getSubcommands().get(name))).as(name)
                    .isEqualTo(usage(annotations.getSubcommands().get(name)));
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
}
