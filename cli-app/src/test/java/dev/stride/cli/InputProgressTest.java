package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static dev.stride.cli.SteppingClock.stepping;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's input read into the database says how far the reading has come, on one redrawn line, to someone at a
 * terminal once it takes a while: a big input was read for a minute with nothing on the screen. Erased before the
 * run's next line; nothing where nobody watches. Time here is a test's clock that moves a fixed step at each look.
 */
class InputProgressTest {
    private static final Pattern DRAWN = Pattern.compile("\r(Reading ([^:]*) into the database: ([\\d,]+) records so"
            + " far) *");

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aQuickReadDrawsNothingAndNobodyWatchingMeansNoLine() {
        StringWriter err = new StringWriter();
        InputProgress quick = InputProgress.on(true, new PrintWriter(err), Messages.ENGLISH, Path.of("in.jsonl"),
                stepping(1_000_000));
        for (int i = 0; i < 20_000; i++) {
            quick.see("{}");
        }
        quick.done();
        assertThat(err.toString()).isEmpty();
        assertThat(quick.ran()).isTrue();
        assertThat(InputProgress.on(false, new PrintWriter(err), Messages.ENGLISH, Path.of("in.jsonl"),
                stepping(300_000_000))).isNull();
    }

    /** Through the command: watched, a slow read draws its line, which is erased before the run's next line. */
    @Test
    void aRunsInputReadWhileSomeoneWatchesShowsItsCountAndIsErasedBeforeTheRunGoesOn() throws Exception {
        Path input = questions(dir, "q.jsonl", 3_000);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> null);
        Cli.Result r = new Cli().inputWatchedBy(stepping(300_000_000)).run("run", input.toString(), "--db",
                db.toString(), "--model", "m", "--base-url", stride.url(), "--template", "{{question}}",
                "--log-every", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        // A look every 256 records, the clock 300 ms on at each: drawn from the fourth look on.
        List<String> counts = new ArrayList<>();
        Matcher drawn = DRAWN.matcher(r.err());
        int width = 0;
        while (drawn.find()) {
            assertThat(drawn.group(2)).isEqualTo(input.toString());
            counts.add(drawn.group(3));
            width = Math.max(width, drawn.group(1).length());
        }
        assertThat(counts).as(r.err()).containsExactly("1,024", "1,280", "1,536", "1,792", "2,048", "2,304",
                "2,560", "2,816");
        assertThat(r.err()).as("erased before anything else is said").startsWith("\rReading ")
                .contains("\r" + " ".repeat(width) + "\r");
        assertThat(r.err().substring(r.err().indexOf("\r" + " ".repeat(width) + "\r") + width + 2))
                .doesNotContain("\r");

        Path again = questions(dir, "q2.jsonl", 3_000);
        Cli.Result unwatched = stride.cli.run("run", again.toString(), "--db", dir.resolve("b.db").toString(),
                "--model", "m", "--base-url", stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(unwatched.exitCode()).as(unwatched.err()).isZero();
        assertThat(unwatched.err()).doesNotContain("Reading ");
    }
}
