package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.ServerLimit;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --concurrency N|auto} and {@code --max-concurrency N}: what is refused, in one line, and what is shown. */
class ConcurrencyOptionTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));

    @TempDir
    Path dir;

    @Test
    void neitherANumberNorAutoIsOneLineAndExitTwo() {
        Cli.Result en = EN.run("run", "q.jsonl", "--db", "x.db", "--concurrency", "banana");
        assertThat(en.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(en.err()).isEqualTo("""
                stride: invalid value for --concurrency: 'banana' is neither a whole number nor auto
                stride: see 'stride run --help' for every option
                """);
        assertThat(ZH.run("run", "q.jsonl", "--db", "x.db", "--concurrency", "banana").err())
                .startsWith("stride: --concurrency 的值无效：'banana' 既不是整数也不是 auto\n");
    }

    @Test
    void aMaximumOfZeroIsOneLineAndExitTwo() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Cli.Result r = EN.run("run", input.toString(), "--db", dir.resolve("x.db").toString(), "--model", "m",
                "--base-url", "http://127.0.0.1:9/v1", "--concurrency", "auto", "--max-concurrency", "0");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("""
                stride: invalid value for --max-concurrency: '0' is out of range: give 1 to 4096
                stride: see 'stride run --help' for every option
                """);
        assertThat(dir.resolve("x.db")).doesNotExist();
    }

    @Test
    void aNumberBeyondTheRangeReadsTheSameWhetherOrNotAnIntHoldsIt() {
        for (String value : List.of("5000", "99999999999", "0")) {
            Cli.Result r = EN.run("run", "q.jsonl", "--db", dir.resolve("x.db").toString(), "--concurrency", value);
            assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).isEqualTo("stride: invalid value for --concurrency: '" + value + "' is out of range:"
                    + " give 1 to 4096, or auto\nstride: see 'stride run --help' for every option\n");
        }
        assertThat(EN.run("run", "q.jsonl", "--db", dir.resolve("x.db").toString(), "--concurrency", "auto",
                "--max-concurrency", "5000").err())
                .startsWith("stride: invalid value for --max-concurrency: '5000' is out of range: give 1 to 4096\n");
        assertThat(dir.resolve("x.db")).doesNotExist();
    }

    @Test
    void theHelpSaysTheRange() {
        String help = EN.run("run", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("--concurrency=N|auto Requests in flight at most, 1 to 4096, or auto:")
                .contains("the most requests in flight the run reaches, all servers together, 1 to 4096 (default:");
        assertThat(ZH.run("run", "--help").out().replaceAll("\\s+", "")).contains("同时进行的请求数上限，1到4096，或auto");
    }

    @Test
    void aMaximumWithoutAutoBoundsNothingAndIsRefusedInOneLine() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Cli.Result r = EN.run("run", input.toString(), "--db", dir.resolve("x.db").toString(), "--model", "m",
                "--base-url", "http://127.0.0.1:9/v1", "--concurrency", "16", "--max-concurrency", "5");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: --max-concurrency bounds only --concurrency auto, and this run sends 16"
                + " at a time: give --concurrency auto, or leave --max-concurrency out\n");
        assertThat(dir.resolve("x.db")).doesNotExist();
        assertThat(ZH.run("run", input.toString(), "--db", dir.resolve("x.db").toString(), "--model", "m",
                "--base-url", "http://127.0.0.1:9/v1", "--max-concurrency", "5").err())
                .startsWith("stride: --max-concurrency 只约束 --concurrency auto，而本次任务固定同时发送 8 个请求");
    }

    @Test
    void theProgressLineSaysWhatIsInFlightAndWhetherItIsLearnt() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            Cli.Result auto = EN.run("run", input.toString(), "--db", dir.resolve("a.db").toString(), "--model", "m",
                    "--base-url", sim.url(), "--template", "{{question}}", "--concurrency", "auto",
                    "--log-every", "1ms");
            assertThat(auto.exitCode()).as(auto.err()).isZero();
            assertThat(auto.out()).containsPattern("m: \\d+/40 done .*, in flight \\d+(, auto| \\(auto, limit \\d+\\))")
                    .as("one server: nothing per server").doesNotContain(", auto (").doesNotContainPattern("limit \\d+:");

            Cli.Result fixed = EN.run("run", input.toString(), "--db", dir.resolve("f.db").toString(), "--model",
                    "m", "--base-url", sim.url(), "--template", "{{question}}", "--concurrency", "3",
                    "--log-every", "1ms");
            assertThat(fixed.exitCode()).as(fixed.err()).isZero();
            assertThat(fixed.out()).containsPattern("m: \\d+/40 done .*, in flight (3\\b|[0-2] \\(limit 3\\))")
                    .doesNotContain("auto");
        }
    }

    @Test
    void withSeveralServersTheProgressLineSaysEachOnesOwnLimitAfterTheTotal() throws Exception {
        Path input = questions(dir, "q.jsonl", 60);
        try (Simulator a = new Simulator(SimulatorSettings.builder().build()).start(0);
             Simulator b = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            Cli.Result r = EN.run("run", input.toString(), "--db", dir.resolve("a.db").toString(), "--model", "m",
                    "--base-url", a.url(), "--base-url", b.url(), "--template", "{{question}}", "--concurrency",
                    "auto", "--log-every", "1ms");
            assertThat(r.exitCode()).as(r.err()).isZero();
            // At the limit "in flight 8, auto (a 4, b 4)"; below it "in flight 3 (auto, limit 8: a 4, b 4)".
            assertThat(r.out()).containsPattern("m: \\d+/60 done .*, in flight \\d+(, auto \\(| \\(auto, limit \\d+: )"
                    + "127\\.0\\.0\\.1:" + a.port() + " \\d+, 127\\.0\\.0\\.1:" + b.port() + " \\d+\\)");

            // A fixed bound is the run's, not the servers': nothing per server.
            Cli.Result fixed = EN.run("run", input.toString(), "--db", dir.resolve("f.db").toString(), "--model",
                    "m", "--base-url", a.url(), "--base-url", b.url(), "--template", "{{question}}",
                    "--concurrency", "3", "--log-every", "1ms");
            assertThat(fixed.exitCode()).as(fixed.err()).isZero();
            assertThat(fixed.out()).containsPattern("m: \\d+/60 done .*, in flight (3\\b|[0-2] \\(limit 3\\))")
                    .doesNotContain("in flight 3 (");
        }
    }

    @Test
    void inFlightCountsTheRequestsOutNeverTheBoundAlone() throws Exception {
        // 3 records at --concurrency 16: at most 3 requests are ever out, and fewer as they are answered.
        Path input = questions(dir, "q.jsonl", 3);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(300)).build())
                .start(0)) {
            Cli.Result r = EN.run("run", input.toString(), "--db", dir.resolve("x.db").toString(), "--model", "m",
                    "--base-url", sim.url(), "--template", "{{question}}", "--concurrency", "16", "--log-every",
                    "50ms");
            assertThat(r.exitCode()).as(r.err()).isZero();
            Matcher line = Pattern.compile("m: (\\d+)/3 done \\(.*\\), 0 failed, .*, in flight (\\d+) \\(limit 16\\)")
                    .matcher(r.out());
            int lines = 0;
            while (line.find()) {
                lines++;
                assertThat(Integer.parseInt(line.group(2))).as(line.group()).isLessThanOrEqualTo(
                        3 - Integer.parseInt(line.group(1)));
            }
            assertThat(lines).as(r.out()).isPositive();
            assertThat(r.out()).doesNotContain("in flight 16");
        }
    }

    /** A database holding run 'm', three records answered by the simulator: a run for a worker's row to join. */
    private Path aRunOfThreeRecords() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("s.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            assertThat(EN.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                    sim.url(), "--template", "{{question}}").exitCode()).isZero();
        }
        return db;
    }

    @Test
    void statusShowsTheRequestsALiveWorkerHasOutAgainstItsBound() throws Exception {
        Path db = aRunOfThreeRecords();
        // A worker of the run as a live run's row says it between renewals: 3 out of a fixed 16.
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(db)) {
            long run = worker.findRun("m").orElseThrow().id();
            worker.reportInFlight(run, 16, false, List.of());
            worker.reportRequestsOut(run, 3);
            worker.join(run, Duration.ofMinutes(5));
            worker.reportRequestsOut(run, 3);
            worker.renewLease(run);

            assertThat(EN.run("status", "--db", db.toString()).out()).contains(", in flight 3 (limit 16)\n");
            assertThat(ZH.run("status", "--db", db.toString()).out()).contains("，进行中 3（上限 16）\n");
            JsonNode shown = new ObjectMapper().readTree(EN.run("status", "--db", db.toString(), "--json").out())
                    .get(0).get("workers").get(0);
            assertThat(shown.get("in_flight").asInt()).as("the bound, as before").isEqualTo(16);
            assertThat(shown.get("requests_out").asInt()).isEqualTo(3);

            // Learnt, several servers: each one's own after the limit; at the limit, as before.
            worker.reportInFlight(run, 27, true, List.of(new ServerLimit("http://gpu1:8000/v1", 8, false),
                    new ServerLimit("http://gpu2:8000/v1", 19, false)));
            worker.reportRequestsOut(run, 5);
            worker.renewLease(run);
            assertThat(EN.run("status", "--db", db.toString()).out())
                    .contains(", in flight 5 (auto, limit 27: gpu1:8000 8, gpu2:8000 19)\n");
            worker.reportRequestsOut(run, 27);
            worker.renewLease(run);
            assertThat(EN.run("status", "--db", db.toString()).out())
                    .contains(", in flight 27, auto (gpu1:8000 8, gpu2:8000 19)\n");
        }
    }

    @Test
    void statusShowsEachServersOwnLimitOfALiveWorker() throws Exception {
        Path db = aRunOfThreeRecords();
        // A worker of the run as a live run's row says it between renewals: three servers, one set aside.
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(db)) {
            long run = worker.findRun("m").orElseThrow().id();
            worker.reportInFlight(run, 27, true, List.of(new ServerLimit("http://gpu1:8000/v1", 8, false),
                    new ServerLimit("http://gpu2:8000/v1", 19, false),
                    new ServerLimit("https://key:***@gpu3/v1", 4, true)));
            worker.join(run, Duration.ofMinutes(5));

            assertThat(EN.run("status", "--db", db.toString()).out())
                    .contains(", in flight 27, auto (gpu1:8000 8, gpu2:8000 19, gpu3 set aside)\n");
            assertThat(ZH.run("status", "--db", db.toString()).out())
                    .contains("，进行中 27，auto（gpu1:8000 8，gpu2:8000 19，gpu3 暂停使用）\n");
            JsonNode shown = new ObjectMapper().readTree(EN.run("status", "--db", db.toString(), "--json").out())
                    .get(0).get("workers").get(0);
            assertThat(shown.get("in_flight").asInt()).isEqualTo(27);
            assertThat(shown.get("servers").toString()).isEqualTo("[{\"base_url\":\"http://gpu1:8000/v1\","
                    + "\"in_flight\":8,\"set_aside\":false},{\"base_url\":\"http://gpu2:8000/v1\",\"in_flight\":19,"
                    + "\"set_aside\":false},{\"base_url\":\"https://key:***@gpu3/v1\",\"in_flight\":4,"
                    + "\"set_aside\":true}]");

            // Two paths of one gateway: host and port would not tell them apart, so each is named whole.
            worker.reportInFlight(run, 12, true, List.of(new ServerLimit("http://gw:80/a/v1", 4, false),
                    new ServerLimit("http://gw:80/b/v1", 8, false)));
            worker.renewLease(run);
            assertThat(EN.run("status", "--db", db.toString()).out())
                    .contains(", in flight 12, auto (http://gw:80/a/v1 4, http://gw:80/b/v1 8)\n");
        }
    }
}
