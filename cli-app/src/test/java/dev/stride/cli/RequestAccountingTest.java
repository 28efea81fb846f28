package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the summary's "Requests:" line says against what the server received: every request the server read is
 * counted, none is sent again behind the user's back, and each count says what happened to its requests.
 */
@Timeout(120)
class RequestAccountingTest {

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void aConnectionDroppedAfterTheServerReadTheRequestIsOneAttemptCountedAndNotSentAgain(boolean okHttp)
            throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        // The server reads these two whole, then drops the connection before it answers, as after the work is done.
        stride.model.answering(prompt -> prompt.equals("Q: question 3") || prompt.equals("Q: question 7")
                ? new MockResponse.Builder().body("{}").onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
                        .build()
                : null);
        String before = System.getProperty("stride.http.transport");
        if (okHttp) {
            System.setProperty("stride.http.transport", "okhttp");
        }
        Cli.Result r;
        try {
            // One at a time: every request after the first goes out on a kept connection.
            r = stride.run(input, db).template("Q: {{question}}").noProgress()
                    .with("--concurrency", "1", "--retries", "0");
        } finally {
            if (before == null) {
                System.clearProperty("stride.http.transport");
            } else {
                System.setProperty("stride.http.transport", before);
            }
        }

        assertThat(r.out()).as(r.all()).contains("Outcomes:  18 done, 2 failed")
                .contains("Requests:  20 sent, 0 retries");
        assertThat(stride.model.requests.get()).as("what the server received").isEqualTo(20);
        List<Map<String, Object>> failed = Datasets.query(db,
                "SELECT attempts, error FROM predictions WHERE status = 'failed' ORDER BY record_id");
        assertThat(failed).hasSize(2);
        for (Map<String, Object> row : failed) {
            assertThat(((Number) row.get("attempts")).intValue()).isEqualTo(1);
            assertThat(String.valueOf(row.get("error"))).as(r.all()).contains("connection");
        }
    }
}
