package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static dev.stride.cli.SteppingClock.stepping;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export to a file says how far it has come, on one redrawn line, to someone at a terminal once it takes a while;
 * a quick one, and any export nobody watches, prints only its last line as before. Time here is a test's clock that
 * moves a fixed step at each look, so no run of this test depends on the machine's speed.
 */
class ExportProgressTest {
    private static final Pattern DRAWN = Pattern.compile("\r(Exporting run '([^']*)' to ([^:]*): (\\d+)%) *");

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aQuickExportDrawsNothing() {
        StringWriter err = new StringWriter();
        ExportProgress progress = ExportProgress.on(true, new PrintWriter(err), Messages.ENGLISH,
                "m", Path.of("out.csv"), 20_000, 1, stepping(1_000_000));
        for (int i = 0; i < 20_000; i++) {
            progress.row();
        }
        progress.done();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aLongExportRedrawsOneLineThatGoesUpAndIsErasedAtTheEnd() {
        StringWriter err = new StringWriter();
        ExportProgress progress = ExportProgress.on(true, new PrintWriter(err), Messages.ENGLISH,
                "m", Path.of("out.csv"), 8_192, 1, stepping(300_000_000));
        for (int i = 0; i < 8_192; i++) {
            progress.row();
        }
        String drawn = err.toString();
        List<Integer> percents = percents(drawn);
        // The clock passes the first second at its fourth look (512 rows each), then every look is a redraw.
        assertThat(percents).startsWith(25, 31).endsWith(100).isSorted();
        progress.done();
        String erased = err.toString().substring(drawn.length());
        int width = "Exporting run 'm' to out.csv: 100%".length();
        assertThat(erased).isEqualTo("\r" + " ".repeat(width) + "\r");
    }

    @Test
    void anExportThatReadsTheRunTwiceCountsBothPasses() {
        StringWriter err = new StringWriter();
        ExportProgress progress = ExportProgress.on(true, new PrintWriter(err), Messages.ENGLISH,
                "m", Path.of("out.csv"), 8_192, 2, stepping(300_000_000));
        for (int i = 0; i < 8_192; i++) {
            progress.row();
        }
        assertThat(percents(err.toString())).endsWith(50);
    }

    @Test
    void nobodyWatchingMeansNoProgress() {
        assertThat(ExportProgress.on(false, new PrintWriter(new StringWriter()), Messages.ENGLISH,
                "m", Path.of("out.csv"), 8_192, 1, stepping(300_000_000))).isNull();
    }

    /**
     * Through the command: watched, a slow export of a file draws its line and erases it before the line that says
     * what the file holds, which is then whole; with --include-input as CSV the two passes count as one export.
     */
    @Test
    void exportToAFileShowsItsProgressToSomeoneWatchingAndOnlyThen() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 3_000);
        stride.model.answering(prompt -> null);
        assertThat(stride.run(input, db).model("m").template("{{question}}").with("--concurrency", "16").exitCode())
                .isZero();

        for (String format : List.of("jsonl", "csv")) {
            Path out = dir.resolve("watched." + format);
            Cli.Result r = new Cli().exportWatchedBy(stepping(300_000_000)).run("export", "--db", db.toString(),
                    "--include-input", "-o", out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            // A look every 512 rows, the clock 300 ms on at each: drawn from the fourth look on, of 3,000 rows in
            // one pass, or of 6,000 in two (CSV's first collects the input's fields).
            assertThat(percents(r.err())).as(r.err()).containsExactlyElementsOf(format.equals("csv")
                    ? List.of(34, 42, 51, 59, 68, 76, 85, 93) : List.of(68, 85));
            Matcher drawn = DRAWN.matcher(r.err());
            int width = 0;
            while (drawn.find()) {
                assertThat(drawn.group(2)).isEqualTo("m");
                assertThat(drawn.group(3)).isEqualTo(out.toString());
                width = Math.max(width, drawn.group(1).length());
            }
            assertThat(r.err()).as("erased, then the last line at the margin")
                    .endsWith("\r" + " ".repeat(width) + "\rWrote " + out + ": 3,000 rows of run 'm', " + format
                            + System.lineSeparator());
            assertThat(Files.readAllLines(out)).hasSize(format.equals("csv") ? 3_001 : 3_000);
        }

        Path plain = dir.resolve("plain.jsonl");
        Cli.Result unwatched = stride.cli.run("export", "--db", db.toString(), "-o", plain.toString());
        assertThat(unwatched.err()).isEqualTo("Wrote " + plain + ": 3,000 rows of run 'm', jsonl"
                + System.lineSeparator());
    }

    private static List<Integer> percents(String drawn) {
        List<Integer> percents = new ArrayList<>();
        Matcher m = DRAWN.matcher(drawn);
        while (m.find()) {
            percents.add(Integer.parseInt(m.group(4)));
        }
        return percents;
    }
}
