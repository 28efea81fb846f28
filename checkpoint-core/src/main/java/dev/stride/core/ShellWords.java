package dev.stride.core;

import java.util.regex.Pattern;

/**
 * A word of a command stride prints for the user to paste (a database path, a run's name): as one word of a POSIX
 * shell, so that a path with a space or a name with a quote pastes as the same command.
 */
public final class ShellWords {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private ShellWords() {
    }

    /** {@code word}'s text as it is when plain, else in single quotes (a quote in it closed, escaped and reopened). */
    public static String quoted(Object word) {
        String text = String.valueOf(word);
        return PLAIN.matcher(text).matches() ? text : "'" + text.replace("'", "'\\''") + "'";
    }
}
