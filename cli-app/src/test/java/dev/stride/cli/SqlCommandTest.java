package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SqlCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path db;

    /** One run of 5 records, one of which the server refuses. */
    @BeforeEach
    void oneRun() throws Exception {
        db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 5);
        stride.model.answering(prompt -> prompt.equals("question 3")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long, really\"}}") : null);
        assertThat(stride.run(input, db).model("alpha").template("{{question}}").with().exitCode()).isEqualTo(3);
    }

    @Test
    void printsATableWithAHeaderAlignedColumnsAndTheRowCount() {
        Cli.Result r = stride.cli.run("sql", "--db", db.toString(),
                "SELECT run, done, total, percent, state FROM progress");

        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("run    done  total  percent  state");
        assertThat(lines.get(1)).isEqualTo("-----  ----  -----  -------  ------------------");
        assertThat(lines.get(2)).isEqualTo("alpha     4      5     80.0  done_with_failures");
        assertThat(lines.get(3)).isEqualTo("(1 row)");
    }

    @Test
    void showsNullAndLinesUpWideCharacters() {
        Cli.Result r = stride.cli.run("sql", "--db", db.toString(),
                "SELECT '中文' AS name, NULL AS blank UNION ALL SELECT 'ab', 1");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "name  blank",
                "----  -----",
                "中文  NULL",
                "ab        1",
                "(2 rows)");
    }

    @Test
    void csvQuotesWhatNeedsQuotesAndKeepsValuesWhole() {
        Cli.Result r = stride.cli.run("sql", "--db", db.toString(), "--csv",
                "SELECT id, status, error FROM results WHERE run = 'alpha' AND id IN ('q2', 'q3') ORDER BY id");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out().split("\r\n")).containsExactly("id,status,error", "q2,done,",
                "q3,failed,\"HTTP 400: prompt is too long, really\"");
    }

    @Test
    void jsonIsAnArrayOfObjectsWithTypedValues() throws Exception {
        Cli.Result r = stride.cli.run("sql", "--db", db.toString(), "--json",
                "SELECT run, done, percent FROM progress");

        assertThat(r.exitCode()).as(r.all()).isZero();
        JsonNode rows = JSON.readTree(r.out());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("run").asText()).isEqualTo("alpha");
        assertThat(rows.get(0).get("done").isIntegralNumber()).isTrue();
        assertThat(rows.get(0).get("done").asInt()).isEqualTo(4);
        assertThat(rows.get(0).get("percent").asDouble()).isEqualTo(80.0);
    }

    @Test
    void refusesEveryWriteInOneLineAndChangesNothing() throws Exception {
        for (String write : List.of("DELETE FROM predictions", "UPDATE runs SET total = 0",
                "DROP VIEW progress", "CREATE TABLE x (a)", "PRAGMA user_version = 99")) {
            Cli.Result r = stride.cli.run("sql", "--db", db.toString(), write);

            assertThat(r.exitCode()).as(write + ": " + r.all()).isEqualTo(2);
            assertThat(r.err().lines()).as(write).hasSize(1);
            assertThat(r.err()).as(write).contains("stride sql only reads", "read-only");
        }
        assertThat(Datasets.count(db, "SELECT count(*) FROM predictions")).isEqualTo(5);
        assertThat(Datasets.count(db, "SELECT total FROM runs")).isEqualTo(5);
    }

    @Test
    void aMistakeInTheStatementIsSQLitesOwnWordsAndExit2() {
        Cli.Result r = stride.cli.run("sql", "--db", db.toString(), "SELECT nope FROM progress");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("stride: no such column: nope");
    }

    @Test
    void aFileThatIsNotSqliteIsExit4() throws Exception {
        Path text = dir.resolve("notes.db");
        Files.writeString(text, "just some notes, not a database at all", StandardCharsets.UTF_8);

        Cli.Result r = stride.cli.run("sql", "--db", text.toString(), "SELECT 1");

        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("is not a SQLite database");
    }

    @Test
    void aStatementThatOpensWithALineCommentRunsWhereverItStands() {
        String commented = "-- answers so far\nSELECT run, done FROM progress";

        Cli.Result first = stride.cli.run("sql", "--db", db.toString(), commented, "--csv");
        Cli.Result last = stride.cli.run("sql", "--csv", "--db", db.toString(), commented);
        Cli.Result separated = stride.cli.run("sql", "--db", db.toString(), "--csv", "--", commented);

        for (Cli.Result r : List.of(first, last, separated)) {
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out().lines()).containsExactly("run,done", "alpha,4");
        }
    }

    @Test
    void csvAndJsonTogetherIsBadUsage() {
        Cli.Result r = stride.cli.run("sql", "--db", db.toString(), "--csv", "--json", "SELECT 1");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("mutually exclusive");
    }
}
