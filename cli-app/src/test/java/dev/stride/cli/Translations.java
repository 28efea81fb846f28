package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Phrase;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;

/** What tests of the Chinese output check of it. */
final class Translations {
    private Translations() {
    }

    /**
     * No stretch of English prose that has a Chinese translation in any of the four bundles (cli, core, db, app) shows
     * in {@code chinese}: each piece of a translated pattern between its arguments, of a dozen characters or more with
     * a space in it, command lines aside.
     */
    static void assertNoTranslatedEnglish(String chinese) {
        for (String base : List.of(Messages.BUNDLE, Phrase.CORE, "dev.stride.db.messages", "dev.stride.app.messages")) {
            ResourceBundle en = Phrase.bundle(base, Locale.ENGLISH);
            ResourceBundle zh = Phrase.bundle(base, Locale.CHINESE);
            for (String key : Collections.list(en.getKeys())) {
                String english = en.getString(key);
                if (english.equals(zh.getString(key))) {
                    continue;
                }
                for (String piece : english.replace("''", "'").split("\\{[^}]*}|%n|\\$\\{[^}]*}")) {
                    String p = piece.strip();
                    if (p.length() >= 12 && p.contains(" ") && !p.contains("--") && !p.contains("stride ")
                            && !p.contains("sqlite3 ")) {
                        assertThat(chinese).as(base + " " + key).doesNotContain(p);
                    }
                }
            }
        }
    }
}
