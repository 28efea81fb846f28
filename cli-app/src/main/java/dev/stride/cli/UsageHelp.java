package dev.stride.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Help as wide as the reader's terminal, wrapped only where a person would: picocli breaks lines wherever Java's line
 * BreakIterator allows, which is also after the {@code :} and {@code /} of a URL ({@code http:} at the end of one line,
 * {@code //localhost:8000/v1} on the next) and inside an example command. Here a line breaks only at a space (or
 * between two Chinese characters), and each line of the examples is printed whole, however long: a terminal shows it
 * folded, and copying it gives the whole command.
 */
final class UsageHelp extends Help {
    /** The narrowest help picocli lays out. */
    static final int MIN_WIDTH = 55;

    UsageHelp(CommandSpec spec, ColorScheme colorScheme) {
        super(spec, colorScheme);
    }

    /**
     * Sets the width of {@code cl}'s help and of its subcommands' and makes them wrap as this class does: COLUMNS
     * when it is set to a number; the terminal's width when standard output is a terminal; otherwise 80.
     */
    static void install(CommandLine cl, Map<String, String> env, boolean terminal) {
        cl.setHelpFactory(UsageHelp::new);
        Integer columns = columns(env);
        if (columns != null) {
            cl.setUsageHelpWidth(Math.max(MIN_WIDTH, columns));
        } else {
            // picocli asks the terminal (stty, or mode con on Windows) the first time help is shown; 80 if it cannot.
            cl.setUsageHelpAutoWidth(terminal);
        }
    }

    private static Integer columns(Map<String, String> env) {
        String value = env.get("COLUMNS");
        if (value == null || !value.strip().matches("\\d{1,4}")) {
            return null;
        }
        int n = Integer.parseInt(value.strip());
        return n > 0 ? n : null;
    }

    /** The examples, each line as it was written. */
    @Override
    public String footer(Object... params) {
        StringBuilder text = new StringBuilder();
        for (String line : commandSpec().usageMessage().footer()) {
            text.append(colorScheme().text(String.format(line, params)).toString().stripTrailing())
                    .append(System.lineSeparator());
        }
        return text.toString();
    }

    /** The description's paragraphs, wrapped at spaces to the help's width. */
    @Override
    public String description(Object... params) {
        String[] paragraphs = commandSpec().usageMessage().description();
        if (paragraphs.length == 0) {
            return "";
        }
        TextTable table = new SpaceWrapped(colorScheme(), new Column(commandSpec().usageMessage().width(), 0,
                Column.Overflow.WRAP));
        table.setAdjustLineBreaksForWideCJKCharacters(adjustCjk());
        table.indentWrappedLines = 0;
        for (String paragraph : paragraphs) {
            table.addRowValues(String.format(paragraph, params));
        }
        return table.toString();
    }

    /** As picocli's, counting a Chinese heading ("用法：") by the columns it takes, so the synopsis fits too. */
    @Override
    public int synopsisHeadingLength() {
        String heading = Ansi.OFF.new Text(commandSpec().usageMessage().synopsisHeading()).toString();
        String[] lines = heading.split("\\r?\\n|\\r|%n", -1);
        return TextWidth.of(lines[lines.length - 1]);
    }

    @Override
    public Layout createDefaultLayout() {
        return spaceWrapped(super.createDefaultLayout());
    }

    @Override
    public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals,
                                      ColorScheme scheme) {
        return spaceWrapped(super.createDefaultLayout(options, positionals, scheme));
    }

    /** The table of commands and the table of exit codes. */
    @Override
    public TextTable createTextTable(Map<?, ?> map) {
        TextTable picocli = super.createTextTable(map);
        SpaceWrapped table = SpaceWrapped.like(picocli, colorScheme());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            table.addRowValues(colorScheme().text(String.valueOf(entry.getKey())),
                    colorScheme().text(String.valueOf(entry.getValue())));
        }
        return table;
    }

    private Layout spaceWrapped(Layout picocli) {
        return new Layout(picocli.colorScheme(), SpaceWrapped.like(picocli.textTable(), picocli.colorScheme()),
                picocli.optionRenderer(), picocli.parameterRenderer());
    }

    private boolean adjustCjk() {
        return commandSpec().usageMessage().adjustLineBreaksForWideCJKCharacters();
    }

    /**
     * A picocli table whose last column (the descriptions) breaks only at spaces: before picocli wraps a text, each
     * printable ASCII character other than a space is swapped for a private-use character, which a line break
     * iterator never breaks beside; the finished table swaps them back. Text in other columns (option names, which
     * may be styled) is left to picocli.
     */
    static final class SpaceWrapped extends TextTable {
        private static final char SHIFT = '\uE000';

        private final ColorScheme scheme;

        SpaceWrapped(ColorScheme scheme, Column... columns) {
            super(scheme, columns);
            this.scheme = scheme;
        }

        /** A table with the columns and settings of {@code picocli}'s, and none of its rows. */
        static SpaceWrapped like(TextTable picocli, ColorScheme scheme) {
            SpaceWrapped table = new SpaceWrapped(scheme, picocli.columns());
            table.setAdjustLineBreaksForWideCJKCharacters(picocli.isAdjustLineBreaksForWideCJKCharacters());
            table.indentWrappedLines = picocli.indentWrappedLines;
            return table;
        }

        @Override
        public Cell putValue(int row, int col, Text value) {
            boolean plain = value != null && value.toString().equals(value.plainString());
            if (col == columns().length - 1 && plain) {
                return super.putValue(row, col, scheme.text(unbreakable(value.plainString())));
            }
            return super.putValue(row, col, value);
        }

        @Override
        public StringBuilder toString(StringBuilder text) {
            int from = text.length();
            super.toString(text);
            for (int i = from; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c > SHIFT + ' ' && c < SHIFT + 0x7F) {
                    text.setCharAt(i, (char) (c - SHIFT));
                }
            }
            return text;
        }

        static String unbreakable(String s) {
            StringBuilder shifted = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                shifted.append(c > ' ' && c < 0x7F ? (char) (c + SHIFT) : c);
            }
            return shifted.toString();
        }
    }
}
