package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.WorkerInfo;
import dev.stride.db.SqliteCheckpointStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class StatusClearExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path db;

    /** Two runs in one file: one done with a failure, one interrupted partway. */
    @BeforeEach
    void twoRuns() throws Exception {
        db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 20);
        stride.model.answering(prompt -> prompt.equals("question 5")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null);
        assertThat(stride.run(input, db).model("alpha").template("{{question}}").with().exitCode()).isEqualTo(3);
        java.util.concurrent.atomic.AtomicInteger betaRequests = new java.util.concurrent.atomic.AtomicInteger();
        stride.model.answering(prompt -> {
            if (betaRequests.incrementAndGet() == 8) {
                stride.cli.pressCtrlC();
            }
            return null;
        });
        assertThat(stride.run(input, db).model("beta").template("{{question}}").with("--concurrency", "1").exitCode())
                .isEqualTo(130);
    }

    @Test
    void statusShowsOneRowPerRunWithProgressFailuresAndState() {
        Cli.Result r = stride.cli.run("status", "--db", db.toString());

        assertThat(r.exitCode()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).contains("RUN", "MODEL", "DONE/TOTAL", "FAILED", "ELAPSED", "SAVED AT", "STATE");
        assertThat(lines.get(1)).contains("alpha", "19/20 (95.0%)", "done_with_failures");
        assertThat(lines.get(1)).containsPattern(Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"));
        assertThat(lines.get(2)).contains("beta").contains("interrupted");
    }

    /** Counts past a thousand are grouped in every line for people, as the token counts beside them are; --json not. */
    @Test
    void countsPastAThousandAreGroupedForPeopleAndPlainForScripts() throws Exception {
        Path big = questions(dir, "big.jsonl", 1200);
        Path bigDb = dir.resolve("big.db");
        stride.model.answering(prompt -> null);
        Cli.Result run = stride.run(big, bigDb).template("{{question}}").noProgress().with("--concurrency", "32");
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).contains("Starting new run 'm': 1,200 records", "Done: 'm' 1,200/1,200 records",
                "this session: 1,200 predictions", "Outcomes:  1,200 done, 0 failed", "Requests:  1,200 sent");
        assertThat(stride.cli.run("status", "--db", bigDb.toString()).out()).contains("1,200/1,200 (100.0%)");
        assertThat(stride.cli.run("status", "--db", bigDb.toString(), "--run", "m").out())
                .contains("1,200/1,200 done (100.0%)").containsPattern("Finish: +stop 1,200");
        Cli.Result json = stride.cli.run("status", "--db", bigDb.toString(), "--json");
        assertThat(json.out()).contains("\"done\" : 1200").doesNotContain("1,200");
    }

    @Test
    void statusJsonIsForScripts() throws Exception {
        Cli.Result r = stride.cli.run("status", "--db", db.toString(), "--json");

        JsonNode runs = JSON.readTree(r.out());
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).get("run").asText()).isEqualTo("alpha");
        assertThat(runs.get(0).get("done").asInt()).isEqualTo(19);
        assertThat(runs.get(0).get("failed").asInt()).isEqualTo(1);
        assertThat(runs.get(0).get("pending").asInt()).isZero();
        assertThat(runs.get(1).get("state").asText()).isEqualTo("interrupted");
        assertThat(runs.get(1).get("done").asInt() + runs.get(1).get("pending").asInt()).isEqualTo(20);
    }

    @Test
    void statusOfOneRunShowsItsCostAsTheTableDoesAndRefusesOnePriceAlone() throws Exception {
        Cli.Result text = stride.cli.run("status", "--db", db.toString(), "--run", "alpha", "--price-in", "1",
                "--price-out", "10");
        assertThat(text.exitCode()).as(text.all()).isZero();
        // 19 answers of 7 tokens in and 3 out: 133 x $1 + 57 x $10 per million
        assertThat(text.out()).contains("Tokens:      133 in, 57 out\n"
                + "Cost:        $0.0007 (at $1.000 in, $10.000 out per million tokens)\n");
        JsonNode one = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--run", "alpha", "--json",
                "--price-in", "1", "--price-out", "10").out());
        JsonNode table = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json", "--price-in", "1",
                "--price-out", "10").out()).get(0);
        assertThat(one.get("cost").asDouble()).isEqualTo(0.000703).isEqualTo(table.get("cost").asDouble());
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "alpha").out()).doesNotContain("Cost:");

        for (List<String> json : List.of(List.<String>of(), List.of("--json"))) {
            String[] args = Stream.concat(Stream.of("status", "--db", db.toString(), "--run", "alpha", "--price-in",
                    "1"), json.stream()).toArray(String[]::new);
            Cli.Result alone = stride.cli.run(args);
            assertThat(alone.exitCode()).as(alone.all()).isEqualTo(2);
            assertThat(alone.err()).isEqualTo("stride: give both --price-in and --price-out (per million tokens), or"
                    + " neither\n");
            assertThat(alone.out()).isEmpty();
        }
    }

    @Test
    void statusOfAMissingFileSaysHowToStart() {
        Cli.Result r = stride.cli.run("status", "--db", dir.resolve("nope.db").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("nope.db: no such database").contains("stride run");
        assertThat(dir.resolve("nope.db")).doesNotExist();
    }

    @Test
    void exportWritesOneLinePerRecordInInputOrder() throws Exception {
        Path out = dir.resolve("alpha.jsonl");
        Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", out.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("Wrote " + out + ": 20 rows of run 'alpha', jsonl" + System.lineSeparator());
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(20);
        for (int i = 0; i < 20; i++) {
            JsonNode line = JSON.readTree(lines.get(i));
            assertThat(line.get("id").asText()).isEqualTo("q" + i);
            if (i == 5) {
                assertThat(line.get("status").asText()).isEqualTo("failed");
                assertThat(line.get("output").isNull()).isTrue();
                assertThat(line.get("error").asText()).contains("prompt is too long");
            } else {
                assertThat(line.get("status").asText()).isEqualTo("done");
                assertThat(line.get("output").asText()).isEqualTo("echo: question " + i);
                assertThat(line.get("error").isNull()).isTrue();
            }
        }
    }

    @Test
    void anOutputThatCannotBeWrittenIsSaidInOneLineNamingItAndLeavesNoHiddenFileBehind() throws Exception {
        Path missing = dir.resolve("nofolder").resolve("out.jsonl");
        Cli.Result noFolder = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", missing.toString());
        assertThat(noFolder.exitCode()).isEqualTo(2);
        assertThat(noFolder.err()).isEqualTo("stride: cannot write " + missing + ": folder " + missing.getParent()
                + " does not exist; create it or name another file\n");

        Path folder = Files.createDirectory(dir.resolve("adir"));
        Cli.Result isFolder = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", folder.toString());
        assertThat(isFolder.exitCode()).isEqualTo(2);
        assertThat(isFolder.err()).isEqualTo("stride: -o " + folder + ": is a folder; name a file in it\n");
        for (String command : List.of("export", "report")) {
            // -o "$OUT" with OUT unset: not "the current folder is a folder"
            Cli.Result empty = stride.cli.run(command, "--db", db.toString(), "--run", "alpha", "-o", "");
            assertThat(empty.exitCode()).as(command).isEqualTo(2);
            assertThat(empty.err()).as(command)
                    .isEqualTo("stride: -o is empty: name a file to write, or - for standard output\n");
        }

        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (!Files.isWritable(locked)) { // root writes anywhere
                Cli.Result denied = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o",
                        locked.resolve("out.jsonl").toString());
                assertThat(denied.exitCode()).isEqualTo(1);
                assertThat(denied.err()).isEqualTo("stride: cannot write " + locked.resolve("out.jsonl")
                        + ": permission denied\n");
            }
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (Stream<Path> left = Files.walk(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
        }
    }

    /**
     * An export killed with kill -9 a moment ago left its hidden .part file; the next export of the same file keeps it
     * for a minute (it may be another machine's, writing into a shared folder) and names it rather than leave it out
     * of sight. A running process's file is neither named nor removed.
     */
    @Test
    void anExportNamesThePartFileAKilledExportLeftAMomentAgo() throws Exception {
        Path out = dir.resolve("out.jsonl");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path killed = dir.resolve(".out.jsonl." + gone.pid() + "-1.part");
        Files.writeString(killed, "{\"id\": \"q0\"", StandardCharsets.UTF_8);
        Process running = new ProcessBuilder("sleep", "600").start();
        try {
            Path live = dir.resolve(".out.jsonl." + running.pid() + "-1.part");
            Files.writeString(live, "{", StandardCharsets.UTF_8);

            Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "beta", "-o", out.toString());

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.err()).endsWith("\nLeft beside " + out + ": " + killed.getFileName() + ", the unfinished"
                    + " file of a stride stopped while it wrote " + out + " (kill -9, a crash) a moment ago; the next"
                    + " write of " + out + " removes it once untouched for a minute, or remove it yourself\n");
            assertThat(killed).exists();
            assertThat(live).exists();
        } finally {
            running.destroyForcibly().waitFor();
        }
    }

    @Test
    void anOutputKeepsThePermissionsOfTheFileItReplacesAndIsWrittenThroughALink() throws Exception {
        Path fresh = dir.resolve("fresh.jsonl");
        Path likeAnyNewFile = Files.createFile(dir.resolve("any-new-file"));
        assertThat(stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", fresh.toString())
                .exitCode()).isZero();
        // Not a temporary file's 0600: what any new file of the user gets (the umask's).
        assertThat(Files.getPosixFilePermissions(fresh)).isEqualTo(Files.getPosixFilePermissions(likeAnyNewFile));

        Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(stride.cli.run("export", "--db", db.toString(), "--run", "beta", "-o", fresh.toString())
                .exitCode()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-r-----");
        assertThat(Files.readAllLines(fresh)).hasSize(20);

        Path link = Files.createSymbolicLink(dir.resolve("latest.jsonl"), fresh.getFileName());
        assertThat(stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", link.toString())
                .exitCode()).isZero();
        assertThat(Files.isSymbolicLink(link)).as("still a link").isTrue();
        assertThat(Files.readString(fresh)).contains("prompt is too long"); // alpha's failure, through the link
    }

    @Test
    void anOutputThatIsAPipeIsWrittenIntoAndStaysAPipe() throws Exception {
        // A FIFO stands for /dev/null and /dev/stdout: renaming a file over such a path (as root, even /dev/null)
        // replaced the device with a regular file holding the export.
        Path fifo = dir.resolve("answers.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Path link = Files.createSymbolicLink(dir.resolve("out"), fifo.getFileName());

        Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", link.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(Files.readAttributes(fifo, BasicFileAttributes.class).isOther()).as("still a pipe").isTrue();
        assertThat(read.get(60, TimeUnit.SECONDS).lines()).hasSize(20);
        assertThat(Files.isSymbolicLink(link)).as("still a link").isTrue();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
        }
    }

    /**
     * The line on standard error counts what the file holds, read back from it: beta's pending records are rows of
     * JSON lines, CSV and Parquet (said as pending), and left out of the Batch format (said as left out). It said 20
     * rows of a Batch file that held only beta's finished ones.
     */
    @Test
    void exportToAFileSaysOnStandardErrorWhatItWroteInEveryFormat() throws Exception {
        long pending = count(db, "SELECT pending FROM progress WHERE run = 'beta'");
        assertThat(pending).isBetween(1L, 19L);
        for (String format : List.of("jsonl", "csv", "batch", "parquet")) {
            Path out = dir.resolve("beta." + format);
            Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "beta", "--format", format,
                    "-o", out.toString());

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out()).as(format).isEmpty();
            long rows = rowsIn(out, format);
            assertThat(rows).as(format).isEqualTo(format.equals("batch") ? 20 - pending : 20);
            assertThat(r.err()).as(format).isEqualTo("Wrote " + out + ": " + rows + " rows of run 'beta', " + format
                    + " (" + pending + (format.equals("batch") ? " pending left out)" : " pending)")
                    + System.lineSeparator());
        }
        Path alpha = dir.resolve("alpha.batch");
        Cli.Result done = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "--format", "batch",
                "-o", alpha.toString());
        assertThat(done.err()).isEqualTo("Wrote " + alpha + ": 20 rows of run 'alpha', batch"
                + System.lineSeparator());
        assertThat(rowsIn(alpha, "batch")).isEqualTo(20);
    }

    /**
     * A run that is going (a live worker, its cursor fresh: status would say running) is said to be going, with its
     * pending records, so that the export is not taken for the run's whole; a going run with none pending too (it may
     * still retry a failure). Its cursor is dated ahead, so that no slow moment of this test makes it look stopped.
     */
    @Test
    void exportOfARunThatIsGoingSaysSoWithItsPendingRecords() throws Exception {
        long pending = count(db, "SELECT pending FROM progress WHERE run = 'beta'");
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(db)) {
            for (String run : List.of("alpha", "beta")) {
                worker.join(worker.findRun(run).orElseThrow().id(), Duration.ofMinutes(10));
            }
            try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                 var st = c.createStatement()) {
                st.executeUpdate("UPDATE runs SET state = 'running', saved_at = strftime('%Y-%m-%d %H:%M:%f', 'now',"
                        + " '+1 hour')");
            }
            assertThat(stride.cli.run("status", "--db", db.toString()).out().lines().skip(1).limit(2))
                    .allMatch(line -> line.endsWith("running"));

            for (String format : List.of("jsonl", "batch")) {
                Path out = dir.resolve("going." + format);
                Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "beta", "--format", format,
                        "-o", out.toString());

                assertThat(r.exitCode()).as(r.all()).isZero();
                assertThat(r.err()).as(format).isEqualTo("Wrote " + out + ": " + rowsIn(out, format)
                        + " rows of run 'beta', " + format + " (" + pending
                        + (format.equals("batch") ? " pending left out" : " pending")
                        + ": the run is still going)" + System.lineSeparator());
            }
            Path alpha = dir.resolve("alpha.jsonl");
            Cli.Result none = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", alpha.toString());
            assertThat(none.err()).isEqualTo("Wrote " + alpha + ": 20 rows of run 'alpha', jsonl (the run is still"
                    + " going)" + System.lineSeparator());
            Cli.Result zh = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run("export", "--db", db.toString(), "--run",
                    "beta", "--format", "batch", "-o", dir.resolve("zh.jsonl").toString());
            assertThat(zh.err()).contains("未包含 " + pending + " 条待处理记录：任务仍在运行").hasLineCount(1);
        }
    }

    /** The rows an export's file holds, as a reader counts them: lines, CSV records after the header, Parquet rows. */
    private static long rowsIn(Path file, String format) throws Exception {
        if (format.equals("parquet")) {
            try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                 var st = c.createStatement();
                 var rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + file.toString().replace("'", "''")
                         + "')")) {
                rs.next();
                return rs.getLong(1);
            }
        }
        // The answers of this file hold no line breaks: a line is a row.
        long lines = Files.readAllLines(file, StandardCharsets.UTF_8).size();
        return format.equals("csv") ? lines - 1 : lines;
    }

    @Test
    void withoutFormatAFileNamedCsvOrParquetIsWrittenAsItsNameSaysAndAnyOtherAsJsonLines() throws Exception {
        for (String name : List.of("answers.csv", "ANSWERS.PARQUET", "answers.txt", "answers")) {
            Path out = dir.resolve(name);
            Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "beta", "-o", out.toString());

            assertThat(r.exitCode()).as(r.all()).isZero();
            byte[] written = Files.readAllBytes(out);
            String head = new String(written, 0, 4, StandardCharsets.ISO_8859_1);
            if (name.endsWith(".csv")) {
                assertThat(Files.readAllLines(out).get(0)).startsWith("id,output,status,");
                assertThat(r.err()).contains("'beta', csv (");
            } else if (name.endsWith(".PARQUET")) {
                assertThat(head).isEqualTo("PAR1");
                assertThat(r.err()).contains("'beta', parquet (");
            } else {
                assertThat(head).as(name).startsWith("{\"");
                assertThat(r.err()).contains("'beta', jsonl (");
            }
        }
        // A --format given wins over the name.
        Path named = dir.resolve("lines.csv");
        assertThat(stride.cli.run("export", "--db", db.toString(), "--run", "beta", "--format", "jsonl", "-o",
                named.toString()).exitCode()).isZero();
        assertThat(Files.readString(named)).startsWith("{\"");
    }

    @Test
    void exportShowsPendingRecordsOfAnUnfinishedRunAsCsv() throws Exception {
        Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "beta", "--format", "csv");

        assertThat(r.exitCode()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("id,output,status,error,finish_reason,prompt_tokens,completion_tokens,"
                + "latency_ms,attempts,finished_at,refusal,extracted,output_json");
        assertThat(lines).hasSize(21);
        assertThat(lines.stream().filter(l -> l.contains(",pending,"))).isNotEmpty();
        assertThat(lines.get(1)).startsWith("q0,echo: question 0,done,,stop,7,3,");
    }

    @Test
    void exportToADashWritesToStandardOutputAsRunReadsADashFromStandardInput() throws Exception {
        Path dash = Path.of("-").toAbsolutePath(); // where a file named "-" would land: the working directory
        assertThat(dash).doesNotExist();
        try {
            Cli.Result toDash = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o", "-");

            assertThat(toDash.exitCode()).as(toDash.err()).isZero();
            assertThat(toDash.err()).isEmpty(); // standard output holds the rows: nothing to say where they went
            assertThat(dash).doesNotExist();
            assertThat(toDash.out().lines()).hasSize(20).first().asString().startsWith("{\"id\":\"q0\"");
            assertThat(toDash.out()).isEqualTo(stride.cli.run("export", "--db", db.toString(), "--run", "alpha").out());
        } finally {
            Files.deleteIfExists(dash);
        }
    }

    @Test
    void exportNeedsARunNameWhenTheFileHoldsSeveral() {
        Cli.Result r = stride.cli.run("export", "--db", db.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--run NAME").contains("'alpha'").contains("'beta'");
    }

    /**
     * A cleared run's pages stay in the file for the runs to come: said, with the way to a smaller copy, when they are
     * worth one (a user cleared a run of a million records and found the file as big as before, without a word).
     */
    @Test
    void clearOfABigRunSaysTheFileKeepsItsSizeAndHowToGetACopyWithoutIt() throws Exception {
        Path big = dir.resolve("big.db");
        StringBuilder lines = new StringBuilder();
        String long30k = "x".repeat(30_000);
        for (int i = 0; i < 1_400; i++) {
            lines.append("{\"id\":\"b").append(i).append("\",\"question\":\"").append(long30k).append("\"}\n");
        }
        Path input = Files.writeString(dir.resolve("big.jsonl"), lines);
        stride.model.answering(prompt -> null);
        assertThat(stride.run(input, big).model("big").template("{{question}}").with().exitCode()).isZero();
        long before = Files.size(big);

        Cli.Result cleared = stride.cli.run("clear", "--db", big.toString(), "--run", "big", "--yes");
        assertThat(cleared.exitCode()).as(cleared.all()).isZero();
        assertThat(Files.size(big)).as("SQLite keeps the pages").isGreaterThanOrEqualTo(before / 2);
        assertThat(cleared.out()).containsPattern(Pattern.compile(Pattern.quote(big + " stays ") + "[\\d.]+ MB on disk:"
                + " SQLite keeps the [\\d.]+ MB the cleared records took for the runs to come; stride snapshot --db "
                + Pattern.quote(big.toString()) + " COPY.db writes a copy without them"));

        Path copy = dir.resolve("copy.db");
        assertThat(stride.cli.run("snapshot", "--db", big.toString(), copy.toString()).exitCode()).isZero();
        assertThat(Files.size(copy)).as("the copy the line points to").isLessThan(ClearCommand.WORTH_A_COPY / 4);
    }

    /**
     * A run name typed with a slip, or cut short, is answered with the runs the file holds and the one meant, asked,
     * never taken: status, export and clear each do nothing with it. A name close to none gets no guess.
     */
    @Test
    void aNameCloseToOneRunAsksWhetherItWasMeantAndActsOnNone() throws Exception {
        Path out = dir.resolve("out.jsonl");

        Cli.Result status = stride.cli.run("status", "--db", db.toString(), "--run", "alpa");
        Cli.Result export = stride.cli.run("export", "--db", db.toString(), "--run", "bet", "-o", out.toString());
        Cli.Result clear = stride.cli.run("clear", "--db", db.toString(), "--run", "alhpa", "--yes");
        Cli.Result far = stride.cli.run("status", "--db", db.toString(), "--run", "gamma");

        assertThat(status.exitCode()).as(status.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(status.err()).isEqualTo("stride: " + db + ": has no run 'alpa'; it holds 'alpha', 'beta'; did you"
                + " mean 'alpha'?\n");
        assertThat(status.out()).isEmpty();
        assertThat(export.exitCode()).as(export.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(export.err()).endsWith(": has no run 'bet'; it holds 'alpha', 'beta'; did you mean 'beta'?\n");
        assertThat(out).doesNotExist();
        assertThat(clear.exitCode()).as(clear.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(clear.err()).endsWith(": has no run 'alhpa'; it holds 'alpha', 'beta'; did you mean 'alpha'?\n");
        assertThat(count(db, "SELECT count(*) FROM progress")).as("nothing cleared").isEqualTo(2);
        assertThat(far.err()).endsWith(": has no run 'gamma'; it holds 'alpha', 'beta'\n");
    }

    @Test
    void clearForgetsOneRunOrAll() throws Exception {
        Cli.Result unknown = stride.cli.run("clear", "--db", db.toString(), "--run", "gamma");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("has no run 'gamma'");

        Cli.Result one = stride.cli.run("clear", "--db", db.toString(), "--run", "alpha", "--yes");
        assertThat(one.exitCode()).isZero();
        assertThat(one.out()).contains("Cleared run 'alpha' (20 records, 19 done, 1 failed)")
                .as("a few pages freed: nothing to say of them").doesNotContain("on disk");
        assertThat(count(db, "SELECT count(*) FROM progress")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM predictions WHERE run_id NOT IN (SELECT run_id FROM runs)"))
                .isZero();

        Cli.Result all = stride.cli.run("clear", "--db", db.toString(), "--all", "--yes");
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).contains("Cleared 1 run");
        assertThat(count(db, "SELECT count(*) FROM records")).isZero();

        // Not "no runs yet" with a hint that it may be a copy taken without its -wal (a user walk): it held runs,
        // whose pages are free now.
        Cli.Result status = stride.cli.run("status", "--db", db.toString());
        assertThat(status.out()).startsWith(db + " holds no runs: the runs it held were cleared (stride clear).\n")
                .doesNotContain("-wal");
    }

    /**
     * A file with no run and nothing freed in it is also what a plain cp gives of one whose run is in its first
     * seconds (its tables made, every commit of the run still in the -wal): said how to copy a file in use.
     */
    @Test
    void aFileThatNeverHeldARunMayBeACopyWithoutItsWal() throws Exception {
        Path original = Files.createDirectory(dir.resolve("first-machine")).resolve("runs.db");
        SqliteCheckpointStore.open(original).close();
        Path copy = Files.copy(original, dir.resolve("copy.db")); // as cp does: the file alone

        Cli.Result status = stride.cli.run("status", "--db", copy.toString());

        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(status.out()).startsWith(copy + " holds no runs yet: a run is stored once its input is read, and"
                + " one stopped while reading it (kill -9, a crash) stored nothing; run it again.\nIf it is a copy (cp,"
                + " scp) of a file a run was writing, that run's answers were still in the -wal beside the original:"
                + " copy a file in use with stride snapshot --db ORIGINAL.db COPY.db\n");
    }

    /**
     * The file a run was reading its input into when a kill -9 ended it: its tables and no run, with the -wal and
     * -shm that SQLite left beside it (empty: the input's transaction never committed). It is no copy: status says
     * why it holds no run, and not that a copy may have lost one.
     */
    @Test
    void aFileKilledWhileItsInputWasReadIsNotTakenForACopy() throws Exception {
        Path killed = dir.resolve("killed.db");
        SqliteCheckpointStore.open(killed).close();
        Files.createFile(dir.resolve("killed.db-wal"));
        Files.write(dir.resolve("killed.db-shm"), new byte[32768]);

        Cli.Result status = stride.cli.run("status", "--db", killed.toString());

        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(status.out()).isEqualTo(killed + " holds no runs yet: a run is stored once its input is read, and"
                + " one stopped while reading it (kill -9, a crash) stored nothing; run it again.\n" + killed
                + " alone holds everything: it can be copied as it is.\n");
    }

    @Test
    void aSnapshotOfADatabaseWithoutRunsSaysSoAndOffersNoResume() throws Exception {
        assertThat(stride.cli.run("clear", "--db", db.toString(), "--all", "--yes").exitCode()).isZero();
        Path copy = dir.resolve("snap.db");

        Cli.Result r = stride.cli.run("snapshot", "--db", db.toString(), copy.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).matches(Pattern.quote("Snapshot of " + db + " written to " + copy + " in ")
                + "\\S+" + Pattern.quote(" (no runs in it)") + "\n");
        assertThat(count(copy, "SELECT count(*) FROM runs")).isZero();
    }

    /**
     * A snapshot taken while a worker is at work on a run is a file nobody works on: the worker and its claims stay
     * in the source, and the copy's run is interrupted, so a resume there neither waits out a ghost's claims nor
     * shows a rate and an ETA for a run nobody writes.
     */
    @Test
    void aSnapshotOfARunAtWorkCarriesNoWorkerNorClaimsAndIsNotRunning() throws Exception {
        Path copy = dir.resolve("snap.db");
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(db)) {
            long beta = worker.findRun("beta").orElseThrow().id();
            worker.join(beta, Duration.ofSeconds(60));
            assertThat(worker.claim(beta, -1, 5, false)).hasSize(5);
            try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                 var st = c.createStatement()) {
                st.executeUpdate("UPDATE runs SET state = 'running' WHERE name = 'beta'"); // as a run going has it
            }

            Cli.Result r = stride.cli.run("snapshot", "--db", db.toString(), copy.toString());

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(count(db, "SELECT count(*) FROM workers")).isEqualTo(1);
            assertThat(count(db, "SELECT count(*) FROM claims")).isEqualTo(5);
        }
        assertThat(count(copy, "SELECT count(*) FROM workers")).isZero();
        assertThat(count(copy, "SELECT count(*) FROM claims")).isZero();
        assertThat(query(copy, "SELECT run, state FROM progress ORDER BY run")).containsExactly(
                Map.of("run", "alpha", "state", "done_with_failures"), Map.of("run", "beta", "state", "interrupted"));
        assertThat(query(copy, "SELECT run, done, failed, pending FROM progress ORDER BY run"))
                .isEqualTo(query(db, "SELECT run, done, failed, pending FROM progress ORDER BY run"));
        assertThat(Files.exists(dir.resolve("snap.db-wal"))).isFalse();
    }

    /** OUT's trouble is OUT's: named in one line with the reason, never as the source that cannot be opened. */
    @Test
    void aSnapshotThatCannotBeWrittenNamesItsOutputAndLeavesNothingBehind() throws Exception {
        Path missing = dir.resolve("nofolder").resolve("snap.db");
        Path file = Files.writeString(dir.resolve("a.jsonl"), "{}\n");
        Path throughAFile = file.resolve("snap.db");

        Cli.Result noFolder = stride.cli.run("snapshot", "--db", db.toString(), missing.toString());
        Cli.Result notAFolder = stride.cli.run("snapshot", "--db", db.toString(), throughAFile.toString());
        Cli.Result unwritable = stride.cli.run("snapshot", "--db", db.toString(), "/proc/snap.db"); // even for root

        assertThat(noFolder.exitCode()).isEqualTo(2);
        assertThat(noFolder.err()).isEqualTo("stride: cannot write " + missing + ": folder " + missing.getParent()
                + " does not exist; create it or name another file\n");
        assertThat(notAFolder.exitCode()).isEqualTo(2);
        assertThat(notAFolder.err()).isEqualTo("stride: cannot write " + throughAFile + ": " + file
                + " is a file, not a folder; name another file\n");
        assertThat(unwritable.exitCode()).isEqualTo(1);
        assertThat(unwritable.err()).startsWith("stride: cannot write /proc/snap.db: ").doesNotContain(db.toString())
                .doesNotContain("partial").hasLineCount(1);
        Cli.Result export = stride.cli.run("export", "--db", db.toString(), "--run", "alpha", "-o",
                throughAFile.toString());
        assertThat(export.exitCode()).isEqualTo(2);
        assertThat(export.err()).isEqualTo(notAFolder.err());
        try (Stream<Path> left = Files.walk(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains("partial"))
                    .noneMatch(name -> name.startsWith("snap.db"));
        }
    }

    @Test
    void aRunThatALiveWorkerIsWritingIsNotClearedAloneOrWithAll() throws Exception {
        List<Map<String, Object>> before = query(db, "SELECT * FROM progress ORDER BY run");
        long records = count(db, "SELECT count(*) FROM records");
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(db)) {
            long alpha = worker.findRun("alpha").orElseThrow().id();
            worker.join(alpha, Duration.ofSeconds(30));
            WorkerInfo w = worker.liveWorkers(alpha).get(0);
            ScriptedTerminal terminal = new ScriptedTerminal("yes");

            Cli.Result one = stride.cli.run("clear", "--db", db.toString(), "--run", "alpha", "--yes");
            Cli.Result all = stride.cli.run("clear", "--db", db.toString(), "--all", "--yes");
            Cli.Result asked = stride.cli.on(terminal).run("clear", "--db", db.toString(), "--run", "alpha");
            Cli.Result zh = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run("clear", "--db", db.toString(), "--all",
                    "--yes");

            // The seconds left of the lease depend on how long the commands took: shown as N.
            String refused = "stride: run 'alpha' in " + db + " has 1 live worker (" + w.host() + " pid " + w.pid()
                    + "), so nothing was cleared: stop it first (Ctrl+C where it runs) and clear again; a worker"
                    + " killed on another machine counts as live until its lease runs out, within N s\n";
            for (Cli.Result r : List.of(one, all, asked)) {
                assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.BUSY);
                assertThat(r.out()).isEmpty();
                assertThat(r.err().replaceFirst("within \\d+ s", "within N s")).isEqualTo(refused);
            }
            assertThat(terminal.questions).as("refused before asking").isEmpty();
            assertThat(zh.exitCode()).isEqualTo(ExitCodes.BUSY);
            assertThat(zh.err()).startsWith("stride: " + db + " 中的 1 个任务（'alpha'）有 1 个存活的工作进程（" + w.host()
                    + " pid " + w.pid() + "），因此没有清除任何内容");
            assertThat(query(db, "SELECT * FROM progress ORDER BY run")).isEqualTo(before);
            assertThat(count(db, "SELECT count(*) FROM records")).isEqualTo(records);

            worker.leave(alpha);
            Cli.Result gone = stride.cli.run("clear", "--db", db.toString(), "--run", "alpha", "--yes");
            assertThat(gone.exitCode()).as(gone.all()).isZero();
            assertThat(query(db, "SELECT run FROM progress")).containsExactly(Map.of("run", "beta"));
        }
    }

    @Test
    void clearWithoutATerminalOrYesDeletesNothingAndSaysToAddYes() throws Exception {
        List<Map<String, Object>> before = query(db, "SELECT * FROM progress ORDER BY run");

        Cli.Result one = stride.cli.run("clear", "--db", db.toString(), "--run", "alpha");
        Cli.Result all = stride.cli.run("clear", "--db", db.toString(), "--all");

        assertThat(one.exitCode()).isEqualTo(2);
        assertThat(one.out()).isEmpty();
        assertThat(one.err()).isEqualTo("stride: clear would delete run 'alpha' (19 answers, 1 failed, 0 pending) from "
                + db + ", and there is no terminal to ask: add --yes to go on\n");
        assertThat(all.exitCode()).isEqualTo(2);
        assertThat(all.err()).startsWith("stride: clear would delete 2 runs 'alpha', 'beta' (").contains("add --yes");
        assertThat(query(db, "SELECT * FROM progress ORDER BY run")).isEqualTo(before);
        assertThat(count(db, "SELECT count(*) FROM records")).isEqualTo(40);
    }

    @Test
    void onATerminalClearNamesWhatGoesAndDeletesOnYes() throws Exception {
        Map<String, Object> beta = query(db, "SELECT done, failed, pending FROM progress WHERE run = 'beta'").get(0);
        ScriptedTerminal terminal = new ScriptedTerminal(" Y ");

        Cli.Result r = stride.cli.on(terminal).run("clear", "--db", db.toString(), "--all");

        assertThat(terminal.questions).containsExactly("This deletes 2 runs 'alpha', 'beta' ("
                + (19 + ((Number) beta.get("done")).longValue()) + " answers, " + (1 + ((Number) beta.get("failed")).longValue()) + " failed, "
                + beta.get("pending") + " pending) from " + db + ". Type yes to go on: ");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Cleared 2 runs");
        assertThat(count(db, "SELECT count(*) FROM runs")).isZero();
    }

    @Test
    void onATerminalAnyOtherAnswerOrEndOfInputDeletesNothing() throws Exception {
        List<Map<String, Object>> before = query(db, "SELECT * FROM progress ORDER BY run");
        long predictions = count(db, "SELECT count(*) FROM predictions");
        for (String answer : Arrays.asList("no", "", "yess", "n", "是", null)) {
            ScriptedTerminal terminal = new ScriptedTerminal(answer);

            Cli.Result r = stride.cli.on(terminal).run("clear", "--db", db.toString(), "--run", "alpha");

            assertThat(terminal.questions).as(answer).containsExactly("This deletes run 'alpha' (19 answers, 1 failed,"
                    + " 0 pending) from " + db + ". Type yes to go on: ");
            assertThat(r.exitCode()).as(answer).isEqualTo(1);
            assertThat(r.out()).as(answer).endsWith("Nothing deleted: " + db + " is as it was\n");
            assertThat(r.err()).as(answer).isEmpty();
        }
        assertThat(query(db, "SELECT * FROM progress ORDER BY run")).isEqualTo(before);
        assertThat(count(db, "SELECT count(*) FROM predictions")).isEqualTo(predictions);
    }

    @Test
    void aChineseReaderIsAskedInChineseAndAnswersInChinese() throws Exception {
        Cli zh = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
        ScriptedTerminal no = new ScriptedTerminal("不");
        ScriptedTerminal yes = new ScriptedTerminal("是");

        Cli.Result kept = zh.on(no).run("clear", "--db", db.toString(), "--run", "alpha");
        Cli.Result refused = zh.on(Terminal.NONE).run("clear", "--db", db.toString(), "--run", "alpha");
        Cli.Result cleared = zh.on(yes).run("clear", "--db", db.toString(), "--run", "alpha");

        assertThat(no.questions).containsExactly("这将从 " + db + " 删除任务 'alpha'（19 条答案，失败 1 条，待处理 0 条）。"
                + "输入“是”或 yes 继续：");
        assertThat(kept.exitCode()).isEqualTo(1);
        assertThat(kept.out()).contains("未删除任何内容");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).startsWith("stride: clear 将从 " + db + " 删除任务 'alpha'").contains("--yes");
        assertThat(cleared.exitCode()).as(cleared.all()).isZero();
        assertThat(query(db, "SELECT run FROM progress")).containsExactly(Map.of("run", "beta"));
    }

    @Test
    void clearOfAnEmptyDatabaseHasNothingToAskAbout() {
        assertThat(stride.cli.run("clear", "--db", db.toString(), "--all", "--yes").exitCode()).isZero();

        Cli.Result r = stride.cli.run("clear", "--db", db.toString(), "--all");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Cleared 0 runs");
    }

    @Test
    void clearNeedsToKnowWhatToForget() throws Exception {
        byte[] before = Files.readAllBytes(db);
        Cli.Result r = stride.cli.run("clear", "--db", db.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        // Not picocli's "missing required option --run=NAME, --all=<all>".
        assertThat(r.err()).isEqualTo("stride: give --run NAME or --all\n"
                + "stride: see 'stride clear --help' for every option\n");
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
    }

    @Test
    void resumingEverythingFinishesTheUnfinishedRunOnly() {
        stride.model.answering(prompt -> null);
        stride.model.prompts.clear();

        Cli.Result r = stride.cli.run("run", "--db", db.toString(), "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Resuming 'beta' from checkpoint:").doesNotContain("'alpha'");
        assertThat(stride.model.promptList()).doesNotContain("question 5");
    }

    @Test
    void helpListsTheExitCodes() {
        Cli.Result r = stride.cli.run("run", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Exit codes:").contains("130").contains("--save-interval")
                .contains("--retry-failed");
    }
}
