package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a rerun says it will redo, and --dry-run saying the same while sending and writing nothing. */
class RerunReportTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Cli.Result run(Path input, Path db, String... more) {
        return stride.run(input, db).template("Q: {{question}}").noProgress().with(more);
    }

    private static void lines(Path file, int from, int to, String... extra) throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i).append("\"}\n");
        }
        for (String e : extra) {
            s.append(e).append('\n');
        }
        Files.writeString(file, s, StandardCharsets.UTF_8);
    }

    private List<Map<String, Object>> snapshot(Path db) throws Exception {
        List<Map<String, Object>> all = new ArrayList<>(query(db, "SELECT run, total, done, failed FROM progress"));
        all.addAll(query(db, "SELECT id, input, status, output FROM results"));
        all.addAll(query(db, "SELECT template, params FROM runs"));
        return all;
    }

    @Test
    void anUnchangedRerunSaysSo() throws Exception {
        Path input = questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        Cli.Result again = run(input, db);
        // No "Resuming 'm' from checkpoint: 4/4 done, 0 to go": the run is finished, and said so in one line.
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.out()).isEqualTo("Input unchanged since the last session (4 records); template and"
                + " parameters unchanged\nNothing left to send for 'm': 4/4 done, the run is already finished (to ask"
                + " every record again, start a new run of it with --run NEW-NAME)\n");
    }

    @Test
    void aDryRunOfAResumeNamesTheFirstRecordItWouldReallySend() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        AtomicInteger answered = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (answered.incrementAndGet() == 5) {
                stride.cli.pressCtrlC();
            }
            return prompt.equals("Q: question 1")
                    ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null;
        });
        assertThat(run(input, db, "--concurrency", "1").exitCode()).isEqualTo(ExitCodes.INTERRUPTED);
        stride.model.answering(prompt -> null);
        String pending = (String) query(db, "SELECT min(id) AS id FROM results WHERE status = 'pending'").get(0)
                .get("id");
        assertThat(query(db, "SELECT status FROM results WHERE id = 'q0'").get(0)).containsEntry("status", "done");
        assertThat(query(db, "SELECT status FROM results WHERE id = 'q1'").get(0)).containsEntry("status", "failed");
        assertThat(pending).isNotNull().isNotEqualTo("q0");
        stride.model.requests.set(0);

        // q0 is done: the input's first line is not what a resume sends first.
        Cli.Result dry = run(input, db, "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("First to send: " + pending + ", which sends the user message: Q: question "
                + pending.substring(1));
        // --retry-failed sends the failed q1 again, before any pending one.
        Cli.Result retry = run(input, db, "--dry-run", "--retry-failed");
        assertThat(retry.out()).as(retry.all())
                .contains("First to send: q1, which sends the user message: Q: question 1");
        assertThat(stride.model.requests.get()).isZero();

        // Once every record has an answer (the failed one kept), none would be sent, and none is named.
        assertThat(run(input, db).exitCode()).isEqualTo(3);
        Cli.Result done = run(input, db, "--dry-run");
        assertThat(done.out()).as(done.all()).contains("Would send 0 requests").doesNotContain("First to send");
    }

    @Test
    void keysOrColumnsInAnotherOrderAreNoEditAndKeepTheirAnswers() throws Exception {
        Path input = dir.resolve("k.jsonl");
        lines(input, 0, 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        List<Map<String, Object>> before = snapshot(db);
        StringBuilder reordered = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            reordered.append(i < 3 ? "{\"question\":\"question " + i + "\",\"id\":\"q" + i + "\"}"
                    : "{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\"}").append('\n');
        }
        Files.writeString(input, reordered, StandardCharsets.UTF_8);
        stride.model.requests.set(0);

        Cli.Result again = run(input, db);
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.out()).doesNotContain("edited (redone)").contains("Nothing left to send for 'm': 10/10 done");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(snapshot(db)).as("answers and the stored text as first written").isEqualTo(before);

        Path csv = dir.resolve("c.csv");
        Files.writeString(csv, "id,question\n1,a\n2,b\n", StandardCharsets.UTF_8);
        Path csvDb = dir.resolve("csv.db");
        assertThat(run(csv, csvDb).exitCode()).isZero();
        Files.writeString(csv, "question,id\na,1\nb,2\n", StandardCharsets.UTF_8);
        stride.model.requests.set(0);
        Cli.Result swapped = run(csv, csvDb);
        assertThat(swapped.exitCode()).as(swapped.all()).isZero();
        assertThat(swapped.out()).contains("Nothing left to send for 'm': 2/2 done");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aChangedEndpointIsNamedByTheOptionThatChoosesIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();

        Cli.Result completions = run(input, db, "--endpoint", "completions");
        assertThat(completions.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(completions.err()).contains("other settings (--endpoint chat -> completions);");
        Cli.Result ollama = run(input, db, "--api", "ollama");
        assertThat(ollama.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(ollama.err()).contains("other settings (--api openai -> ollama);");
    }

    /**
     * {@code --api openai} given to a run started with {@code --api ollama} is a changed setting, refused with nothing
     * sent; it was taken for the option left out, and the resume went on POSTing to Ollama's /api/chat (the 404's
     * own advice, to leave out --api, could then never be followed).
     */
    @Test
    void apiOpenaiGivenToARunStartedWithOllamaIsRefusedNotIgnored() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        run(input, db, "--api", "ollama");
        assertThat(query(db, "SELECT params FROM runs").get(0).get("params").toString()).contains("ollama");
        stride.model.requests.set(0);

        Cli.Result openai = run(input, db, "--api", "openai");
        assertThat(openai.exitCode()).as(openai.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(openai.err()).contains("(--api ollama -> openai);");
        assertThat(stride.model.requests.get()).isZero();
        Cli.Result dry = run(input, db, "--api", "openai", "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(dry.out()).contains("changed: --api ollama -> openai");
    }

    @Test
    void appendsEditsAndRemovalsAreNamedAndOnlyTheyAreSent() throws Exception {
        Path input = dir.resolve("q.jsonl");
        lines(input, 0, 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        // q0 and q1 removed, q2..q8 edited (7, five named), q10..q12 appended.
        StringBuilder s = new StringBuilder();
        for (int i = 2; i < 13; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i)
                    .append(i <= 8 ? " v2" : "").append("\"}\n");
        }
        Files.writeString(input, s, StandardCharsets.UTF_8);
        stride.model.requests.set(0);

        Cli.Result dry = run(input, db, "--dry-run", "--drop-answers");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("Dry run of 'm': Input changed since the last session: 3 added, 7 edited"
                + " (redone), 2 removed (added q10, q11, q12; edited q2, q3, q4, q5, q6, …; removed q0, q1)")
                .contains("template and parameters unchanged")
                .contains("9 answers would be dropped (--drop-answers)")
                .contains("Would send 10 requests (10 records without an answer; 1 done are kept)")
                .contains("First to send: q2, which sends the user message: Q: question 2 v2")
                .contains("Nothing was sent or written (--dry-run).");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(query(db, "SELECT count(*) AS n FROM results WHERE run = 'm'").get(0)).containsEntry("n", 10);

        Cli.Result real = run(input, db, "--drop-answers");
        assertThat(real.exitCode()).as(real.all()).isZero();
        assertThat(real.out()).contains("Input changed since the last session: 3 added, 7 edited (redone),"
                + " 2 removed (added q10, q11, q12; edited q2, q3, q4, q5, q6, …; removed q0, q1)")
                .contains("Resuming 'm' from checkpoint: 1/11 done, 10 to go");
        assertThat(stride.model.requests.get()).isEqualTo(10);
    }

    /**
     * A refused change names what changed, and only that: the stored and given settings' whole JSON after it repeated
     * the system message and every parameter that stayed. The system message, an option of its own, is named so.
     */
    @Test
    void aRefusalSaysOnlyWhatChanged() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db, "--system", "You are a doctor.", "--max-tokens", "64", "--temperature", "0.2")
                .exitCode()).isZero();

        Cli.Result warmer = run(input, db, "--temperature", "0.7");
        Cli.Result otherSystem = run(input, db, "--system", "You are a nurse.", "--seed", "1");

        assertThat(warmer.exitCode()).as(warmer.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(warmer.err()).isEqualTo("stride: run 'm' was started with other settings (parameters temperature"
                + " 0.2 -> 0.7); choose a new --run NAME to keep both, or start over with: stride clear --db " + db
                + " --run m\n");
        assertThat(otherSystem.err()).isEqualTo("stride: run 'm' was started with other settings (system message"
                + " \"You are a doctor.\" -> \"You are a nurse.\", parameters seed (unset) -> 1); choose a new"
                + " --run NAME to keep both, or start over with: stride clear --db " + db + " --run m\n");
    }

    /** Counts of a sync are grouped as the progress beside them is ("1,005 of the 1,010", next to "1,010/1,010"). */
    @Test
    void theCountsOfARerunAreGroupedAsEveryOtherCount() throws Exception {
        Path input = dir.resolve("q.jsonl");
        lines(input, 0, 1010);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db, "--concurrency", "16").exitCode()).isZero();
        // q0..q1004 edited, q1010..q2009 appended.
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 2010; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i)
                    .append(i < 1005 ? " v2" : "").append("\"}\n");
        }
        Files.writeString(input, s, StandardCharsets.UTF_8);
        stride.model.requests.set(0);

        Cli.Result dry = run(input, db, "--dry-run");

        assertThat(dry.exitCode()).as(dry.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(dry.out()).contains("Input changed since the last session: 1,000 added, 1,005 edited (redone),"
                + " 0 removed (").contains("this input would drop 1,005 of the 1,010 answers of run 'm' (1,005 of"
                + " records it changed: ");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aRerunOnPartOfTheInputKeepsEveryAnswerUnlessToldToDropThem() throws Exception {
        Path input = dir.resolve("q.jsonl");
        lines(input, 0, 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        List<Map<String, Object>> before = snapshot(db);
        stride.model.requests.set(0);
        // A sample of the same file, as one tries a change on before the whole run.
        Path sample = dir.resolve("sample.jsonl");
        lines(sample, 0, 3);

        Cli.Result refused = run(sample, db);
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).isEqualTo("stride: " + sample + ": this input would drop 7 of the 10 answers of"
                + " run 'm' (7 of records it no longer has: q3, q4, q5, q6, q7, …); nothing was changed. Add"
                + " --drop-answers to drop them, or give this input its own --run NAME" + System.lineSeparator());
        assertThat(snapshot(db)).isEqualTo(before);

        // The whole file read with another field as its id: not one of its ids is the run's.
        Cli.Result misread = run(input, db, "--id-field", "question");
        assertThat(misread.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(misread.err()).contains("this input would drop 10 of the 10 answers of run 'm' (10 of records"
                + " it no longer has: q0, q1, q2, q3, q4, …); nothing was changed. Not one id of this input is in the"
                + " run: check that it is the run's input, read with its --id-field.");
        assertThat(snapshot(db)).isEqualTo(before);
        // A field no record has: refused on the first line, before the input is compared with the run.
        Cli.Result typo = run(input, db, "--id-field", "qid");
        assertThat(typo.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).isEqualTo("stride: " + input + " line 1: has no value in field 'qid' to take its id"
                + " from (its fields: id, question); name the field that identifies a record with --id-field, or"
                + " leave --id-field out to number records by line" + System.lineSeparator());
        assertThat(snapshot(db)).isEqualTo(before);

        Cli.Result dry = run(sample, db, "--dry-run");
        assertThat(dry.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(dry.out()).contains("0 added, 0 edited (redone), 7 removed (removed q3, q4, q5, q6, q7, …)")
                .contains("a real run refuses this input: " + sample + ": this input would drop 7 of the 10")
                // What is refused sends nothing; what lifts the refusal would send none either (all 3 are done).
                .contains("Would send nothing: a real run of this command is refused, as said above (with"
                        + " --drop-answers it would send 0 requests)")
                .doesNotContain("Would send 0").doesNotContain("First to send");
        assertThat(snapshot(db)).isEqualTo(before);
        assertThat(stride.model.requests.get()).isZero();

        Cli.Result dropped = run(sample, db, "--drop-answers");
        assertThat(dropped.exitCode()).as(dropped.all()).isZero();
        assertThat(query(db, "SELECT count(*) AS n FROM results WHERE status = 'done'").get(0)).containsEntry("n", 3);
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void anotherFileWhoseIdsAreLineNumbersIsRefusedWhileACorrectionIsRedone() throws Exception {
        Path train = dir.resolve("train.jsonl");
        Path test = dir.resolve("test.jsonl");
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            a.append("{\"question\":\"train ").append(i).append("\"}\n");
            b.append("{\"question\":\"test ").append(i).append("\"}\n");
        }
        Files.writeString(train, a, StandardCharsets.UTF_8);
        Files.writeString(test, b, StandardCharsets.UTF_8);
        Path db = dir.resolve("runs.db");
        assertThat(run(train, db).exitCode()).isZero();
        List<Map<String, Object>> before = snapshot(db);

        Cli.Result other = run(test, db);
        assertThat(other.exitCode()).as(other.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(other.err()).isEqualTo("stride: " + test + ": this input would drop 6 of the 6 answers of run 'm'"
                + " (6 of records it changed: 1, 2, 3, 4, 5, …); nothing was changed. Every record of this input"
                + " differs from the run's: is it another file with the same ids (or line numbers)?" + BY_LINE
                + " Add --drop-answers to drop them, or give this input its own --run NAME" + System.lineSeparator());
        assertThat(snapshot(db)).isEqualTo(before);

        // Two of six corrected: not most of the answers, so they are redone without a question.
        Files.writeString(train, a.toString().replace("train 1", "train 1, corrected")
                .replace("train 4", "train 4, corrected"), StandardCharsets.UTF_8);
        stride.model.requests.set(0);
        Cli.Result corrected = run(train, db);
        assertThat(corrected.exitCode()).as(corrected.all()).isZero();
        assertThat(corrected.out()).contains("0 added, 2 edited (redone), 0 removed (edited 2, 5)");
        assertThat(stride.model.requests.get()).isEqualTo(2);
    }

    private static final String BY_LINE = " Its records have no field 'id' and are matched by line number, so a line"
            + " deleted or added shifts every record after it; --id-field NAME follows them by a field of their own"
            + " instead (in a new run).";

    /**
     * Records without ids are known by their line: one line deleted moves every later record onto its neighbour's
     * answer, which the sync sees as most answers edited. The refusal says why, and how to follow records by id.
     */
    @Test
    void aLineDeletedFromAFileWithoutIdsIsRefusedSayingRecordsAreMatchedByLine() throws Exception {
        Path input = dir.resolve("noids.jsonl");
        StringBuilder all = new StringBuilder();
        StringBuilder lineTwoGone = new StringBuilder();
        StringBuilder lastEdited = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            String line = "{\"question\":\"question " + i + "\"}\n";
            all.append(line);
            lineTwoGone.append(i == 1 ? "" : line);
            lastEdited.append(i == 5 ? "{\"question\":\"question 5, corrected\"}\n" : line);
        }
        Files.writeString(input, all, StandardCharsets.UTF_8);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        List<Map<String, Object>> before = snapshot(db);
        stride.model.requests.set(0);

        Files.writeString(input, lineTwoGone, StandardCharsets.UTF_8);
        Cli.Result refused = run(input, db);
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).isEqualTo("stride: " + input + ": this input would drop 5 of the 6 answers of run"
                + " 'm' (1 of records it no longer has: 6; 4 of records it changed: 2, 3, 4, 5); nothing was changed."
                + BY_LINE + " Add --drop-answers to drop them, or give this input its own --run NAME"
                + System.lineSeparator());
        Cli.Result dry = run(input, db, "--dry-run");
        assertThat(dry.out()).as(dry.all()).contains("matched by line number");
        assertThat(snapshot(db)).isEqualTo(before);
        assertThat(stride.model.requests.get()).isZero();

        // Records with ids of their own say nothing of lines.
        Path withIds = dir.resolve("ids.jsonl");
        lines(withIds, 0, 6);
        Path idsDb = dir.resolve("ids.db");
        assertThat(run(withIds, idsDb).exitCode()).isZero();
        lines(withIds, 3, 6);
        assertThat(run(withIds, idsDb).err()).contains("would drop 3 of the 6").doesNotContain("line number");

        // A correction in place is no moved line: nothing said of lines.
        Files.writeString(input, lastEdited, StandardCharsets.UTF_8);
        Cli.Result corrected = run(input, db);
        assertThat(corrected.exitCode()).as(corrected.all()).isZero();
        assertThat(corrected.out()).contains("0 added, 1 edited (redone), 0 removed (edited 6)")
                .doesNotContain("line number");

        // The deletion let through says why its neighbours were redone, under the sync's report line.
        Files.writeString(input, lineTwoGone, StandardCharsets.UTF_8);
        stride.model.requests.set(0);
        Cli.Result dropped = run(input, db, "--drop-answers");
        assertThat(dropped.exitCode()).as(dropped.all()).isZero();
        assertThat(dropped.out()).contains("0 added, 4 edited (redone), 1 removed (edited 2, 3, 4, 5; removed 6);"
                + " template and parameters unchanged" + System.lineSeparator()
                + "note: this input's records have no field 'id' and are matched by line number, so lines that moved"
                + " with a deleted or added one count as edited; --id-field NAME follows them by a field of their own"
                + " instead (in a new run)" + System.lineSeparator());
        assertThat(stride.model.requests.get()).isEqualTo(4);
    }

    @Test
    void aDryRunOfBatchRequestLinesNamesTheEndpointEachIsSentTo() throws Exception {
        for (String endpoint : List.of("chat/completions", "completions")) {
            Path input = dir.resolve(endpoint.replace('/', '-') + ".jsonl");
            String body = endpoint.equals("completions") ? "{\"model\":\"m\",\"prompt\":\"Say hi\"}"
                    : "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";
            Files.writeString(input, "{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/" + endpoint
                    + "\",\"body\":" + body + "}\n", StandardCharsets.UTF_8);

            Cli.Result dry = run(input, dir.resolve(endpoint.replace('/', '-') + ".db"), "--dry-run");

            assertThat(dry.exitCode()).as(dry.all()).isZero();
            assertThat(dry.out()).contains("First to send: r1, which sends its batch request body as it is, to /" + endpoint
                    + ": " + body);
        }
    }

    @Test
    void aChangedTemplateOrParameterIsNamedAndADryRunOfItWritesNothing() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db, "--temperature", "0.2").exitCode()).isZero();
        List<Map<String, Object>> before = snapshot(db);
        stride.model.requests.set(0);

        Cli.Result refused = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--template", "A: {{question}}", "--temperature", "0.7", "--seed", "1");
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("template 'Q: {{question}}' -> 'A: {{question}}'")
                .contains("parameters seed (unset) -> 1, temperature 0.2 -> 0.7");

        lines(input, 0, 3, "{\"id\":\"new\",\"question\":\"n\"}");
        Cli.Result dry = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--template", "A: {{question}}", "--dry-run");
        assertThat(dry.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(dry.out()).contains("1 added, 0 edited (redone), 0 removed (added new)")
                .contains("changed: template 'Q: {{question}}' -> 'A: {{question}}'")
                .contains("a real run refuses changed settings: choose a new --run NAME")
                .contains("Would send nothing: a real run of this command is refused, as said above"
                        + System.lineSeparator())
                .doesNotContain("Would send 1").doesNotContain("First to send");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(snapshot(db)).isEqualTo(before);
    }

    /**
     * A refusal to drop answers names the records whose answers would go. It named the first removed (or changed)
     * records of any kind, so with failed or pending records before them it sent the user looking for answers that
     * were never there ("1 of records it no longer has: q01, q19", q19 pending).
     */
    @Test
    void aRefusalNamesTheRecordsWhoseAnswersWouldGoNotThoseWithout() throws Exception {
        Path input = dir.resolve("q.jsonl");
        lines(input, 0, 10);
        Path db = dir.resolve("runs.db");
        // q0..q5 refused by the server (stored failed, no answer), q6..q9 answered.
        stride.model.answering(prompt -> prompt.matches("Q: question [0-5]")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt too long\"}}") : null);
        Cli.Result first = run(input, db, "--concurrency", "1");
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        List<Map<String, Object>> before = snapshot(db);

        Path sample = dir.resolve("sample.jsonl");
        lines(sample, 8, 10);
        Cli.Result removed = run(sample, db);
        assertThat(removed.exitCode()).as(removed.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(removed.err()).contains("this input would drop 2 of the 4 answers of run 'm' (2 of records it no"
                + " longer has: q6, q7); nothing was changed.");
        Cli.Result removedDry = run(sample, db, "--dry-run");
        assertThat(removedDry.out()).contains("8 removed (removed q0, q1, q2, q3, q4, …)")
                .contains("(2 of records it no longer has: q6, q7)");

        // Every record edited: the six failed ones and three of the four answered.
        StringBuilder edited = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            edited.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i)
                    .append(i < 9 ? " v2" : "").append("\"}\n");
        }
        Files.writeString(input, edited, StandardCharsets.UTF_8);
        Cli.Result changed = run(input, db);
        assertThat(changed.exitCode()).as(changed.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(changed.err()).contains("this input would drop 3 of the 4 answers of run 'm' (3 of records it"
                + " changed: q6, q7, q8); nothing was changed.");
        assertThat(snapshot(db)).isEqualTo(before);
    }

    @Test
    void aDryRunOfANewRunCreatesNothing() throws Exception {
        Path input = questions(dir, "q.jsonl", 5);
        Path db = dir.resolve("runs.db");
        Cli.Result dry = run(input, db, "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("Dry run: would start new run 'm' with 5 records")
                .contains("Would send 5 requests");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist(); // not even an empty database
    }
}
