package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The range of each duration and count option, refused as the command line is read: in one style (the option, the
 * value, what is wrong and the bound, then where to read the options), exit 2, nothing stored. A walk had
 * {@code --timeout 600h} start the run and fail at its first request, {@code --save-interval 0} said in another style
 * without the help line, and {@code --grace -1s} called "not a duration".
 */
@Timeout(120)
class OptionRangesTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
    private static final String HELP = "stride: see 'stride run --help' for every option\n";
    private static final List<String> RUN_DURATIONS =
            List.of("--timeout", "--grace", "--wait-for-server", "--lease", "--log-every");

    @TempDir
    Path dir;

    @Test
    void aHugeDurationIsRefusedWithTheLargestItTakesBeforeAnythingIsStored() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        for (String option : RUN_DURATIONS) {
            for (String value : List.of("600h", "597h", "1000h", "9999999999999999s", "25h")) {
                for (boolean stream : new boolean[] {false, true}) {
                    Cli.Result r = EN.run(run(input, db, stream, option, value));
                    assertThat(r.exitCode()).as(option + " " + value).isEqualTo(ExitCodes.USAGE);
                    assertThat(r.err()).as(option + " " + value).isEqualTo("stride: invalid value for " + option
                            + ": '" + value + "' is too large (at most 24h)\n" + HELP);
                    assertThat(r.out()).isEmpty();
                }
            }
        }
        assertThat(db).doesNotExist();
        assertThat(ZH.run(run(input, db, false, "--timeout", "600h")).err())
                .isEqualTo("stride: --timeout 的值无效：'600h' 过大（最大为 24h）\nstride: 运行 'stride run --help' 查看全部选项\n");
    }

    @Test
    void theLargestOfEveryDurationRuns() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            for (boolean stream : new boolean[] {false, true}) {
                Path db = dir.resolve("runs-" + stream + ".db");
                List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(),
                        "--model", "m", "--base-url", sim.url(), "--template", "{{question}}"));
                for (String option : RUN_DURATIONS) {
                    args.addAll(List.of(option, "24h"));
                }
                if (stream) {
                    args.add("--stream");
                }
                Cli.Result r = EN.run(args.toArray(String[]::new));
                assertThat(r.exitCode()).as(r.err()).isZero();
                assertThat(r.out()).contains("3/3");
            }
        }
    }

    @Test
    void aNegativeDurationIsSaidToBeNegative() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        for (String option : RUN_DURATIONS) {
            for (String value : List.of("-1s", "-PT1S")) {
                Cli.Result r = EN.run(run(input, db, false, option, value));
                assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
                String least = option.equals("--timeout") ? " (at least 1ms)" : option.equals("--lease")
                        ? " (at least 1s)" : "";
                assertThat(r.err()).as(option + " " + value).isEqualTo("stride: invalid value for " + option + ": '"
                        + value + "' must not be negative" + least + "\n" + HELP);
            }
        }
        assertThat(EN.run(run(input, db, false, "--timeout", "0")).err())
                .isEqualTo("stride: invalid value for --timeout: '0' is too small (at least 1ms)\n" + HELP);
        assertThat(EN.run(run(input, db, false, "--timeout", "-soon")).err())
                .startsWith("stride: invalid value for --timeout: '-soon' is not a duration; write e.g.");
        assertThat(ZH.run(run(input, db, false, "--grace", "-1s")).err())
                .startsWith("stride: --grace 的值无效：'-1s' 不能为负数\n");
        assertThat(db).doesNotExist();
    }

    @Test
    void aCountOutOfItsRangeIsSaidAsConcurrencyIs() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(EN.run(run(input, db, false, "--save-interval", "0")).err())
                .isEqualTo("stride: invalid value for --save-interval: '0' is too small (at least 1)\n" + HELP);
        assertThat(EN.run(run(input, db, false, "--max-tokens", "0")).err())
                .isEqualTo("stride: invalid value for --max-tokens: '0' is too small (at least 1)\n" + HELP);
        assertThat(EN.run(run(input, db, false, "--retries", "-1")).err())
                .isEqualTo("stride: invalid value for --retries: '-1' must not be negative\n" + HELP);
        Cli.Result jsonRetries = EN.run(run(input, db, false, "--json-retries", "-2"));
        assertThat(jsonRetries.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(jsonRetries.err())
                .isEqualTo("stride: invalid value for --json-retries: '-2' must not be negative\n" + HELP);
        assertThat(EN.run(run(input, db, false, "--save-interval", "x")).err())
                .isEqualTo("stride: invalid value for --save-interval: 'x' is not a whole number\n" + HELP);
        assertThat(db).doesNotExist();
    }

    @Test
    void aConfigFilesValueOutOfRangeIsNamedByItsSetting() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, "input: " + input + "\ndb: " + dir.resolve("runs.db") + "\nmodel: m\n"
                + "base-url: http://127.0.0.1:9/v1\ntimeout: 600h\n");
        Cli.Result r = EN.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: " + yaml + " line 5: setting 'timeout': ")
                .contains("'600h' is too large (at most 24h)");
        assertThat(dir.resolve("runs.db")).doesNotExist();
    }

    @Test
    void theSimulatorsDurationsTakeTheSameRange() {
        for (String option : List.of("--latency", "--jitter", "--retry-after", "--rate-window")) {
            Cli.Result huge = EN.run("serve-sim", "--port", "0", option, "9999999999999999s");
            assertThat(huge.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(huge.err()).isEqualTo("stride: invalid value for " + option
                    + ": '9999999999999999s' is too large (at most 24h)\nstride: see 'stride serve-sim --help' for"
                    + " every option\n");
            assertThat(EN.run("serve-sim", "--port", "0", option, "-1s").err())
                    .startsWith("stride: invalid value for " + option + ": '-1s' must not be negative\n");
        }
    }

    private static String[] run(Path input, Path db, boolean stream, String option, String value) {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", "http://127.0.0.1:9/v1", "--template", "{{question}}", option, value));
        if (stream) {
            args.add("--stream");
        }
        return args.toArray(String[]::new);
    }
}
