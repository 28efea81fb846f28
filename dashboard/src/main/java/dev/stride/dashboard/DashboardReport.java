package dev.stride.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.app.WholeFile;
import dev.stride.db.Board;
import java.io.BufferedWriter;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code stride report}: one HTML file with the dashboard's runs list, charts and summaries, that opens offline and
 * can be mailed. Its style, uPlot and the page's script are inlined; the data is JSON in a
 * {@code <script type="application/json">} element with every {@code <} written as {@code \u003c}, so no text of a
 * model or dataset can end that element. A Content-Security-Policy meta tag allows only the file's own scripts and
 * styles (by their hashes) and no request to any host.
 */
public final class DashboardReport {
    /** The most failed records, and the most wrong ones, a report lists. */
    static final int PROBLEMS = 200;

    /**
     * How much of each text of a listed record (input, prompt, answer, error) a report keeps: a dataset of 200 KB
     * records gave a 77 MB report (and a 1.2 GB process) where these few thousand characters say what went wrong;
     * the dashboard's record page and {@code stride export} have the rest.
     */
    static final int TEXT = 2000;

    private DashboardReport() {
    }

    /** What was written: the runs the report shows. */
    public record Written(Path file, List<String> runs) {
    }

    /**
     * Writes the report of every run (or of {@code run} alone) to {@code target}, whole or not at all; its folder is
     * not made. It goes to the file as it is made, a run at a time: nothing holds the whole page.
     *
     * @param source how the database is named in the report (a file name, a URL without its password)
     * @return empty when {@code run} is given and the database has no such run
     */
    public static Optional<Written> write(Board board, String run, String source, Path target) throws IOException {
        return write(board, run, source, target, () -> { });
    }

    /**
     * As {@link #write(Board, String, String, Path)}, calling {@code step} between the reads of the report and once
     * more before the file gets its name: a caller that throws there (a stop asked for) leaves no file, or the one
     * that was there as it was.
     */
    public static Optional<Written> write(Board board, String run, String source, Path target, Runnable step)
            throws IOException {
        Instant now = board.clock().instant();
        Optional<List<Board.RunRow>> rows = rows(board, run, now, step);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        WholeFile.write(target, file -> {
            // The stream is closed here, not by the writer: a writer whose last bytes cannot be written (a full
            // disk) leaves its stream open, and the deleted file's space held until the process ends.
            try (OutputStream stream = Files.newOutputStream(file)) {
                Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                writeTo(out, board, rows.get(), source, now, step);
                out.flush();
            }
            step.run();
            return null;
        });
        return Optional.of(new Written(target, names(rows.get())));
    }

    /**
     * Writes the report of every run (or of {@code run} alone) to {@code out} as it is made: what
     * {@code stride report -o -} prints. Nothing is written when there is no such run.
     *
     * @return the runs the report shows; empty when {@code run} is given and the database has no such run
     */
    public static Optional<List<String>> print(Board board, String run, String source, Writer out)
            throws IOException {
        return print(board, run, source, out, () -> { });
    }

    /**
     * As {@link #print(Board, String, String, Writer)}, calling {@code step} between its reads: a caller that throws
     * there leaves {@code out} with the part written so far.
     */
    public static Optional<List<String>> print(Board board, String run, String source, Writer out, Runnable step)
            throws IOException {
        Instant now = board.clock().instant();
        Optional<List<Board.RunRow>> rows = rows(board, run, now, step);
        if (rows.isPresent()) {
            writeTo(out, board, rows.get(), source, now, step);
            out.flush();
        }
        return rows.map(DashboardReport::names);
    }

    private static Optional<List<Board.RunRow>> rows(Board board, String run, Instant now, Runnable step) {
        List<Board.RunRow> rows = board.runs(now);
        step.run();
        if (run != null) {
            rows = rows.stream().filter(r -> r.info().name().equals(run)).toList();
            if (rows.isEmpty()) {
                return Optional.empty();
            }
        }
        return Optional.of(rows);
    }

    private static List<String> names(List<Board.RunRow> rows) {
        return rows.stream().map(r -> r.info().name()).toList();
    }

    /** The page: the data element is written a run's detail at a time, each read from the board as it goes. */
    private static void writeTo(Writer page, Board board, List<Board.RunRow> rows, String source, Instant now,
                                Runnable step) throws IOException {
        Inlined assets = inlined();
        page.write(head(assets));
        page.write("<script type=\"application/json\" id=\"stride-data\">");
        // Inside <script type="application/json"> only "</script" or "<!--" could end or bend the element: with
        // every '<' escaped (JSON reads \u003c as '<'), no text can. A '<' in JSON is only ever inside a string.
        try (JsonGenerator json = BoardJson.MAPPER.getFactory().createGenerator(new LessThanEscaped(page))) {
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.writeStartObject();
            json.writeStringField("generated_at", now.toString());
            json.writeStringField("database", source);
            json.writeFieldName("runs");
            Long onlyInWal = board.answersOnlyInWal(now);
            json.writeTree(BoardJson.runs(rows, board.scoreboards(), onlyInWal, now));
            json.writeArrayFieldStart("details");
            for (Board.RunRow r : rows) {
                String name = r.info().name();
                Optional<Board.RunDetail> d = board.run(name, now);
                step.run();
                if (d.isPresent()) {
                    ObjectNode detail = BoardJson.detail(d.get(), onlyInWal, now);
                    detail.set("problems", problems(board, name, latest(d.get().scores())));
                    step.run();
                    json.writeTree(detail);
                    json.flush();
                }
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        page.write("</script>\n<script>" + assets.uplot() + "</script>\n<script>" + assets.app()
                + "</script>\n</body>\n</html>\n");
    }

    /** The run's most recent scoring (metric and label field), or null when it is not scored. */
    static Board.ScoredBy latest(List<Board.Score> scores) {
        return scores.stream().max(Comparator.comparing(Board.Score::scoredAt, Comparator.nullsFirst(
                Comparator.naturalOrder()))).map(Board.Score::by).orElse(null);
    }

    /**
     * What went wrong, so that a mailed report shows it: the first {@link #PROBLEMS} records that failed and the
     * first {@link #PROBLEMS} answered wrong by the scoring {@code by} (named as {@code wrong_metric} and
     * {@code wrong_label_field}), each with its input, prompt, answer and error as text, each cut to {@link #TEXT}
     * characters with a note of its full length.
     */
    private static ObjectNode problems(Board board, String run, Board.ScoredBy by) {
        ObjectNode o = BoardJson.MAPPER.createObjectNode();
        o.put("limit", PROBLEMS);
        if (by != null) {
            // One scoring for every record listed: each record's latest could be by one metric here, another there
            o.put("wrong_metric", by.metric());
            o.put("wrong_label_field", by.labelField());
        }
        // An unscored run has no wrong answer: its million answers are not looked through for one.
        for (String status : by != null ? List.of("failed", "wrong") : List.of("failed")) {
            ArrayNode list = o.putArray(status);
            Board.RecordPage page = board.records(run, new Board.RecordQuery(status, null, -1, PROBLEMS, by))
                    .orElse(new Board.RecordPage(List.of(), null, null, -1));
            List<String> ids = page.rows().stream().map(Board.RecordRow::id).toList();
            // Each cut as it is read: 200 records of 200 KB held whole ran a 32 MB heap out (ReportInLittleHeapIT).
            board.recordDetails(run, ids, by, d -> list.add(clipped(BoardJson.record(d))));
            o.put(status + "_more", page.next() != null);
        }
        return o;
    }

    /** A listed record with each long text cut to {@link #TEXT} characters and its full length said after it. */
    static ObjectNode clipped(ObjectNode record) {
        for (String field : List.of("input", "prompt", "answer", "reasoning", "refusal", "error")) {
            JsonNode text = record.get(field);
            if (text != null && text.isTextual()) {
                record.put(field, clip(text.asText(), TEXT));
            }
        }
        return record;
    }

    /**
     * {@code text} when it has at most {@code limit} characters; else its first {@code limit} (a pair of surrogates
     * is never split), an ellipsis as the dashboard's lists end a cut text with, and how long the whole is.
     */
    static String clip(String text, int limit) {
        int length = text.codePointCount(0, text.length());
        if (length <= limit) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, limit)) + "… ("
                + String.format(Locale.ROOT, "%,d", length) + " characters in all)";
    }

    /** The inlined scripts and styles, each checked not to end its own element. */
    private record Inlined(String uplot, String app, String uplotStyle, String style) {
    }

    private static Inlined inlined() {
        Inlined a = new Inlined(Assets.text(Assets.UPLOT_SCRIPT), Assets.text(Assets.SCRIPT),
                Assets.text(Assets.UPLOT_STYLE), Assets.text(Assets.STYLE));
        for (String inlined : List.of(a.uplot(), a.app(), a.uplotStyle(), a.style())) {
            if (inlined.toLowerCase(Locale.ROOT).contains("</script")
                    || inlined.toLowerCase(Locale.ROOT).contains("</style")) {
                throw new IllegalStateException("an asset would end its own element");
            }
        }
        return a;
    }

    /** The page up to its data element. */
    private static String head(Inlined a) {
        String policy = "default-src 'none'; script-src " + hash(a.uplot()) + " " + hash(a.app()) + "; style-src "
                + hash(a.uplotStyle()) + " " + hash(a.style()) + "; img-src data:; base-uri 'none'; form-action 'none'";
        return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + policy + "\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>stride report</title>\n"
                + "<style>" + a.uplotStyle() + "</style>\n<style>" + a.style() + "</style>\n</head>\n<body>\n"
                + "<header class=\"top\"><span class=\"brand\">stride</span><span class=\"tagline\">report</span>"
                + "<span id=\"status\" class=\"conn\"></span></header>\n<main id=\"main\"></main>\n";
    }

    /** Writes every '<' as the JSON escape {@code \u003c}; the rest as it is. */
    private static final class LessThanEscaped extends FilterWriter {
        LessThanEscaped(Writer out) {
            super(out);
        }

        @Override
        public void write(int c) throws IOException {
            if (c == '<') {
                out.write("\\u003c");
            } else {
                out.write(c);
            }
        }

        @Override
        public void write(char[] chars, int offset, int length) throws IOException {
            int from = offset;
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '<') {
                    out.write(chars, from, i - from);
                    out.write("\\u003c");
                    from = i + 1;
                }
            }
            out.write(chars, from, offset + length - from);
        }

        @Override
        public void write(String text, int offset, int length) throws IOException {
            int from = offset;
            for (int i = offset; i < offset + length; i++) {
                if (text.charAt(i) == '<') {
                    out.write(text, from, i - from);
                    out.write("\\u003c");
                    from = i + 1;
                }
            }
            out.write(text, from, offset + length - from);
        }
    }

    /** A CSP source allowing exactly {@code text} as an inline script or style. */
    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
