package dev.stride.core;

import java.text.Format;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;

/**
 * Words for a person, not yet in a language: a key of a resource bundle and its arguments. A layer that cannot know
 * who reads it (the input readers, the store) says what went wrong as a phrase; the command line shows it in the
 * reader's language. Each module keeps its own bundle ({@code dev/stride/core/messages}, {@code dev/stride/db/messages},
 * ...) with an English base and a {@code _zh} translation.
 *
 * <p>Patterns follow {@link MessageFormat}: a literal quote is written {@code ''}. A whole number in a plain
 * {@code {n}} is shown as its digits ("1000 records", never "1,000"); in a {@code choice} or {@code number} format it
 * stays a number. An argument that is itself a phrase, or an exception that carries one, is put in the same
 * language; any other exception shows its own message; a list shows its elements so, joined by the language's
 * comma.
 *
 * @param bundle the base name of the resource bundle, e.g. {@code dev.stride.core.messages}
 * @param args   the arguments, nulls allowed (shown as nothing)
 */
public record Phrase(String bundle, String key, List<Object> args) {

    /** The bundle of this module's own phrases. */
    public static final String CORE = "dev.stride.core.messages";

    public Phrase {
        // Arrays.asList keeps nulls, which List.copyOf refuses; an argument may well be "no value".
        args = Collections.unmodifiableList(new ArrayList<>(args));
    }

    public static Phrase of(String bundle, String key, Object... args) {
        return new Phrase(bundle, key, Arrays.asList(args));
    }

    static Phrase core(String key, Object... args) {
        return of(CORE, key, args);
    }

    /** The words in {@code locale}'s language: Chinese for any zh locale, English for anything else. */
    public String in(Locale locale) {
        return format(bundle(bundle, locale).getString(key), locale, args.toArray());
    }

    public String english() {
        return in(Locale.ENGLISH);
    }

    @Override
    public String toString() {
        return english();
    }

    /**
     * The bundle {@code base} for {@code locale}, never falling back to the JVM's default locale (a machine set to
     * Chinese must not turn an English reader's messages Chinese).
     */
    public static ResourceBundle bundle(String base, Locale locale) {
        return ResourceBundle.getBundle(base, locale,
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
    }

    /** {@code pattern} filled with {@code args} by the rules above, nested phrases in {@code locale}'s language. */
    public static String format(String pattern, Locale locale, Object... args) {
        MessageFormat format = new MessageFormat(pattern, Locale.ROOT);
        Format[] formats = format.getFormatsByArgumentIndex();
        Object[] shown = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            boolean formatted = i < formats.length && formats[i] != null;
            if (a instanceof Number n && formatted) {
                shown[i] = n;
            } else {
                if (formatted && formats[i] instanceof java.text.NumberFormat) {
                    // A count the caller has as text (none yet: a null) is shown as it is, not refused by the format.
                    format.setFormatByArgumentIndex(i, null);
                }
                shown[i] = text(a, locale);
            }
        }
        return format.format(shown);
    }

    /** One argument as text: a phrase in {@code locale}'s language, an exception by its message. */
    private static String text(Object a, Locale locale) {
        if (a == null) {
            return "";
        }
        if (a instanceof Phrase p) {
            return p.in(locale);
        }
        if (a instanceof Phrased p && p.phrase() != null) {
            return p.phrase().in(locale);
        }
        if (a instanceof List<?> list) {
            String comma = locale.getLanguage().equals("zh") ? "，" : ", ";
            StringBuilder joined = new StringBuilder();
            for (Object e : list) {
                joined.append(joined.length() == 0 ? "" : comma).append(text(e, locale));
            }
            return joined.toString();
        }
        if (a instanceof Throwable t) {
            return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        }
        return a.toString();
    }
}
