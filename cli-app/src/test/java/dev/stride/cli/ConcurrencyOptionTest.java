package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.util.Map;
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
        assertThat(r.err()).isEqualTo("stride: --max-concurrency must be between 1 and 4096, got 0\n");
        assertThat(dir.resolve("x.db")).doesNotExist();
    }

    @Test
    void theProgressLineSaysWhatIsInFlightAndWhetherItIsLearnt() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            Cli.Result auto = EN.run("run", input.toString(), "--db", dir.resolve("a.db").toString(), "--model", "m",
                    "--base-url", sim.url(), "--template", "{{question}}", "--concurrency", "auto",
                    "--log-every", "1ms");
            assertThat(auto.exitCode()).as(auto.err()).isZero();
            assertThat(auto.out()).containsPattern("m: \\d+/40 done .*, in flight \\d+, auto");

            Cli.Result fixed = EN.run("run", input.toString(), "--db", dir.resolve("f.db").toString(), "--model",
                    "m", "--base-url", sim.url(), "--template", "{{question}}", "--concurrency", "3",
                    "--log-every", "1ms");
            assertThat(fixed.exitCode()).as(fixed.err()).isZero();
            assertThat(fixed.out()).containsPattern("m: \\d+/40 done .*, in flight 3\\b").doesNotContain("auto");
        }
    }
}
