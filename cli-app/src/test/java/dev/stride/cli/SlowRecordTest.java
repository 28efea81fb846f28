package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record whose answer takes longer than --timeout at a server that is up (a laptop's llama.cpp or Ollama, one slot):
 * the record's own failure, retried and then stored as failed with what to change, while the run goes on with the
 * others; not an outage the run waits for and stops at, again at every rerun. The server is held for seconds against
 * a --timeout of a few hundred milliseconds: no load closes that gap.
 */
@Timeout(120)
class SlowRecordTest {
    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @TempDir
    Path dir;

    /** Held far past any --timeout here: a generation that never fits. */
    private static MockResponse late(String prompt) {
        return FakeModelServer.ok(FakeModelServer.answerFor(prompt)).newBuilder()
                .headersDelay(5, TimeUnit.SECONDS).build();
    }

    @Test
    void aRecordSlowerThanTheTimeoutAtAServerThatIsUpFailsAfterItsRetriesAndTheOthersAreDone() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 8);
        Path db = dir.resolve("runs.db");
        // One slot, and nothing else in flight while the slow one waits: only the server's check says it is up.
        stride.model.answering(prompt -> prompt.equals("question 3") ? late(prompt) : null);

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--concurrency", "1", "--timeout", "300ms", "--retries", "1", "--wait-for-server", "1m");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(r.out()).as(r.all()).contains("Outcomes:  7 done, 1 failed");
        assertThat(stride.model.requests.get()).as("each record once, the slow one and its retry").isEqualTo(9);
        assertThat(stride.model.checks.get()).as("the server checked after each timeout").isEqualTo(2);
        assertThat(r.out()).as(r.all()).contains("Requests:  9 sent, 1 retry (timeout 1), 0 redundant\n");
        List<Map<String, Object>> failed = Datasets.query(db,
                "SELECT record_id, attempts, error FROM predictions WHERE status = 'failed'");
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).get("record_id")).isEqualTo("q3");
        assertThat(((Number) failed.get(0).get("attempts")).intValue()).isEqualTo(2);
        assertThat(String.valueOf(failed.get(0).get("error"))).as(r.all())
                .startsWith("gave up after 2 attempts: call deadline of 300 ms passed while the server was up (it"
                        + " answered GET " + stride.url() + "/models with HTTP 200)")
                .endsWith(": raise --timeout if its answers just take long");
        assertThat(r.all()).doesNotContain("no server answered", "unreachable");
    }

    @Test
    void aStreamStillTricklingTokensAtTheTimeoutIsTheRecordsOwnEvenWhenTheCheckGetsNoAnswer() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");
        // A token every 10 ms for 30 s, against a --timeout of 2 s: the answer was arriving until the deadline. The
        // check is held, so that only the stream says the server is up.
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sse.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"}}]}\n\n");
        }
        int chunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"}}]}\n\n".length();
        stride.model.answering(prompt -> prompt.equals("question 1")
                ? new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                        .body(sse.toString()).throttleBody(chunk, 10, TimeUnit.MILLISECONDS).build()
                : null);
        stride.model.checkedWith(late("check"));

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--stream", "--concurrency", "1", "--timeout", "2s", "--retries", "0");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(r.out()).as(r.all()).contains("Outcomes:  3 done, 1 failed");
        assertThat(Datasets.query(db, "SELECT error FROM predictions WHERE status = 'failed'"))
                .singleElement().extracting(row -> String.valueOf(row.get("error"))).asString().as(r.all())
                .contains("while the server was up (its answer was still arriving)");
        assertThat(r.all()).doesNotContain("no server answered", "unreachable");
    }

    @Test
    void aServerThatStopsAnsweringEverythingIsStillAnOutageWaitedFor() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 6);
        Path db = dir.resolve("runs.db");
        // It answers the first two, then holds every request and its check alike: a hung server, not a slow record.
        stride.model.answering(prompt -> prompt.equals("question 0") || prompt.equals("question 1") ? null
                : late(prompt));
        stride.model.checkedWith(late("check"));

        // Three at a time: a request alone in flight just after an answer is taken for its own by the run, whatever
        // the server does (BatchRunner's rule for a run's last record). With two, the second answer could come before
        // the third record was sent, which then went alone and failed (a loaded CI); with three, the third is held
        // from the start, so no later request is ever alone.
        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--concurrency", "3", "--timeout", "300ms", "--retries", "0", "--wait-for-server", "1s");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).as(r.all()).contains("no server answered for").contains("2/6 done and saved");
        assertThat(Datasets.count(db, "SELECT count(*) FROM predictions WHERE status = 'failed'"))
                .as("nothing marked failed under --retries 0: the outage's, not the records'").isZero();
        assertThat(stride.model.checks.get()).as("each timeout checked the server").isPositive();
    }
}
