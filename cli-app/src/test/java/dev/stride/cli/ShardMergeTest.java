package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride run --shard I/N} on separate databases, joined by {@code stride merge} into the unsharded run. */
class ShardMergeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECORDS = 30;

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path input;
    private final List<Path> shards = new ArrayList<>();

    @BeforeEach
    void threeShards() throws Exception {
        input = questions(dir, "q.jsonl", RECORDS);
        // Failures too: a merge keeps every outcome, not only the answers.
        stride.model.answering(prompt -> prompt.equals("question 7")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null);
        for (int i = 0; i < 3; i++) {
            Path db = dir.resolve("shard-" + i + ".db");
            Cli.Result r = run(db).with("--shard", i + "/3");
            assertThat(r.exitCode()).as(r.all()).isIn(0, 3);
            shards.add(db);
        }
    }

    private CliFixture.RunArgs run(Path db) {
        return stride.run(input, db).model("m").template("{{question}}").noProgress();
    }

    private static int crc32Shard(String id, int n) {
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % n);
    }

    @Test
    void aShardThatALiveWorkerStillWritesIsNotMergedAndNothingIsMade() throws Exception {
        Path all = dir.resolve("all.db");
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(shards.get(1))) {
            // A worker of this process: alive, as a stride run still going on that shard is.
            long run = worker.findRun("m").orElseThrow().id();
            worker.join(run, Duration.ofSeconds(60));

            Cli.Result r = stride.cli.run("merge", "--to", all.toString(), shards.get(0).toString(),
                    shards.get(1).toString(), shards.get(2).toString());

            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.BUSY);
            assertThat(r.err()).startsWith("stride: run 'm' in " + shards.get(1) + " has 1 live worker (")
                    .contains("), so nothing was merged: a shard still being written would leave its latest answers"
                            + " out, to be asked again; let it finish (or stop it with Ctrl+C) and merge again;")
                    .endsWith(" s\n");
            assertThat(r.err().lines()).hasSize(1);
            assertThat(r.out()).isEmpty();
            assertThat(all).doesNotExist();
            worker.leave(run); // as a run that ends gives its lease up
        }
        // The worker gone, the same merge goes through.
        Cli.Result after = stride.cli.run("merge", "--to", all.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());
        assertThat(after.exitCode()).as(after.all()).isZero();
    }

    @Test
    void aLiveWorkerOfAnotherRunInTheShardFileDoesNotHoldUpTheMergeOfTheRunNamed() throws Exception {
        // Each file also holds a second sharded run, 'other'; a worker is still writing it in shard 1's file.
        for (int i = 0; i < 3; i++) {
            Cli.Result r = stride.run(input, shards.get(i)).model("other").template("Q: {{question}}").noProgress()
                    .with("--shard", i + "/3");
            assertThat(r.exitCode()).as(r.all()).isIn(0, 3);
        }
        Path all = dir.resolve("all.db");
        List<String> merge = List.of("merge", "--to", all.toString(), "--run", "m", shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(shards.get(1))) {
            long other = worker.findRun("other").orElseThrow().id();
            worker.join(other, Duration.ofSeconds(60));

            Cli.Result r = stride.cli.run(merge.toArray(String[]::new));

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out()).startsWith("Merged 3 shards into run 'm' in " + all);
            assertThat(count(all, "SELECT count(*) FROM records")).isEqualTo(RECORDS);
            assertThat(count(all, "SELECT count(DISTINCT record_id) FROM predictions")).isEqualTo(RECORDS);
            assertThat(count(all, "SELECT count(*) FROM runs")).isEqualTo(1);

            // The run the worker writes is still refused.
            Path others = dir.resolve("others.db");
            Cli.Result refused = stride.cli.run("merge", "--to", others.toString(), "--run", "other",
                    shards.get(0).toString(), shards.get(1).toString(), shards.get(2).toString());
            assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.BUSY);
            assertThat(refused.err()).startsWith("stride: run 'other' in " + shards.get(1) + " has 1 live worker (");
            assertThat(others).doesNotExist();
            worker.leave(other);
        }
    }

    @Test
    void theShardsPartitionTheIdsByTheCrc32OfEachId() throws Exception {
        Set<String> union = new HashSet<>();
        int stored = 0;
        for (int i = 0; i < 3; i++) {
            List<Map<String, Object>> rows = query(shards.get(i), "SELECT record_id, seq FROM records ORDER BY seq");
            for (Map<String, Object> row : rows) {
                String id = (String) row.get("record_id");
                assertThat(crc32Shard(id, 3)).as(id).isEqualTo(i);
                // Each record keeps its place in the whole input.
                assertThat(((Number) row.get("seq")).longValue()).isEqualTo(Long.parseLong(id.substring(1)));
                union.add(id);
            }
            stored += rows.size();
            assertThat(rows).as("shard %d of 3 holds some of 30 records", i).isNotEmpty();
            assertThat(count(shards.get(i), "SELECT total FROM runs")).isEqualTo(rows.size());
            assertThat(query(shards.get(i), "SELECT shard FROM runs").get(0).get("shard")).isEqualTo(i + "/3");
        }
        assertThat(stored).as("disjoint").isEqualTo(RECORDS);
        assertThat(union).hasSize(RECORDS);
        assertThat(stride.model.requests.get()).as("each record asked once").isEqualTo(RECORDS);
    }

    @Test
    void theMergeExportsWhatOneUnshardedRunExports() throws Exception {
        Path whole = dir.resolve("whole.db");
        assertThat(run(whole).with().exitCode()).isEqualTo(3);
        Path merged = dir.resolve("merged.db");

        // In any order.
        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(2).toString(),
                shards.get(0).toString(), shards.get(1).toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Merged 3 shards into run 'm' in " + merged + ": 29/30 done, 1 failed,"
                + " done_with_failures");
        List<JsonNode> expected = exported(whole);
        List<JsonNode> actual = exported(merged);
        assertThat(actual).hasSize(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            for (String field : new String[] {"id", "output", "status", "error"}) {
                assertThat(actual.get(i).get(field)).as(i + " " + field).isEqualTo(expected.get(i).get(field));
            }
        }
        assertThat(query(merged, "SELECT total, done, failed, low_watermark, state, shard FROM runs"))
                .isEqualTo(query(whole, "SELECT total, done, failed, low_watermark, state, shard FROM runs"));
        // The merged run is the whole input's: the unsharded command goes on from it with nothing to ask.
        int before = stride.model.requests.get();
        assertThat(run(merged).with().exitCode()).isEqualTo(3);
        assertThat(stride.model.requests.get()).isEqualTo(before);
    }

    /** Scores the file's one run: FakeModelServer answers "echo: question N", so contains is right, exact wrong. */
    private void score(Path db, String metric) {
        Cli.Result r = stride.cli.run("score", "--db", db.toString(), "--label-field", "question", "--metric", metric);
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    /**
     * Each shard's scores are of its own records, so the merged run holds them all: its scoreboard is the unsharded
     * run's. A shard scored another way besides keeps that too, as a scoreboard row of its records alone.
     */
    @Test
    void theShardsScoresAreTheMergedRunsAndItsScoreboardTheUnshardedRuns() throws Exception {
        Path whole = dir.resolve("whole.db");
        assertThat(run(whole).with().exitCode()).isEqualTo(3);
        score(whole, "contains");
        for (Path shard : shards) {
            score(shard, "contains");
        }
        score(shards.get(2), "exact");
        long shardScores = 0;
        for (Path shard : shards) {
            shardScores += count(shard, "SELECT count(*) FROM scores");
        }
        Path merged = dir.resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(count(merged, "SELECT count(*) FROM scores")).isEqualTo(shardScores);
        String board = "SELECT run, metric, label_field, scored, correct, accuracy, ci_low, ci_high, unparsed"
                + " FROM scoreboard";
        assertThat(query(merged, board + " WHERE metric = 'contains'")).isEqualTo(query(whole, board))
                .extracting(row -> row.get("scored")).containsExactly(29);
        assertThat(query(merged, board + " WHERE metric = 'exact'")).extracting(row -> row.get("scored"))
                .containsExactly((int) count(shards.get(2), "SELECT done FROM runs"));
        // The results view shows each record's score, as in the unsharded run.
        assertThat(count(merged, "SELECT count(*) FROM results WHERE score IS NOT NULL")).isEqualTo(29);
    }

    private List<JsonNode> exported(Path db) throws Exception {
        Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--run", "m");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void aMissingShardIsRefusedAndNothingIsWritten() {
        Path merged = dir.resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(2).toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("stride: shard 1/3 is missing: the run has 3 shards and 2 were given;"
                + " add the file of each missing shard");
        assertThat(Files.exists(merged)).isFalse();
    }

    @Test
    void aMergedFileInAMissingFolderIsAUsageErrorAndNoFolderIsMade() {
        Path merged = dir.resolve("nodir").resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: cannot open " + merged + ": folder " + merged.getParent()
                + " does not exist; create it or name a file elsewhere" + System.lineSeparator());
        assertThat(merged.getParent()).doesNotExist();
    }

    @Test
    void aDoubledShardIsRefused() throws Exception {
        Path twin = dir.resolve("twin.db");
        Files.copy(shards.get(1), twin, StandardCopyOption.REPLACE_EXISTING);

        Cli.Result r = stride.cli.run("merge", "--to", dir.resolve("merged.db").toString(),
                shards.get(0).toString(), shards.get(1).toString(), twin.toString(), shards.get(2).toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(twin + " and " + shards.get(1) + " are both shard 1/3: give each shard once");
    }

    @Test
    void aShardOfAnotherModelIsRefused() throws Exception {
        Path other = dir.resolve("other.db");
        assertThat(stride.run(input, other).model("other").template("{{question}}").noProgress()
                .with("--shard", "2/3", "--run", "m").exitCode()).isIn(0, 3);

        Cli.Result r = stride.cli.run("merge", "--to", dir.resolve("merged.db").toString(),
                shards.get(0).toString(), shards.get(1).toString(), other.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(other + " is a shard of another run: its model is other, but " + shards.get(0)
                + " has m");
        assertThat(Files.exists(dir.resolve("merged.db"))).isFalse();
    }

    /** The same settings under another run's name: another attempt, perhaps of another model served as "m". */
    @Test
    void aShardOfAnotherRunNameIsRefusedInOneLineAndNothingIsWritten() throws Exception {
        Path other = dir.resolve("other.db");
        assertThat(run(other).with("--shard", "2/3", "--run", "m-again").exitCode()).isIn(0, 3);
        Path merged = dir.resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), other.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + other + " is a shard of another run: its run name is m-again, but "
                + shards.get(0) + " has m; merge only shards of one run (the same run name, model, template, params"
                + " and input)" + System.lineSeparator());
        assertThat(r.out()).isEmpty();
        assertThat(merged).doesNotExist();
    }

    /**
     * Each machine serves its shard from its own servers: the merged run keeps them all, as one unsharded run served
     * by all of them would (a resume's --base-url replaces them). It keeps the live scoring its shards agree on.
     */
    @Test
    void theMergedRunKeepsEveryShardsServersAndTheLiveScoringTheShardsAgreeOn() throws Exception {
        // The fake server under a second name, as a second machine's server would be.
        String url = stride.url();
        String elsewhere = url.contains("localhost") ? url.replace("localhost", "127.0.0.1")
                : url.replaceFirst("//[^:/]+", "//localhost");
        List<Path> scored = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path db = dir.resolve("scored-" + i + ".db");
            List<String> args = new ArrayList<>(List.of("--shard", i + "/3"));
            if (i == 1) {
                args.addAll(List.of("--base-url", elsewhere));
            }
            if (i > 0) {
                // Shard 0 was not scored live: it keeps no way, and says nothing against the others'.
                args.addAll(List.of("--label-field", "question", "--metric", "contains"));
            }
            Cli.Result r = run(db).with(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.all()).isIn(0, 3);
            scored.add(db);
        }
        Path merged = dir.resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), scored.get(0).toString(),
                scored.get(1).toString(), scored.get(2).toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        String settings = "SELECT base_urls, scoring_metric, scoring_label_field, scoring_extract FROM runs";
        assertThat(query(merged, settings)).singleElement().isEqualTo(Map.of(
                "base_urls", JSON.writeValueAsString(List.of(url, elsewhere)), "scoring_metric", "contains",
                "scoring_label_field", "question", "scoring_extract", ""));

        // Scored live two ways: the merged run keeps neither, and a resume told nothing scores as its stored scores
        // say (here nothing, and it says so), rather than as one shard happened to.
        Path exact = dir.resolve("exact-2.db");
        Cli.Result e = run(exact).with("--shard", "2/3", "--label-field", "question", "--metric", "exact");
        assertThat(e.exitCode()).as(e.all()).isIn(0, 3);
        Path mixed = dir.resolve("mixed.db");
        Cli.Result m = stride.cli.run("merge", "--to", mixed.toString(), scored.get(1).toString(),
                scored.get(0).toString(), exact.toString());
        assertThat(m.exitCode()).as(m.all()).isZero();
        assertThat(query(mixed, "SELECT scoring_metric FROM runs")).singleElement()
                .satisfies(row -> assertThat(row.get("scoring_metric")).isNull());
    }

    @Test
    void aShardOfAnotherInputIsRefusedWhicheverShardComesFirstThoughOneShardsInputIsUnknown() throws Exception {
        // Shard 2 again, from an edited input: another input, whose records' places differ too.
        Path edited = dir.resolve("edited.jsonl");
        Files.writeString(edited, "{\"id\":\"new\",\"question\":\"a new first question\"}\n"
                + Files.readString(input).replace("question 5\"", "question 5, edited\""));
        Path other = dir.resolve("other.db");
        Cli.Result made = stride.run(edited, other).model("m").template("{{question}}").noProgress()
                .with("--shard", "2/3");
        assertThat(made.exitCode()).as(made.all()).isIn(0, 3);
        // Shard 0's input is not known (a sync that recorded none, as runs made before stride kept it).
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + shards.get(0));
             Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE runs SET input_digest = NULL");
        }
        Path merged = dir.resolve("merged.db");

        for (List<Path> order : List.of(List.of(shards.get(0), shards.get(1), other),
                List.of(shards.get(1), shards.get(0), other))) {
            Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), order.get(0).toString(),
                    order.get(1).toString(), order.get(2).toString());

            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).startsWith("stride: " + other + " (shard 2/3) was run on another input than "
                    + shards.get(1) + " (shard 1/3): ");
            assertThat(r.err().lines()).hasSize(1);
            assertThat(merged).doesNotExist();
        }
    }

    @Test
    void anInputEditedBetweenTheShardsRunsIsRefusedSayingWhatToDoAndDoingItMerges() throws Exception {
        Path edited = dir.resolve("q.jsonl");
        Files.writeString(edited, Files.readString(input).replace("question 5\"", "question 5, edited\"")
                + "{\"id\":\"q30\",\"question\":\"question 30\"}\n");
        // Shard 2 runs again on the edited input; 0 and 1 were run before the edit.
        Cli.Result again = run(shards.get(2)).with("--shard", "2/3");
        assertThat(again.exitCode()).as(again.all()).isIn(0, 3);
        Path merged = dir.resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + shards.get(2) + " (shard 2/3) was run on another input than "
                + shards.get(0) + " (shard 0/3): another file, or the same one edited between their runs; run the"
                + " shards on the input as it is now (the same stride run ... --shard I/N on each file redoes only"
                + " the records that changed) and merge again" + System.lineSeparator());
        assertThat(merged).doesNotExist();

        // Doing what it says: the two older shards run again on the input as it is now.
        for (int i = 0; i < 2; i++) {
            Cli.Result redo = run(shards.get(i)).with("--shard", i + "/3");
            assertThat(redo.exitCode()).as(redo.all()).isIn(0, 3);
        }
        Cli.Result ok = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        assertThat(count(merged, "SELECT count(*) FROM records")).isEqualTo(RECORDS + 1);
        assertThat(query(merged, "SELECT payload FROM records WHERE record_id = 'q5'").get(0).get("payload"))
                .asString().contains("question 5, edited");
    }

    @Test
    void aShardFileThatHoldsNoRunYetIsRefusedSayingWhyAndWhatToDo() throws Exception {
        // What a stride run --shard has made there while it reads its input, or left when it was killed then.
        Path starting = dir.resolve("starting.db");
        SqliteCheckpointStore.open(starting).close();
        Path merged = dir.resolve("merged.db");

        Cli.Result r = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), starting.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + starting + " holds no run yet, so there is no shard in it to merge:"
                + " a stride run --shard starting there stores its run once it has read its input (merge again then),"
                + " and one stopped before that stored nothing (run that shard again); else name the file that"
                + " stride run --shard wrote" + System.lineSeparator());
        assertThat(merged).doesNotExist();
    }

    @Test
    void aRunNotAmongAShardFilesHundredsIsRefusedInAShortLineNamingTheNearest() throws Exception {
        Datasets.addSweepRunsLike(shards.get(0), "m");
        Path merged = dir.resolve("all.db");

        Cli.Result named = stride.cli.run("merge", "--to", merged.toString(), "--run", "lora-step5000-t9",
                shards.get(0).toString(), shards.get(1).toString(), shards.get(2).toString());

        assertThat(named.exitCode()).as(named.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(named.err()).isEqualTo("stride: " + shards.get(0) + " has no run 'lora-step5000-t9': name the run"
                + " every shard file holds with --run; it holds 301 runs, such as 'lora-step5000-t0',"
                + " 'lora-step5000-t1', 'lora-step5000-t2' (stride status lists them all)" + System.lineSeparator());
        Cli.Result unnamed = stride.cli.run("merge", "--to", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());
        assertThat(unnamed.exitCode()).as(unnamed.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(unnamed.err()).isEqualTo("stride: " + shards.get(0) + " holds several runs: name the one to merge"
                + " with --run; it holds 301 runs, such as 'm', 'lora-step100-t0', 'lora-step100-t1',"
                + " 'lora-step100-t2', 'lora-step200-t0' (stride status lists them all)" + System.lineSeparator());
        assertThat(merged).doesNotExist();
    }

    @Test
    void aFileThatIsNotAShardIsRefused() throws Exception {
        Path whole = dir.resolve("whole.db");
        assertThat(run(whole).with().exitCode()).isEqualTo(3);

        Cli.Result r = stride.cli.run("merge", "--to", dir.resolve("merged.db").toString(),
                shards.get(0).toString(), whole.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("run 'm' in " + whole + " is not a shard")
                .contains("; to bring a whole run into another file (one finished elsewhere, brought back), copy it:"
                        + " stride copy --from " + whole + " --to FILE --run m");
        assertThat(r.err().lines()).hasSize(1);

        // The command offered is one a shell takes whole, the file's name with a space in it too.
        Path spaced = Files.createDirectories(dir.resolve("brought back")).resolve("whole 2.db");
        Files.copy(whole, spaced);
        Cli.Result quoted = stride.cli.run("merge", "--to", dir.resolve("merged.db").toString(),
                shards.get(0).toString(), spaced.toString());
        assertThat(quoted.err()).contains(" stride copy --from '" + spaced + "' --to FILE --run m\n");
    }

    @Test
    void aMergedRunAlreadyInOutIsRefused() {
        Path merged = dir.resolve("merged.db");
        String[] args = {"merge", "--to", merged.toString(), shards.get(0).toString(), shards.get(1).toString(),
                shards.get(2).toString()};
        assertThat(stride.cli.run(args).exitCode()).isZero();

        Cli.Result again = stride.cli.run(args);

        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains(merged + " already has a run 'm', so nothing was merged");
    }

    /** "Clear it there first" would clear a shard's only copy: a shard given as --to is refused up front. */
    @Test
    void aShardAsTheMergedFileIsRefusedUpFrontAndNothingIsWritten() throws Exception {
        byte[] before = Files.readAllBytes(shards.get(0));
        Path to = dir.resolve(".").resolve(shards.get(0).getFileName());

        Cli.Result r = stride.cli.run("merge", "--to", to.toString(), shards.get(0).toString(),
                shards.get(1).toString(), shards.get(2).toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: shard " + shards.get(0) + " and --to " + to + ": source and"
                + " destination are the same file; nothing was written, merge into a new file (--to merged.db)\n");
        assertThat(Files.readAllBytes(shards.get(0))).isEqualTo(before);
    }

    @Test
    void mergingNoFileSaysWhatToGive() {
        Cli.Result r = stride.cli.run("merge", "--to", dir.resolve("merged.db").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("there is nothing to merge: name the shard files");
        assertThat(Files.exists(dir.resolve("merged.db"))).isFalse();
    }

    @Test
    void resumingWithAnotherShardIsRefusedLikeAnotherModel() throws Exception {
        int before = stride.model.requests.get();

        Cli.Result r = run(shards.get(0)).with("--shard", "1/3");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.all()).contains("shard 0/3 -> 1/3");
        assertThat(stride.model.requests.get()).isEqualTo(before);
    }

    @Test
    void theWholeInputsCommandOnAShardFileSaysItGoesOnWithTheShardOnly() throws Exception {
        long held = count(shards.get(0), "SELECT count(*) FROM records");
        assertThat(held).isLessThan(RECORDS);

        // The command of the whole input, as after a merge, given a shard's file by mistake.
        Cli.Result r = run(shards.get(0)).with();

        // The shard's run is finished: no resume line, but what it holds is said all the same.
        assertThat(r.exitCode()).as(r.all()).isIn(0, 3);
        assertThat(r.out()).contains("Nothing left to send for 'm': ")
                .contains("'m' holds shard 0/3 of its input (--shard 0/3), and goes on with its records only: the"
                        + " other shards' are in their own files, which stride merge joins with this one");
        assertThat(count(shards.get(0), "SELECT count(*) FROM records")).isEqualTo(held);

        // Given --shard, the command says nothing more than any resume.
        Cli.Result same = run(shards.get(0)).with("--shard", "0/3");
        assertThat(same.exitCode()).as(same.all()).isIn(0, 3);
        assertThat(same.out()).contains("Nothing left to send for 'm': ").doesNotContain("holds shard");
    }

    @Test
    void theShardMayBeSetInTheConfigFile() throws Exception {
        Path config = dir.resolve("stride.yaml");
        Files.writeString(config, "shard: 1/3\n");
        Path db = dir.resolve("configured.db");

        Cli.Result r = run(db).with("--config", config.toString());

        assertThat(r.exitCode()).as(r.all()).isIn(0, 3);
        assertThat(query(db, "SELECT shard, total FROM runs"))
                .isEqualTo(query(shards.get(1), "SELECT shard, total FROM runs"));
    }

    @Test
    void aShardOutOfRangeOrMalformedIsRefusedBeforeAnyFileIsMade() {
        Path db = dir.resolve("bad.db");

        Cli.Result outOfRange = run(db).with("--shard", "3/3");
        Cli.Result malformed = run(db).with("--shard", "x");

        assertThat(outOfRange.exitCode()).isEqualTo(2);
        assertThat(outOfRange.err().strip()).isEqualTo("stride: --shard 3/3 is out of range: I goes from 0 to N-1"
                + " (shards count from 0), e.g. --shard 2/3 for the last one");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err().strip()).isEqualTo("stride: --shard x is not a shard: give I/N, two whole numbers,"
                + " e.g. --shard 0/3 (shards count from 0)");
        assertThat(Files.exists(db)).isFalse();
    }

    @Test
    void mergeTakesSqliteFilesOnlyAndSaysSoWithoutThePassword() {
        String url = "postgresql://stride:pw-Zx81@127.0.0.1:1/runs";
        String shown = "postgresql://stride@127.0.0.1:1/runs";
        Path shard = dir.resolve("shard-0.db");

        Cli.Result into = stride.cli.run("merge", "--to", url, shard.toString());
        Cli.Result from = stride.cli.run("merge", "--to", dir.resolve("out.db").toString(), url);

        for (Cli.Result r : List.of(into, from)) {
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("stride: stride merge reads and writes SQLite files, not " + shown
                    + ": merge the shards into a file (--to merged.db), then stride copy --from merged.db --to "
                    + shown);
        }
        assertThat(Files.exists(dir.resolve("out.db"))).isFalse();
    }

    @Test
    void statusShowsTheShardOfAShardedRunAndNothingForAnUnshardedOne() throws Exception {
        Path db = shards.get(1);
        Cli.Result text = stride.cli.run("status", "--db", db.toString());
        assertThat(text.out()).as(text.all()).contains("'m' holds shard 1/3 of its input (--shard 1/3)");
        Cli.Result json = stride.cli.run("status", "--db", db.toString(), "--json");
        assertThat(JSON.readTree(json.out()).get(0).get("shard").asText()).isEqualTo("1/3");
        Cli.Result detail = stride.cli.run("status", "--db", db.toString(), "--run", "m");
        assertThat(detail.out()).as(detail.all()).contains("'m' holds shard 1/3 of its input");
        Cli.Result detailJson = stride.cli.run("status", "--db", db.toString(), "--run", "m", "--json");
        assertThat(JSON.readTree(detailJson.out()).get("shard").asText()).isEqualTo("1/3");

        Path whole = dir.resolve("whole.db");
        assertThat(run(whole).with().exitCode()).isIn(0, 3);
        assertThat(stride.cli.run("status", "--db", whole.toString()).out()).doesNotContain("shard");
        assertThat(JSON.readTree(stride.cli.run("status", "--db", whole.toString(), "--json").out()).get(0)
                .get("shard").isNull()).isTrue();
    }
}
