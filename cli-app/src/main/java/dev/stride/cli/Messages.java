package dev.stride.cli;

import dev.stride.core.Phrase;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What stride says to a person, in the user's language: the resource bundle {@code dev/stride/cli/messages} (English)
 * and {@code messages_zh} (Chinese), with {@link MessageFormat} arguments. The same bundle carries the help texts,
 * which picocli reads by its own keys ({@code stride.run.db}, {@code stride.run.usage.footer.0}, ...).
 *
 * <p>Whole numbers are passed to the pattern as plain digits (no grouping) where it writes {@code {0}}: line
 * numbers, ports, ids. Counts a person reads beside token counts (records, done, failed, requests) are written
 * {@code {0,number,integer}}, grouped as those are (1,794 done beside 55,614 tokens); fractions are formatted by the
 * caller. Patterns follow MessageFormat's rules: a literal quote is written {@code ''}.
 */
final class Messages {
    static final String BUNDLE = "dev.stride.cli.messages";
    static final Messages ENGLISH = of(Locale.ENGLISH);

    private final ResourceBundle bundle;

    private Messages(ResourceBundle bundle) {
        this.bundle = bundle;
    }

    /** The bundle for {@code locale}: Chinese for any zh locale, English otherwise (never the JVM's default). */
    static ResourceBundle bundle(Locale locale) {
        return Phrase.bundle(BUNDLE, locale);
    }

    static Messages of(Locale locale) {
        return new Messages(bundle(locale));
    }

    /** The messages of the command line {@code spec} belongs to (English when none was set, e.g. in a unit test). */
    static Messages of(CommandSpec spec) {
        ResourceBundle b = spec == null ? null : spec.root().resourceBundle();
        return b == null ? ENGLISH : new Messages(b);
    }

    /**
     * The language of messages as POSIX tools choose it: the first of LC_ALL, LC_MESSAGES and LANG that is set and
     * not empty, e.g. {@code zh_CN.UTF-8}, {@code zh_TW}, {@code zh}, {@code C}, {@code en_US.UTF-8}. Chinese for a
     * zh value, English for anything else or nothing.
     */
    static Locale localeOf(Map<String, String> env) {
        // STRIDE_LANG: the reader's own, kept by the launcher when it starts the JVM under C.UTF-8 (see ./stride)
        for (String name : new String[] {"STRIDE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"}) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                String language = value.strip().split("[_.@-]", 2)[0].toLowerCase(Locale.ROOT);
                return language.equals("zh") ? Locale.CHINESE : Locale.ENGLISH;
            }
        }
        return Locale.ENGLISH;
    }

    boolean chinese() {
        return bundle.getLocale().getLanguage().equals("zh");
    }

    /** The language of these messages: Chinese or English. */
    Locale locale() {
        return chinese() ? Locale.CHINESE : Locale.ENGLISH;
    }

    /**
     * The message {@code key} with its arguments, by {@link Phrase#format}'s rules: a {@link Phrase} argument, or an
     * exception that carries one (an input or database error from a lower layer), is put in this language too.
     */
    String get(String key, Object... args) {
        return Phrase.format(bundle.getString(key), locale(), args);
    }

    String get(Phrase phrase) {
        return phrase.in(locale());
    }

    /** A message of this bundle not yet put in words, looked up in the reader's language when shown. */
    static Phrase text(String key, Object... args) {
        return Phrase.of(BUNDLE, key, args);
    }
}
