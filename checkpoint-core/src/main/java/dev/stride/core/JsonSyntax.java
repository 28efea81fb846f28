package dev.stride.core;

import com.fasterxml.jackson.core.StreamReadConstraints;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads JSON character by character, as a person wrote it, and says where and how it first goes wrong in words the
 * person knows: "the line ends before the object that starts at column 1 is closed (expected ',' or '}')", "found
 * yes, which is not a JSON value". Jackson's own messages name its parser's states instead ("expected close marker
 * for Object (start marker at [Source: REDACTED ..."), so where Jackson refuses a text, this class describes it.
 *
 * <p>It accepts what Jackson accepts with its default features (no comments, no single quotes, no trailing commas,
 * no leading zeros, no NaN, nesting up to Jackson's limit), so a text that one refuses the other describes. It also
 * streams: {@link #accept(char)} one character at a time, {@link #finish()} at the end; a reader of a JSON array uses
 * the flags it returns to cut the array into its elements.
 */
final class JsonSyntax {

    /** Jackson's default nesting limit: deeper text is refused by both. */
    static final int MAX_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;

    /** {@link #accept} flag: this character starts a value at the watched depth. */
    static final int STARTS = 1;
    /** {@link #accept} flag: this character ends a value at the watched depth, and is part of it. */
    static final int ENDS_WITH = 2;
    /** {@link #accept} flag: a value at the watched depth ended just before this character, which is not part of it. */
    static final int ENDED_BEFORE = 4;

    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    /** Where the text first goes wrong: line and column from 1, counted in characters, and what is wrong. */
    record Problem(long line, long column, Phrase what) {
    }

    /** Thrown by {@link #accept} and {@link #finish} at the first problem. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final transient Problem problem;

        Failure(Problem problem) {
            super(problem.what().english(), null, false, false);
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }

    private enum Expect {
        VALUE, VALUE_OR_ARRAY_END, KEY_OR_OBJECT_END, KEY, COLON, COMMA_OR_OBJECT_END, COMMA_OR_ARRAY_END, NOTHING
    }

    private enum Lex { NONE, STRING, ESCAPE, UNICODE, NUMBER, WORD }

    /** An object or array still open, and where it starts. */
    private record Open(boolean object, long line, long column) {
    }

    private final Phrase end;
    private final int watchedDepth;
    private final List<Open> open = new ArrayList<>();
    private Expect expect = Expect.VALUE;
    private boolean afterComma;
    private Lex lex = Lex.NONE;
    private boolean stringIsKey;
    private int hexDigits;
    /**
     * A \\u escape of a high surrogate not yet followed by its low half, shown whole, and where it starts; null when
     * none is pending.
     */
    private String highEscape;
    private long highLine;
    private long highColumn;
    /** The escape being read, from its backslash, and where it starts: a bad one is shown whole. */
    private final StringBuilder escape = new StringBuilder();
    private long escapeLine;
    private long escapeColumn;
    private final StringBuilder token = new StringBuilder();
    private long tokenLine;
    private long tokenColumn;
    private boolean sawValue;

    private long line = 1;
    private long column = 1;
    private long charLine;
    private long charColumn;
    private boolean afterHighSurrogate;

    /**
     * @param end          how the end of the text is named: {@code syntax.end.line}, {@code .file}, {@code .text}
     * @param watchedDepth the depth whose values {@link #accept} flags: 0 for the whole text, 1 for an array's elements
     */
    JsonSyntax(Phrase end, int watchedDepth) {
        this.end = end;
        this.watchedDepth = watchedDepth;
    }

    /** The first problem of {@code text} read as one JSON value; empty when it is valid JSON. */
    static Optional<Problem> check(CharSequence text, Phrase end) {
        JsonSyntax syntax = new JsonSyntax(end, 0);
        try {
            for (int i = 0; i < text.length(); i++) {
                syntax.accept(text.charAt(i));
            }
            syntax.finish();
            return Optional.empty();
        } catch (Failure f) {
            return Optional.of(f.problem());
        }
    }

    /** For a text that is JSON but beyond what Jackson reads: its limits, as Jackson's defaults set them. */
    static Phrase beyondLimits() {
        StreamReadConstraints limits = StreamReadConstraints.defaults();
        return Phrase.core("line.beyondLimits", limits.getMaxStringLength(), limits.getMaxNumberLength(),
                limits.getMaxNestingDepth());
    }

    static Phrase endOfLine() {
        return Phrase.core("syntax.end.line");
    }

    static Phrase endOfFile() {
        return Phrase.core("syntax.end.file");
    }

    static Phrase endOfText() {
        return Phrase.core("syntax.end.text");
    }

    /** The line of the character accepted last. */
    long line() {
        return charLine;
    }

    /** The column of the character accepted last. */
    long column() {
        return charColumn;
    }

    /**
     * Takes the next character.
     *
     * @return {@link #STARTS}, {@link #ENDS_WITH} and {@link #ENDED_BEFORE} flags for values at the watched depth
     * @throws Failure at the first problem
     */
    int accept(char c) {
        charLine = line;
        charColumn = column;
        if (c == '\n') {
            line++;
            column = 1;
        } else if (!(afterHighSurrogate && Character.isLowSurrogate(c))) {
            column++;
        }
        afterHighSurrogate = Character.isHighSurrogate(c);
        return switch (lex) {
            case STRING -> inString(c);
            case ESCAPE -> escaped(c);
            case UNICODE -> unicode(c);
            case NUMBER, WORD -> {
                if (Character.isLetterOrDigit(c) || c == '_' || lex == Lex.NUMBER && (c == '.' || c == '+' || c == '-')) {
                    token.append(c);
                    yield 0;
                }
                int flags = lex == Lex.NUMBER ? endNumber() : endWord();
                yield (flags & ENDS_WITH) != 0 ? ENDED_BEFORE | between(c) : between(c);
            }
            case NONE -> between(c);
        };
    }

    /**
     * The end of the text.
     *
     * @throws Failure when the text ends inside a value, or holds none
     */
    void finish() {
        charLine = line;
        charColumn = column;
        switch (lex) {
            case STRING, ESCAPE, UNICODE -> throw fail(Phrase.core("syntax.unclosed", end,
                    Phrase.core("syntax.string"), at(tokenLine, tokenColumn), Phrase.core("expect.quote")));
            case NUMBER -> endNumber();
            case WORD -> endWord();
            case NONE -> {
            }
        }
        if (!open.isEmpty()) {
            Open o = open.get(open.size() - 1);
            throw fail(Phrase.core("syntax.unclosed", end, Phrase.core(o.object() ? "syntax.object" : "syntax.array"),
                    at(o.line(), o.column()), expected()));
        }
        if (!sawValue) {
            throw fail(Phrase.core("syntax.nothing"));
        }
    }

    private int inString(char c) {
        if (highEscape != null && c != '\\') {
            throw loneSurrogate();
        }
        if (c == '"') {
            lex = Lex.NONE;
            if (stringIsKey) {
                expect = Expect.COLON;
                return 0;
            }
            return valueEnded();
        }
        if (c == '\\') {
            lex = Lex.ESCAPE;
            escape.setLength(0);
            escape.append(c);
            escapeLine = charLine;
            escapeColumn = charColumn;
        } else if (c == '\n') {
            throw fail(Phrase.core("syntax.lineBreakInString", at(tokenLine, tokenColumn)));
        } else if (c < 0x20) {
            throw fail(Phrase.core("syntax.control", codePoint(c)));
        }
        return 0;
    }

    private int escaped(char c) {
        if (highEscape != null && c != 'u') {
            throw loneSurrogate();
        }
        if ("\"\\/bfnrt".indexOf(c) >= 0) {
            lex = Lex.STRING;
        } else if (c == 'u') {
            lex = Lex.UNICODE;
            escape.append(c);
            hexDigits = 0;
        } else {
            throw badEscape(c);
        }
        return 0;
    }

    private int unicode(char c) {
        if (Character.digit(c, 16) < 0) {
            throw badEscape(c);
        }
        escape.append(c);
        if (++hexDigits == 4) {
            lex = Lex.STRING;
            surrogateHalf((char) Integer.parseInt(escape.substring(2), 16));
        }
        return 0;
    }

    /**
     * Pairs the halves of a character beyond the BMP written as two escapes (U+1F600 is written \\ud83d\\ude00).
     * Jackson reads a half alone into the text, and it leaves as '?' once encoded in UTF-8, for the server and the
     * database alike: the prompt would change without a word, so a half alone is refused where it stands (the one
     * text Jackson takes that this class does not).
     */
    private void surrogateHalf(char escaped) {
        if (Character.isHighSurrogate(escaped)) {
            if (highEscape != null) {
                throw loneSurrogate();
            }
            highEscape = escape.toString();
            highLine = escapeLine;
            highColumn = escapeColumn;
        } else if (Character.isLowSurrogate(escaped)) {
            if (highEscape == null) {
                throw new Failure(new Problem(escapeLine, escapeColumn,
                        Phrase.core("syntax.loneSurrogate", escape.toString())));
            }
            highEscape = null;
        } else if (highEscape != null) {
            throw loneSurrogate();
        }
    }

    private Failure loneSurrogate() {
        return new Failure(new Problem(highLine, highColumn, Phrase.core("syntax.loneSurrogate", highEscape)));
    }

    private Failure badEscape(char c) {
        String shown = c == '"' ? "" : shown(c);
        return new Failure(new Problem(escapeLine, escapeColumn,
                Phrase.core("syntax.badEscape", escape + shown)));
    }

    /** A character outside any string, number or word. */
    private int between(char c) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            return 0;
        }
        return switch (expect) {
            case VALUE, VALUE_OR_ARRAY_END -> value(c);
            case KEY_OR_OBJECT_END, KEY -> key(c);
            case COLON -> {
                if (c != ':') {
                    throw unexpected(c);
                }
                expect = Expect.VALUE;
                yield 0;
            }
            case COMMA_OR_OBJECT_END, COMMA_OR_ARRAY_END -> commaOrEnd(c);
            case NOTHING -> throw c == '/' || c == '#' ? unexpected(c) : fail(Phrase.core("syntax.afterValue", found(c)));
        };
    }

    private int value(char c) {
        if (c == ']' && expect == Expect.VALUE_OR_ARRAY_END) {
            return close();
        }
        if (afterComma && (c == ']' || c == '}')) {
            throw fail(Phrase.core("syntax.trailingComma", found(c)));
        }
        int flags = open.size() == watchedDepth ? STARTS : 0;
        if (c == '{' || c == '[') {
            if (open.size() >= MAX_DEPTH) {
                throw fail(Phrase.core("syntax.tooDeep", MAX_DEPTH));
            }
            open.add(new Open(c == '{', charLine, charColumn));
            expect = c == '{' ? Expect.KEY_OR_OBJECT_END : Expect.VALUE_OR_ARRAY_END;
            afterComma = false;
            return flags;
        }
        if (c == '"') {
            startToken(Lex.STRING);
            stringIsKey = false;
            return flags;
        }
        if (c == '-' || c >= '0' && c <= '9') {
            startToken(Lex.NUMBER);
            token.append(c);
            return flags;
        }
        if (Character.isLetter(c)) {
            startToken(Lex.WORD);
            token.append(c);
            return flags;
        }
        throw unexpected(c);
    }

    private int key(char c) {
        if (c == '}' && expect == Expect.KEY_OR_OBJECT_END) {
            return close();
        }
        if (c == '}' && afterComma) {
            throw fail(Phrase.core("syntax.trailingComma", found(c)));
        }
        if (c != '"') {
            throw unexpected(c);
        }
        startToken(Lex.STRING);
        stringIsKey = true;
        return 0;
    }

    private int commaOrEnd(char c) {
        boolean inObject = expect == Expect.COMMA_OR_OBJECT_END;
        if (c == ',') {
            expect = inObject ? Expect.KEY : Expect.VALUE;
            afterComma = true;
            return 0;
        }
        if (c == (inObject ? '}' : ']')) {
            return close();
        }
        if (c == '"' || c == '{' || c == '[' || c == '-' || Character.isLetterOrDigit(c)) {
            throw fail(Phrase.core("syntax.missingComma", found(c), expected()));
        }
        throw unexpected(c);
    }

    private int close() {
        open.remove(open.size() - 1);
        return valueEnded();
    }

    private void startToken(Lex kind) {
        lex = kind;
        token.setLength(0);
        tokenLine = charLine;
        tokenColumn = charColumn;
        afterComma = false;
    }

    private int endNumber() {
        lex = Lex.NONE;
        if (!NUMBER.matcher(token).matches()) {
            throw failAtToken(Phrase.core("syntax.badNumber", token.toString()));
        }
        return valueEnded();
    }

    private int endWord() {
        lex = Lex.NONE;
        String word = token.toString();
        if (word.equals("true") || word.equals("false") || word.equals("null")) {
            return valueEnded();
        }
        String lower = word.toLowerCase(Locale.ROOT);
        if (lower.equals("true") || lower.equals("false") || lower.equals("null")) {
            throw failAtToken(Phrase.core("syntax.wordCase", word, lower));
        }
        throw failAtToken(Phrase.core("syntax.bareWord", word));
    }

    /** A value has ended: the container it is in now expects a comma or its end, or the text nothing more. */
    private int valueEnded() {
        sawValue = true;
        afterComma = false;
        if (open.isEmpty()) {
            expect = Expect.NOTHING;
        } else {
            expect = open.get(open.size() - 1).object() ? Expect.COMMA_OR_OBJECT_END : Expect.COMMA_OR_ARRAY_END;
        }
        return open.size() == watchedDepth ? ENDS_WITH : 0;
    }

    private Phrase expected() {
        return Phrase.core(switch (expect) {
            case VALUE -> "expect.value";
            case VALUE_OR_ARRAY_END -> "expect.valueOrArrayEnd";
            case KEY_OR_OBJECT_END -> "expect.keyOrObjectEnd";
            case KEY -> "expect.key";
            case COLON -> "expect.colon";
            case COMMA_OR_OBJECT_END -> "expect.commaOrObjectEnd";
            case COMMA_OR_ARRAY_END -> "expect.commaOrArrayEnd";
            case NOTHING -> "expect.nothing";
        });
    }

    private Failure unexpected(char c) {
        if (c == '\'') {
            return fail(Phrase.core("syntax.singleQuote", expected()));
        }
        if (c == '/' || c == '#') {
            return fail(Phrase.core("syntax.comment", found(c)));
        }
        return fail(Phrase.core("syntax.unexpected", found(c), expected()));
    }

    /** Where a value starts, said from where the problem is: "column 3", or "line 2, column 3" on another line. */
    private Phrase at(long startLine, long startColumn) {
        return startLine == charLine ? Phrase.core("syntax.atColumn", startColumn)
                : Phrase.core("syntax.atLine", startLine, startColumn);
    }

    private static Phrase found(char c) {
        return Phrase.core("syntax.char", shown(c));
    }

    /** A character as a person can read it: itself, or its code (U+FEFF) when it is invisible or half of a pair. */
    private static String shown(char c) {
        boolean visible = !Character.isISOControl(c) && !Character.isWhitespace(c) && !Character.isSurrogate(c)
                && Character.getType(c) != Character.FORMAT && Character.getType(c) != Character.SPACE_SEPARATOR;
        return visible ? String.valueOf(c) : codePoint(c);
    }

    private static String codePoint(char c) {
        return String.format(Locale.ROOT, "U+%04X", (int) c);
    }

    private Failure fail(Phrase what) {
        return new Failure(new Problem(charLine, charColumn, what));
    }

    private Failure failAtToken(Phrase what) {
        return new Failure(new Problem(tokenLine, tokenColumn, what));
    }
}
