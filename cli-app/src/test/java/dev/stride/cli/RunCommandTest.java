package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.Timing;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private String url() {
        return stride.url();
    }

    private Cli.Result run(Path input, Path db, String... more) {
        return stride.run(input, db).model("qwen-medical-lora-251106-f16").template("Q: {{question}}").noProgress()
                .with(more);
    }

    @Test
    void aNewRunStoresEveryAnswerWithItsRecord() throws Exception {
        Path input = questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--concurrency", "16");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Starting new run 'qwen-medical-lora-251106-f16': 100 records")
                .contains("Done: 'qwen-medical-lora-251106-f16' 100/100");
        assertThat(stride.model.requests.get()).isEqualTo(100);
        List<Map<String, Object>> rows = query(db, "SELECT id, input, output, status, finish_reason,"
                + " prompt_tokens, completion_tokens, attempts, latency_ms, finished_at FROM results");
        assertThat(rows).hasSize(100);
        for (Map<String, Object> row : rows) {
            String id = (String) row.get("id");
            assertThat(row.get("status")).isEqualTo("done");
            assertThat(row.get("output")).isEqualTo("echo: Q: question " + id.substring(1));
            assertThat(row.get("finish_reason")).isEqualTo("stop");
            assertThat(row.get("prompt_tokens")).isEqualTo(7);
            assertThat(row.get("completion_tokens")).isEqualTo(3);
            assertThat(row.get("attempts")).isEqualTo(1);
            assertThat(row.get("finished_at")).isNotNull();
        }
        Map<String, Object> progress = query(db, "SELECT * FROM progress").get(0);
        assertThat(progress).containsEntry("total", 100).containsEntry("done", 100).containsEntry("pending", 0)
                .containsEntry("state", "done");
        assertThat(dir.resolve("runs.db-wal")).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(), p -> assertThat(Files.size(p)).isZero());
    }

    @Test
    void aChangedInputWhileAWorkerIsLiveIsARefusedInputAndChangesNothing() throws Exception {
        Path db = dir.resolve("runs.db");
        assertThat(run(questions(dir, "q.jsonl", 10), db).exitCode()).isZero();
        Path more = questions(dir, "more.jsonl", 11);
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(db)) {
            worker.join(worker.findRun("qwen-medical-lora-251106-f16").orElseThrow().id(), Duration.ofSeconds(30));

            Cli.Result r = run(more, db);

            // Exit 5 (busy: it clears up once the worker is gone), not 2 (the input is fine) nor 4 (the database is).
            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.BUSY);
            assertThat(r.err()).isEqualTo("stride: run 'qwen-medical-lora-251106-f16' in " + db + " has 1 live"
                    + " worker and the input differs from its stored records (1 added, 0 edited, 0 removed); nothing"
                    + " was changed. Wait for the workers to finish or stop them (Ctrl+C), then run again\n");
        }
        assertThat(count(db, "SELECT total FROM progress")).isEqualTo(10);
        assertThat(stride.model.requests.get()).isEqualTo(10);
    }

    @Test
    void withASecondWorkerOnTheRunTheProgressLinesShowTheRunsDoneNotThisWorkersAlone() throws Exception {
        String name = "qwen-medical-lora-251106-f16";
        Path input = questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("runs.db");
        AtomicInteger seen = new AtomicInteger();
        List<SqliteCheckpointStore> second = new CopyOnWriteArrayList<>();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == 20) {
                // A second worker on the same file stores answers to 50 records the first does not hold.
                SqliteCheckpointStore other = SqliteCheckpointStore.open(db);
                second.add(other);
                long run = other.findRun(name).orElseThrow().id();
                other.join(run, Duration.ofSeconds(30));
                for (InputRecord r : other.claim(run, -1, 50, false)) {
                    other.savePrediction(run, r, new Prediction(Answer.plain("other", "stop", 1, 1), null,
                            new Timing(1, 1, Instant.now())));
                }
                other.leave(run);
            }
            return null;
        });

        Cli.Result r = stride.run(input, db).model(name).template("Q: {{question}}")
                .with("--concurrency", "1", "--log-every", "1ms");
        second.forEach(SqliteCheckpointStore::close);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(stride.model.requests.get()).as("this worker answered 150").isEqualTo(150);
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(200);
        Matcher shown = Pattern.compile(name + ": (\\d+)/200 done").matcher(r.out());
        long most = 0;
        while (shown.find()) {
            most = Math.max(most, Long.parseLong(shown.group(1)));
        }
        // This worker's own answers never pass 150: more is the run's count, the other worker's 50 with them.
        assertThat(most).as(r.out()).isGreaterThan(150).isLessThanOrEqualTo(200);
    }

    @Test
    void anInterruptedRunResumesAndAsksOnlyForWhatRemains() throws Exception {
        Path input = questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("runs.db");
        pressCtrlCAtRequest(60);

        Cli.Result first = run(input, db, "--concurrency", "4", "--save-interval", "5");

        assertThat(first.exitCode()).as(first.all()).isEqualTo(130);
        assertThat(first.out()).contains("Interrupted: 'qwen-medical-lora-251106-f16' saved at");
        long doneAfterFirst = count(db, "SELECT done FROM progress");
        assertThat(doneAfterFirst).isBetween(55L, 64L);
        Set<String> answeredFirst = new HashSet<>(query(db, "SELECT id FROM results WHERE status = 'done'")
                .stream().map(row -> (String) row.get("id")).toList());
        stride.model.prompts.clear();
        stride.model.answering(prompt -> null);

        Cli.Result second = run(input, db, "--concurrency", "4");

        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.out()).contains("Resuming 'qwen-medical-lora-251106-f16' from checkpoint: "
                + doneAfterFirst + "/200 done, " + (200 - doneAfterFirst) + " to go");
        List<String> askedAgain = stride.model.promptList();
        assertThat(askedAgain).hasSize((int) (200 - doneAfterFirst)).doesNotHaveDuplicates();
        for (String id : answeredFirst) {
            assertThat(askedAgain).doesNotContain("Q: question " + id.substring(1));
        }
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(200);
        assertThat(count(db, "SELECT count(*) FROM results WHERE output = 'echo: Q: question ' || substr(id, 2)"))
                .isEqualTo(200);
    }

    @Test
    void theResumeHintRepeatsTheOptionsTheRunDoesNotStore() throws Exception {
        Path input = questions(dir, "q.jsonl", 50);
        Path db = dir.resolve("runs.db");
        pressCtrlCAtRequest(10);

        Cli.Result r = run(input, db, "--concurrency", "4", "--max-tokens", "64", "--rpm", "60000", "--retries=2",
                "--stream", "--header", "api-key: sk-secret", "--header", "X-Team: blue", "--extract",
                "answer: (.*)");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        // --max-tokens and --extract are stored with the run (so are the model, template and servers); the pace, the
        // limits and the transfer belong to a session. A header's literal value may be the key: not repeated.
        assertThat(r.out()).contains(" To continue, run the same command again, or: stride run --db " + db
                + " --run qwen-medical-lora-251106-f16 --concurrency 4 --rpm 60000 --retries 2 --stream"
                + " --header 'api-key: ***' --header 'X-Team: ***'\n");
        assertThat(r.out()).doesNotContain("sk-secret");
    }

    @Test
    void theResumeHintQuotesADatabasePathAndARunNameWithSpaces() throws Exception {
        Path input = questions(dir, "q.jsonl", 50);
        Path db = Files.createDirectories(dir.resolve("my runs")).resolve("it's.db");
        pressCtrlCAtRequest(10);

        Cli.Result r = run(input, db, "--run", "first try");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        // Pasted into a shell as printed, the hint must name the same file and run.
        String quotedDb = "'" + db.toString().replace("'", "'\\''") + "'";
        assertThat(r.out()).contains("or: stride run --db " + quotedDb + " --run 'first try'\n");
    }

    @Test
    @Timeout(120)
    void aProgressLineComesEveryLogEveryAlsoWhileNoAnswerArrives() throws Exception {
        Path input = questions(dir, "q.jsonl", 1);
        Path db = dir.resolve("runs.db");
        CountDownLatch lineSeen = new CountDownLatch(1);
        stride.cli.watchingOut(text -> {
            if (text.startsWith("qwen-medical-lora-251106-f16: 0/1 done")) {
                lineSeen.countDown();
            }
        });
        // The only answer is held until a progress line is out: before, lines came with outcomes only, so this
        // waited for ever (the timeout) with the log silent.
        stride.model.answering(prompt -> {
            try {
                lineSeen.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });

        Cli.Result r = stride.run(input, db).model("qwen-medical-lora-251106-f16").template("Q: {{question}}")
                .with("--log-every", "1s");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("qwen-medical-lora-251106-f16: 0/1 done (0.0%), 0 failed, 0 retries, 0.0/s");
    }

    @Test
    void ctrlCWithNoGraceSaysItSavesAtOnceRatherThanWaitingUpToNothing() throws Exception {
        Path input = questions(dir, "q.jsonl", 50);
        Path db = dir.resolve("runs.db");
        pressCtrlCAtRequest(10);

        Cli.Result r = run(input, db, "--grace", "0s");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        assertThat(r.err()).contains("Stopping: saving now, without waiting for requests in flight (--grace 0s);"
                + " they are asked again on the next run.").doesNotContain("up to 0.0s");
    }

    @Test
    void retryAfterIsHonouredBeforeTheNextAttempt() throws Exception {
        Path input = questions(dir, "q.jsonl", 1);
        Path db = dir.resolve("runs.db");
        AtomicInteger calls = new AtomicInteger();
        long[] at = new long[2];
        stride.model.answering(prompt -> {
            int n = calls.getAndIncrement();
            at[Math.min(n, 1)] = System.nanoTime();
            return n == 0 ? new MockResponse.Builder().code(429).setHeader("Retry-After", "1")
                    .body("{\"error\":{\"message\":\"slow down\"}}").build() : null;
        });

        Cli.Result r = run(input, db);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(TimeUnit.NANOSECONDS.toMillis(at[1] - at[0])).isGreaterThanOrEqualTo(950);
        assertThat(query(db, "SELECT attempts FROM results").get(0)).containsEntry("attempts", 2);
    }

    @Test
    void aRefusedRecordIsStoredAsFailedAndRetryFailedRedoesIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> prompt.equals("Q: question 3")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 4096"
                        + " tokens\",\"type\":\"invalid_request_error\"}}") : null);

        Cli.Result first = run(input, db);

        assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        assertThat(first.out()).contains("9/10 done, 1 failed").contains("--retry-failed");
        Map<String, Object> failed = query(db, "SELECT id, status, error FROM results WHERE status <> 'done'").get(0);
        assertThat(failed).containsEntry("id", "q3").containsEntry("status", "failed");
        assertThat((String) failed.get("error")).contains("400").contains("maximum context length");

        Cli.Result again = run(input, db);
        assertThat(again.exitCode()).isEqualTo(3);
        assertThat(again.out()).contains("Nothing left to send");

        stride.model.answering(prompt -> null);
        stride.model.prompts.clear();
        Cli.Result retried = run(input, db, "--retry-failed");

        assertThat(retried.exitCode()).as(retried.all()).isZero();
        assertThat(stride.model.promptList()).containsExactly("Q: question 3");
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(10);
        assertThat(query(db, "SELECT attempts FROM results WHERE id = 'q3'").get(0))
                .as("the requests the server received for it: the refused one and the answered one")
                .containsEntry("attempts", 2);
    }

    @Test
    void passingFailuresAreRetriedAndAnExhaustedRecordFailsWhileTheRunGoesOn() throws Exception {
        Path input = questions(dir, "q.jsonl", 6);
        Path db = dir.resolve("runs.db");
        AtomicInteger flaky = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (prompt.equals("Q: question 1") && flaky.getAndIncrement() < 2) {
                return FakeModelServer.json(503, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}");
            }
            if (prompt.equals("Q: question 4")) {
                return FakeModelServer.json(500, "{\"error\":{\"message\":\"boom\"}}");
            }
            return null;
        });

        Cli.Result r = run(input, db, "--retries", "2");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        assertThat(query(db, "SELECT attempts FROM results WHERE id = 'q1'").get(0)).containsEntry("attempts", 3);
        Map<String, Object> failed = query(db, "SELECT status, attempts, error FROM results WHERE id = 'q4'").get(0);
        assertThat(failed).containsEntry("status", "failed").containsEntry("attempts", 3);
        assertThat((String) failed.get("error")).contains("gave up after 3 attempts").contains("500");
    }

    @Test
    void unauthorizedStopsTheRunInsteadOfFailingEveryRecord() throws Exception {
        Path input = questions(dir, "q.jsonl", 500);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> FakeModelServer.json(401, "{\"error\":{\"message\":\"Incorrect API key"
                + " provided\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));

        Cli.Result r = run(input, db, "--concurrency", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("Incorrect API key provided").contains("401")
                .contains("because every request would fail the same way");
        assertThat(r.err().lines().filter(l -> !l.isBlank())).hasSize(1);
        assertThat(stride.model.requests.get()).isLessThanOrEqualTo(8);
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'failed'")).isZero();
        assertThat(query(db, "SELECT state FROM progress").get(0)).containsEntry("state", "stopped");
    }

    @Test
    void aMalformedLineIsReportedWithItsNumberBeforeAnyRequestAndNothingIsWritten() throws Exception {
        Path input = dir.resolve("bad.jsonl");
        Files.writeString(input, "{\"question\":\"a\"}\n{\"question\":\"b\"}\n{\"question\": oops}\n",
                StandardCharsets.UTF_8);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: " + input + " line 3, column 14: is not valid JSON: found oops, which"
                + " is not a JSON value: write text in double quotes (\"oops\"); only true, false and null go without;"
                + " each line must hold one whole JSON object\n");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist(); // not even an empty database
    }

    @Test
    void aLeaseShorterThanASecondIsRefusedInOneLineBeforeADatabaseExists() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");

        for (String lease : List.of("50ms", "999ms")) {
            Cli.Result r = run(input, db, "--lease", lease);
            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).isEqualTo("stride: invalid value for --lease: '" + lease + "' is too small (at least"
                    + " 1s): a shorter lease lapses under an ordinary pause and live workers take each other's records"
                    + " (e.g. 30s)\nstride: see 'stride run --help' for every option\n");
        }
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();

        Cli.Result second = run(input, db, "--lease", "1s");
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(3);
    }

    @Test
    void aBlankModelOrRunNameIsRefusedInOneLineBeforeADatabaseExists() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");

        Cli.Result noModel = stride.run(input, db).model("").template("Q: {{question}}").noProgress().with();
        assertThat(noModel.exitCode()).isEqualTo(2);
        assertThat(noModel.err()).isEqualTo("stride: --model is empty: give the name the server serves the model"
                + " under, e.g. --model qwen2.5-7b-instruct\n");
        Cli.Result blankRun = run(input, db, "--run", "  ");
        assertThat(blankRun.exitCode()).isEqualTo(2);
        assertThat(blankRun.err()).isEqualTo("stride: --run is empty: give the run a name, or leave --run out to name"
                + " it after the model\n");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();
    }

    @Test
    void aTemplateThatWouldSendEveryRecordTheSamePromptIsRefusedBeforeADatabaseExists() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        Path emptyFile = Files.writeString(dir.resolve("empty.txt"), "\n");

        assertThat(refusal(stride.run(input, db).template("Q: {{question}").noProgress().with()))
                .isEqualTo("stride: the template 'Q: {{question}': the {{ at character 4 opens no field; write each"
                        + " field as {{name}}, e.g. {{question}}\n");
        assertThat(refusal(stride.run(input, db).template("{{ }}").noProgress().with()))
                .contains("character 1 opens no field");
        assertThat(refusal(stride.run(input, db).template("Answer: {question}").noProgress().with()))
                .isEqualTo("stride: the template 'Answer: {question}' has no field: write {question} as {{question}}"
                        + " (two braces on each side)\n");
        assertThat(refusal(stride.run(input, db).template("").noProgress().with()))
                .startsWith("stride: the template is empty:");
        assertThat(refusal(stride.run(input, db).noProgress().with("--template-file", emptyFile.toString())))
                .startsWith("stride: the template is empty:");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();
    }

    /**
     * A template or system file that cannot be read is said so, with the reason: it was "cannot be read as UTF-8 text
     * (tpl)", the file's own name as the reason, for a file the user may not read; and "as UTF-8 text" for a folder.
     */
    @Test
    void aTemplateOrSystemFileThatCannotBeReadIsSaidWithItsReason() throws Exception {
        Path input = questions(dir, "q.jsonl", 2);
        Path db = dir.resolve("runs.db");
        Path folder = Files.createDirectory(dir.resolve("prompts"));
        assertThat(refusal(stride.run(input, db).noProgress().with("--template-file", folder.toString())))
                .isEqualTo("stride: --template-file " + folder + ": cannot be read (Is a directory)\n");
        assertThat(refusal(stride.run(input, db).template("{{question}}").noProgress()
                .with("--system-file", folder.toString())))
                .isEqualTo("stride: --system-file " + folder + ": cannot be read (Is a directory)\n");

        Path locked = Files.writeString(dir.resolve("system.txt"), "Be brief.", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("-w-------"));
        if (!Files.isReadable(locked)) { // root reads it all the same: there is no refusal to see
            assertThat(refusal(stride.run(input, db).template("{{question}}").noProgress()
                    .with("--system-file", locked.toString())))
                    .isEqualTo("stride: --system-file " + locked + ": cannot be read (Permission denied)\n");
        }
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();
    }

    @Test
    void aParameterTheClientRefusesIsAUsageErrorBeforeARunIsStored() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");

        assertThat(refusal(run(input, db, "--param", "stream=false")))
                .isEqualTo("stride: --param stream: streaming is an option of its own: give --stream for streamed"
                        + " answers, or leave it out for whole ones\n");
        assertThat(refusal(run(input, db, "--param", " =1")))
                .isEqualTo("stride: --param  =1: the parameter has no name; write KEY=JSON, e.g. --param"
                        + " repetition_penalty=1.1\n");
        // Merged into the body last, these won over what stride writes: one prompt sent for every record, another
        // model or limit than the run stores and shows.
        assertThat(refusal(run(input, db, "--param", "messages=[{\"role\":\"user\",\"content\":\"SAME\"}]")))
                .isEqualTo("stride: --param messages: each record's prompt is sent as messages, from the record and"
                        + " --template (--system for a system message); a parameter would send the same one for every"
                        + " record\n");
        assertThat(refusal(run(input, db, "--param", "prompt=\"SAME\""))).startsWith("stride: --param prompt: each");
        assertThat(refusal(run(input, db, "--param", "model=\"other\"")))
                .isEqualTo("stride: --param model: give --model instead; the run stores it and shows it, and a"
                        + " parameter would quietly override it\n");
        assertThat(refusal(run(input, db, "--max-tokens", "9", "--param", "max_tokens=3")))
                .startsWith("stride: --param max_tokens: give --max-tokens instead;");
        assertThat(refusal(run(input, db, "--param", "temperature=0.5"))).startsWith("stride: --param temperature:"
                + " give --temperature instead;");
        // Several answers to one prompt: the first is stored, the tokens of all of them counted against it.
        assertThat(refusal(run(input, db, "--param", "n=3")))
                .isEqualTo("stride: --param n=3: stride stores one answer per record (the first choice), and the server"
                        + " would count the tokens of every answer it makes against it (tokens per second and cost too"
                        + " high); leave n out or give n=1, and for several answers to a prompt run again under another"
                        + " --run NAME\n");
        assertThat(refusal(run(input, db, "--param", "best_of=2"))).startsWith("stride: --param best_of=2: stride"
                + " stores one answer per record");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();
        // One answer asked for in so many words is what stride does anyway.
        assertThat(run(input, db, "--param", "n=1").exitCode()).isZero();
        assertThat(stride.model.requests.get()).isEqualTo(3);
    }

    @Test
    void aRunAnOlderStrideStoredWithStreamAsAParameterSaysHowToGetOut() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            // As an older stride left it: the parameter stored, the records not yet sent.
            st.execute("UPDATE runs SET params = '{\"params\":{\"stream\":false}}'");
            st.execute("DELETE FROM predictions");
        }
        int asked = stride.model.requests.get();

        Cli.Result r = stride.run(input, db).model("qwen-medical-lora-251106-f16").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: run 'qwen-medical-lora-251106-f16' is stored with the request"
                + " parameter 'stream', which stride does not send (an older stride let --param set it; streaming is"
                + " chosen with --stream): remove the run with stride clear --run qwen-medical-lora-251106-f16 and"
                + " the same --db, then start it again\n");
        assertThat(stride.model.requests.get()).isEqualTo(asked);
    }

    private static String refusal(Cli.Result r) {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        return r.err();
    }

    @Test
    void aTemplateFieldMissingFromTheRecordsIsNamed() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");

        Cli.Result r = stride.run(input, db).template("{{question}} ({{specialty}})").with();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("line 1: has no field 'specialty' used by the template");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aTemplateFieldThatIsNullIsSaidToBeNullNotMissing() throws Exception {
        Path input = Files.writeString(dir.resolve("q.jsonl"), "{\"id\":\"1\",\"question\":null}\n",
                StandardCharsets.UTF_8);
        Path db = dir.resolve("runs.db");

        Cli.Result r = stride.run(input, db).template("{{question}}").with();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: " + input + " line 1: field 'question' used by the template is null;"
                + " give it a value or change --template\n");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();
    }

    @Test
    void changingTheTemplateOfAnExistingRunIsRefused() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();

        Cli.Result r = stride.run(input, db).model("qwen-medical-lora-251106-f16").template("A: {{question}}").with();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("was started with other settings").contains("template 'Q: {{question}}'")
                .contains("--run NAME").contains("stride clear");
    }

    @Test
    void anEditedInputIsDetectedPerRecord() throws Exception {
        Path input = questions(dir, "q.jsonl", 5);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        Files.writeString(input, String.join("\n",
                "{\"id\":\"q0\",\"question\":\"question 0\"}",
                "{\"id\":\"q1\",\"question\":\"question 1, edited\"}",
                "{\"id\":\"q3\",\"question\":\"question 3\"}",
                "{\"id\":\"q4\",\"question\":\"question 4\"}",
                "{\"id\":\"q5\",\"question\":\"question 5\"}",
                "{\"id\":\"q6\",\"question\":\"question 6\"}"), StandardCharsets.UTF_8);
        stride.model.prompts.clear();

        Cli.Result r = run(input, db, "--drop-answers");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("2 added, 1 edited (redone), 1 removed")
                .contains("from checkpoint: 3/6 done, 3 to go");
        assertThat(stride.model.promptList()).containsExactlyInAnyOrder("Q: question 1, edited", "Q: question 5",
                "Q: question 6");
        assertThat(query(db, "SELECT id FROM results").stream().map(row -> row.get("id")))
                .containsExactly("q0", "q1", "q3", "q4", "q5", "q6");
    }

    @Test
    void twoModelsInOneDatabaseKeepIndependentCheckpoints() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();

        Cli.Result other = stride.run(input, db).model("llama-3-8b").template("Q: {{question}}").with();

        assertThat(other.exitCode()).isZero();
        assertThat(other.out()).contains("Starting new run 'llama-3-8b': 10 records");
        assertThat(query(db, "SELECT run, done FROM progress ORDER BY run")).containsExactly(
                Map.of("run", "llama-3-8b", "done", 10), Map.of("run", "qwen-medical-lora-251106-f16", "done", 10));

        Cli.Result cleared = stride.cli.run("clear", "--db", db.toString(), "--run", "llama-3-8b", "--yes");
        assertThat(cleared.exitCode()).isZero();
        assertThat(query(db, "SELECT run FROM progress")).containsExactly(Map.of("run",
                "qwen-medical-lora-251106-f16"));
        assertThat(count(db, "SELECT count(*) FROM results")).isEqualTo(10);
    }

    @Test
    void aCopiedDatabaseFinishesWithoutTheInputFileAgainstAnotherServer() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        pressCtrlCAtRequest(10);
        assertThat(run(input, db, "--concurrency", "2").exitCode()).isEqualTo(130);
        Path copy = Files.copy(db, dir.resolve("elsewhere.db"));
        Files.delete(input);
        long doneBefore = count(copy, "SELECT done FROM progress");
        stride.model.answering(prompt -> null);
        try (MockWebServer other = new MockWebServer()) {
            FakeModelServer otherModel = new FakeModelServer();
            other.setDispatcher(otherModel);
            other.start();

            Cli.Result r = stride.cli.run("run", "--db", copy.toString(), "--base-url", other.url("/v1").toString());

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out()).contains("Resuming 'qwen-medical-lora-251106-f16' from checkpoint: " + doneBefore
                    + "/40 done");
            assertThat(otherModel.requests.get()).isEqualTo((int) (40 - doneBefore));
        }
        assertThat(count(copy, "SELECT count(*) FROM results WHERE output = 'echo: Q: question ' || substr(id, 2)"))
                .isEqualTo(40);
    }

    @Test
    void theApiKeyIsSentButNeverStored() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        Cli withKey = new Cli(Map.of("MY_KEY", "sk-secret-123456"));

        Cli.Result r = withKey.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", url(), "--template", "{{question}}", "--api-key-env", "MY_KEY");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(stride.model.authorizations).containsOnly("Bearer sk-secret-123456");
        assertThat(new String(Files.readAllBytes(db), StandardCharsets.ISO_8859_1)).doesNotContain("sk-secret");
        assertThat(r.all()).doesNotContain("sk-secret");
    }

    @Test
    void anUnsetKeyVariableIsAUsageError() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Cli.Result r = stride.run(input, dir.resolve("x.db")).with("--api-key-env", "NOT_SET_ANYWHERE");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--api-key-env NOT_SET_ANYWHERE: that environment variable is not set");
    }

    @Test
    void ctrlCWhileTheInputIsReadWritesNothingAndExits130() throws Exception {
        Path input = questions(dir, "q.jsonl", 50_000);
        Path db = dir.resolve("runs.db");
        Thread presser = new Thread(() -> {
            while (!stride.cli.pressCtrlC()) {
                Thread.onSpinWait();
            }
        });
        presser.setDaemon(true);
        presser.start();

        Cli.Result r = run(input, db);
        presser.join(10_000);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        // One line, whichever came first: the press (said at once) or the reading (said as it stops, naming it).
        // Nothing was in flight to wait for: the stop says so, not that it lets requests finish.
        long said = Pattern.compile("Interrupted while reading " + Pattern.quote(input.toString())
                + "; nothing was changed\\.|Stopping before the first request was sent: nothing is changed\\.")
                .matcher(r.all()).results().count();
        assertThat(said).as(r.all()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("letting requests in flight finish");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist(); // not even an empty database
    }

    /**
     * Ctrl+C while the input is read is said once, by the line that names the input: "Stopping before the first
     * request was sent: nothing is changed." above it said the same. Pressed as the reading's line is drawn, so the
     * input is being read then, at any pace.
     */
    @Test
    void ctrlCWhileTheInputIsReadIsSaidInOneLine() throws Exception {
        Path input = questions(dir, "q.jsonl", 20_000);
        Path db = dir.resolve("runs.db");
        AtomicLong clock = new AtomicLong();
        Cli watched = new Cli().inputWatchedBy(() -> clock.addAndGet(300_000_000));
        AtomicInteger presses = new AtomicInteger();
        watched.watchingErr(text -> {
            if (text.contains("Reading ") && presses.getAndIncrement() == 0) {
                assertThat(watched.pressCtrlC()).isTrue();
            }
        });

        Cli.Result r = watched.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                url(), "--template", "{{question}}", "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        assertThat(presses.get()).as(r.all()).isPositive();
        assertThat(r.out()).isEqualTo("Interrupted while reading " + input + "; nothing was changed.\n");
        assertThat(r.err()).doesNotContain("Stopping");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).doesNotExist();
    }

    @Test
    void verboseLogsEveryRequestOnStderrWithoutTheKey() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        Cli withKey = new Cli(Map.of("MY_KEY", "sk-secret-123456"));

        Cli.Result r = withKey.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", url(), "--template", "{{question}}", "--api-key-env", "MY_KEY", "-v");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.err().lines().filter(l -> l.startsWith("http -> POST "))).hasSize(3);
        assertThat(r.err().lines().filter(l -> l.startsWith("http <- 200 "))).hasSize(3);
        assertThat(r.all()).doesNotContain("sk-secret");
    }

    /** The fake model presses Ctrl+C as the {@code n}-th request comes in, and answers every request. */
    private void pressCtrlCAtRequest(int n) {
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == n) {
                stride.cli.pressCtrlC();
            }
            return null;
        });
    }
}
