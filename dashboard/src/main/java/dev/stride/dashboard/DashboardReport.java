package dev.stride.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.app.WholeFile;
import dev.stride.db.Board;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code stride report}: one HTML file with the dashboard's runs list, charts and summaries, that opens offline and
 * can be mailed. Its style, uPlot and the page's script are inlined; the data is JSON in a
 * {@code <script type="application/json">} element with every {@code <} written as {@code \u003c}, so no text of a
 * model or dataset can end that element. A Content-Security-Policy meta tag allows only the file's own scripts and
 * styles (by their hashes) and no request to any host.
 */
public final class DashboardReport {
    /** The most failed records, and the most wrong ones, a report lists in full. */
    static final int PROBLEMS = 200;

    private DashboardReport() {
    }

    /** What was written: the runs the report shows. */
    public record Written(Path file, List<String> runs) {
    }

    /**
     * Writes the report of every run (or of {@code run} alone) to {@code target}, whole or not at all; its folder is not made.
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
        Optional<Rendered> rendered = render(board, run, source, step);
        if (rendered.isEmpty()) {
            return Optional.empty();
        }
        String html = rendered.get().html();
        WholeFile.write(target, file -> {
            Files.writeString(file, html, StandardCharsets.UTF_8);
            step.run();
            return null;
        });
        return Optional.of(new Written(target, rendered.get().runs()));
    }

    /** The report as {@link #write} writes it, and the runs it shows; for a caller that sends it elsewhere. */
    public record Rendered(String html, List<String> runs) {
    }

    /**
     * The report of every run (or of {@code run} alone) as HTML text: what {@code stride report -o -} prints.
     *
     * @return empty when {@code run} is given and the database has no such run
     */
    public static Optional<Rendered> render(Board board, String run, String source) {
        return render(board, run, source, () -> { });
    }

    /** As {@link #render(Board, String, String)}, calling {@code step} between its reads (see {@link #write}). */
    public static Optional<Rendered> render(Board board, String run, String source, Runnable step) {
        Instant now = Instant.now();
        step.run();
        List<Board.RunRow> rows = board.runs(now);
        step.run();
        if (run != null) {
            rows = rows.stream().filter(r -> r.info().name().equals(run)).toList();
            if (rows.isEmpty()) {
                return Optional.empty();
            }
        }
        ObjectNode data = BoardJson.MAPPER.createObjectNode();
        data.put("generated_at", now.toString());
        data.put("database", source);
        data.set("runs", BoardJson.runs(rows, now));
        ArrayNode details = data.putArray("details");
        List<String> names = new ArrayList<>();
        for (Board.RunRow r : rows) {
            String name = r.info().name();
            board.run(name, now).ifPresent(d -> {
                ObjectNode detail = BoardJson.detail(d);
                step.run();
                detail.set("problems", problems(board, name, latest(d.scores())));
                details.add(detail);
            });
            step.run();
            names.add(name);
        }
        return Optional.of(new Rendered(html(data), names));
    }

    /** The run's most recent scoring (metric and label field), or null when it is not scored. */
    static Board.ScoredBy latest(List<Board.Score> scores) {
        return scores.stream().max(Comparator.comparing(Board.Score::scoredAt, Comparator.nullsFirst(
                Comparator.naturalOrder()))).map(Board.Score::by).orElse(null);
    }

    /**
     * What went wrong, so that a mailed report shows it: the first {@link #PROBLEMS} records that failed and the
     * first {@link #PROBLEMS} answered wrong by the scoring {@code by} (named as {@code wrong_metric} and
     * {@code wrong_label_field}), each with its input, answer and error in full, as text.
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
            for (Board.RecordRow row : page.rows()) {
                board.record(run, row.id(), by).ifPresent(d -> list.add(BoardJson.record(d)));
            }
            o.put(status + "_more", page.next() != null);
        }
        return o;
    }

    static String html(ObjectNode data) {
        String json;
        try {
            json = BoardJson.MAPPER.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always writes", e);
        }
        // Inside <script type="application/json"> only "</script" or "<!--" could end or bend the element: with
        // every '<' escaped (JSON reads \u003c as '<'), no text can.
        json = json.replace("<", "\\u003c");
        String uplot = Assets.text(Assets.UPLOT_SCRIPT);
        String app = Assets.text(Assets.SCRIPT);
        String uplotStyle = Assets.text(Assets.UPLOT_STYLE);
        String style = Assets.text(Assets.STYLE);
        for (String inlined : List.of(uplot, app, uplotStyle, style)) {
            if (inlined.toLowerCase(java.util.Locale.ROOT).contains("</script")
                    || inlined.toLowerCase(java.util.Locale.ROOT).contains("</style")) {
                throw new IllegalStateException("an asset would end its own element");
            }
        }
        String policy = "default-src 'none'; script-src " + hash(uplot) + " " + hash(app) + "; style-src "
                + hash(uplotStyle) + " " + hash(style) + "; img-src data:; base-uri 'none'; form-action 'none'";
        return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + policy + "\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>stride report</title>\n"
                + "<style>" + uplotStyle + "</style>\n<style>" + style + "</style>\n</head>\n<body>\n"
                + "<header class=\"top\"><span class=\"brand\">stride</span><span class=\"tagline\">report</span>"
                + "<span id=\"status\" class=\"conn\"></span></header>\n<main id=\"main\"></main>\n"
                + "<script type=\"application/json\" id=\"stride-data\">" + json + "</script>\n"
                + "<script>" + uplot + "</script>\n<script>" + app + "</script>\n</body>\n</html>\n";
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
