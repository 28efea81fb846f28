package dev.stride.cli;

/**
 * A stored error as an example beside its count: one line, cut to {@link #MAX_COLUMNS} terminal columns. The stored
 * text keeps the server's words up to a few hundred characters; a summary line shows their start.
 */
final class ErrorExample {
    static final int MAX_COLUMNS = 160;

    private ErrorExample() {
    }

    static String shown(String error) {
        if (error == null || error.isBlank()) {
            return "-";
        }
        String line = error.replaceAll("\\s+", " ").strip();
        if (TextWidth.of(line) <= MAX_COLUMNS) {
            return line;
        }
        StringBuilder cut = new StringBuilder();
        int columns = 0;
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            String c = new String(Character.toChars(cp));
            columns += TextWidth.of(c);
            if (columns > MAX_COLUMNS - 1) {
                break;
            }
            cut.append(c);
            i += Character.charCount(cp);
        }
        return cut.toString().stripTrailing() + "…";
    }
}
