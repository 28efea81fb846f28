package dev.stride.db;

import java.util.Optional;

/**
 * Just enough of SQLite's lexer to find where the first statement of a text ends: quotes, brackets and comments are
 * skipped, so a ';' inside them ends nothing. sqlite-jdbc compiles only the first statement of a text and silently
 * drops the rest, and does not say where it stopped; this tells the user instead. It only ever refuses more: whether
 * a statement may run is decided by SQLite ({@link CompiledStatement}), never here.
 */
final class SqlText {
    /** How much of a statement a message quotes. */
    static final int QUOTE_LENGTH = 80;

    private SqlText() {
    }

    /** True when the text holds no statement at all: only spaces, comments and semicolons. */
    static boolean isEmpty(String sql) {
        return skipBlank(sql, 0) == sql.length();
    }

    /** The text from its first statement on: without the spaces, comments and empty statements before it. */
    static String fromFirstStatement(String sql) {
        return sql.substring(skipBlank(sql, 0));
    }

    /** The first statement of the text, without the ';' that ends it and what follows. */
    static String firstStatement(String sql) {
        int end = firstSemicolon(sql);
        return end < 0 ? sql : sql.substring(0, end);
    }

    /**
     * The SQL after the first statement, when there is any: the text after the first ';' outside quotes and comments,
     * unless that is only spaces, comments and more semicolons. (A trigger body holds ';' too: CREATE TRIGGER is
     * refused before this is asked, and EXPLAIN CREATE TRIGGER, the one reading statement with such a body, is
     * refused here as if it were two.)
     */
    static Optional<String> afterFirstStatement(String sql) {
        int end = firstSemicolon(sql);
        if (end < 0) {
            return Optional.empty();
        }
        int next = skipBlank(sql, end + 1);
        return next == sql.length() ? Optional.empty() : Optional.of(sql.substring(next));
    }

    /** The text as a message quotes it: on one line, spaces collapsed, at most {@link #QUOTE_LENGTH} characters. */
    static String quote(String sql) {
        String line = sql.strip().replaceAll("\\s+", " ");
        if (line.endsWith(";")) {
            line = line.substring(0, line.length() - 1).strip();
        }
        return line.codePointCount(0, line.length()) <= QUOTE_LENGTH ? line
                : line.substring(0, line.offsetByCodePoints(0, QUOTE_LENGTH - 1)) + "…";
    }

    /** The index of the first ';' outside quotes and comments, or -1. */
    private static int firstSemicolon(String sql) {
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == ';') {
                return i;
            }
            int skipped = skipQuoteOrComment(sql, i);
            i = skipped > i ? skipped : i + 1;
        }
        return -1;
    }

    /** The index after the spaces, comments and semicolons that start at {@code from}. */
    private static int skipBlank(String sql, int from) {
        int i = from;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == ';') {
                i++;
            } else if (startsComment(sql, i)) {
                i = skipQuoteOrComment(sql, i);
            } else {
                return i;
            }
        }
        return i;
    }

    private static boolean startsComment(String sql, int i) {
        return sql.startsWith("--", i) || sql.startsWith("/*", i);
    }

    /**
     * The index after the string, quoted name, bracketed name or comment starting at {@code i}, or {@code i} itself
     * when none starts there. One that is never closed runs to the end of the text, as SQLite reads it.
     */
    private static int skipQuoteOrComment(String sql, int i) {
        char c = sql.charAt(i);
        if (sql.startsWith("--", i)) {
            int eol = sql.indexOf('\n', i);
            return eol < 0 ? sql.length() : eol + 1;
        }
        if (sql.startsWith("/*", i)) {
            int close = sql.indexOf("*/", i + 2);
            return close < 0 ? sql.length() : close + 2;
        }
        if (c == '[') {
            int close = sql.indexOf(']', i + 1);
            return close < 0 ? sql.length() : close + 1;
        }
        if (c == '\'' || c == '"' || c == '`') {
            // A doubled quote inside is the quote itself ('it''s'), so the scan just goes on past it.
            int j = i + 1;
            while (j < sql.length()) {
                if (sql.charAt(j) == c) {
                    if (j + 1 < sql.length() && sql.charAt(j + 1) == c) {
                        j += 2;
                        continue;
                    }
                    return j + 1;
                }
                j++;
            }
            return sql.length();
        }
        return i;
    }
}
