package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL server that is down or unreachable is a database that cannot be used, as a SQLite file that cannot be
 * opened is: exit code 4 from every command that takes {@code --db}, one line naming HOST:PORT and what to do, and
 * never the password. Port 1 on the loopback: nothing listens there, so the connection is refused at once.
 */
class PostgresUnreachableTest {
    private static final String URL = "postgresql://bob:hunter2@127.0.0.1:1/runs";
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));

    @TempDir
    Path dir;

    @Test
    void everyCommandExitsFourWithOneLineNamingTheServer() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        List<List<String>> commands = List.of(
                List.of("run", input.toString(), "--model", "m", "--base-url", "http://127.0.0.1:1/v1",
                        "--template", "{{question}}"),
                List.of("status"), List.of("export", "-o", dir.resolve("a.jsonl").toString()),
                List.of("sql", "SELECT 1"), List.of("clear", "--all", "--yes"),
                List.of("snapshot", dir.resolve("copy.db").toString()),
                List.of("score", "--label-field", "answer"), List.of("compare", "a", "b"),
                List.of("report", "-o", dir.resolve("r.html").toString()));
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--db", URL));
            Cli.Result r = EN.run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as("%s: %s", command.get(0), r.all()).isEqualTo(ExitCodes.DATABASE);
            assertThat(r.err()).as(command.get(0))
                    .startsWith("stride: cannot reach the PostgreSQL server at 127.0.0.1:1 (")
                    .endsWith("): start it, or check the URL postgresql://bob@127.0.0.1:1/runs\n")
                    .doesNotContain("hunter2");
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).doesNotContain("hunter2");
        }
    }

    /** A SQLite --db in a folder that does not exist is a mistyped path: exit 2, not the server's (or a file's) 4. */
    @Test
    void aSqliteFileInAFolderThatDoesNotExistIsAMistypedPath() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("no-such-folder/runs.db");
        Cli.Result r = EN.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                "http://127.0.0.1:1/v1", "--template", "{{question}}");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: cannot open " + db + ": folder " + db.getParent()
                + " does not exist; create it or name a file elsewhere\n");
        assertThat(Files.exists(db.getParent())).isFalse();
    }
}
