package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Outcome;
import dev.stride.sim.SimulatorSettings;
import dev.stride.sim.SimulatorSettings.WhenBusy;
import dev.stride.sim.SimulatorStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator's banner, tally and settings checks in the reader's language: the English is the simulator's own
 * describe() and summary(), word for word; the Chinese reads as Chinese; a bad serve-sim value names its option.
 */
class SimulatorWordsTest {
    private static final Messages EN = Messages.of(Locale.ENGLISH);
    private static final Messages ZH = Messages.of(Locale.CHINESE);
    private static final Cli ZH_CLI = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
    private static final Cli EN_CLI = new Cli(Map.of("LANG", "en_US.UTF-8"));

    @TempDir
    Path dir;

    private static final List<SimulatorSettings> SETTINGS = List.of(
            SimulatorSettings.builder().build(),
            SimulatorSettings.builder().latency(Duration.ofMillis(20)).jitter(Duration.ofMillis(5))
                    .tokensPerSecond(40).maxConcurrent(8).whenBusy(WhenBusy.REJECT).rateLimited(0.1).build(),
            SimulatorSettings.builder().latency(Duration.ofMillis(200)).tokensPerSecond(12.6).maxConcurrent(16)
                    .whenBusy(WhenBusy.QUEUE).build(),
            SimulatorSettings.builder().latency(Duration.ofMillis(1500)).jitter(Duration.ofMillis(250))
                    .maxConcurrent(1).whenBusy(WhenBusy.QUEUE).rateLimited(0.05).serverError(0.02)
                    .unavailable(0.0125).dropped(0.01).truncated(0.3).build(),
            SimulatorSettings.builder().latency(Duration.ofMillis(40)).jitter(Duration.ofMillis(20))
                    .tokensPerSecond(150).build());

    @Test
    void theEnglishBannerIsTheSimulatorsOwn() {
        for (SimulatorSettings s : SETTINGS) {
            assertThat(EN.get(SimulatorWords.describe(s))).isEqualTo(s.describe());
            assertThat(SimulatorWords.describe(s).english()).isEqualTo(s.describe());
        }
        assertThat(EN.get(SimulatorWords.describe(SETTINGS.get(1))))
                .isEqualTo("latency 20ms±5ms, 40 tokens/s, at most 8 at once (then 503), failures: 429 0.100,"
                        + " 500 0.000, 503 0.000, drop 0.000, truncate 0.000");
    }

    @Test
    void theChineseBannerReadsAsChinese() {
        assertThat(ZH.get(SimulatorWords.describe(SETTINGS.get(0)))).isEqualTo("延迟 0ms，即时生成，不限并发");
        assertThat(ZH.get(SimulatorWords.describe(SETTINGS.get(1))))
                .isEqualTo("延迟 20ms±5ms，40 词元/秒，最多同时 8 个（超出则返回 503），失败率：429 0.100，500 0.000，"
                        + "503 0.000，断开连接 0.000，截断 0.000");
        assertThat(ZH.get(SimulatorWords.describe(SETTINGS.get(2))))
                .isEqualTo("延迟 200ms，13 词元/秒，最多同时 16 个（超出则排队）");
        assertThat(ZH.get(SimulatorWords.describe(SETTINGS.get(3))))
                .isEqualTo("延迟 1500ms±250ms，即时生成，最多同时 1 个（超出则排队），失败率：429 0.050，500 0.020，"
                        + "503 0.013，断开连接 0.010，截断 0.300");
        for (SimulatorSettings s : SETTINGS) {
            assertThat(ZH.get(SimulatorWords.describe(s))).doesNotContain("latency", "tokens", "at once", ", ");
        }
    }

    private static SimulatorStats stats(long requests, Object... outcomeAndCount) {
        Map<Outcome, Long> by = new EnumMap<>(Outcome.class);
        for (int i = 0; i < outcomeAndCount.length; i += 2) {
            by.put((Outcome) outcomeAndCount[i], ((Number) outcomeAndCount[i + 1]).longValue());
        }
        return new SimulatorStats(requests, by, 1);
    }

    private static final List<SimulatorStats> STATS = List.of(
            stats(0),
            stats(1, Outcome.OK, 1),
            stats(2, Outcome.OK, 1, Outcome.BAD_REQUEST, 1),
            stats(120, Outcome.OK, 100, Outcome.RATE_LIMITED, 12, Outcome.DROPPED, 8),
            stats(1500, Outcome.OK, 1200, Outcome.BUSY, 300),
            stats(36, Outcome.OK, 1, Outcome.RATE_LIMITED, 2, Outcome.SERVER_ERROR, 3, Outcome.UNAVAILABLE, 4,
                    Outcome.BUSY, 5, Outcome.DROPPED, 6, Outcome.TRUNCATED, 7, Outcome.BAD_REQUEST, 8));

    @Test
    void theEnglishTallyIsTheSimulatorsOwn() {
        for (SimulatorStats s : STATS) {
            assertThat(EN.get(SimulatorWords.served(s))).isEqualTo(s.summary());
        }
        assertThat(EN.get(SimulatorWords.served(STATS.get(4))))
                .isEqualTo("Served 1500 requests (1200 ok, 300 busy 503)");
        assertThat(EN.get(SimulatorWords.served(STATS.get(1)))).isEqualTo("Served 1 request (1 ok)");
    }

    @Test
    void theChineseTallyReadsAsChinese() {
        assertThat(ZH.get(SimulatorWords.served(STATS.get(0)))).isEqualTo("共处理 0 个请求（成功 0 个）");
        assertThat(ZH.get(SimulatorWords.served(STATS.get(2)))).isEqualTo("共处理 2 个请求（成功 1 个，400 1 个）");
        assertThat(ZH.get(SimulatorWords.served(STATS.get(3))))
                .isEqualTo("共处理 120 个请求（成功 100 个，429 12 个，断开连接 8 个）");
        assertThat(ZH.get(SimulatorWords.served(STATS.get(4)))).isEqualTo("共处理 1500 个请求（成功 1200 个，繁忙 503 300 个）");
        assertThat(ZH.get(SimulatorWords.served(STATS.get(5))))
                .isEqualTo("共处理 36 个请求（成功 1 个，429 2 个，500 3 个，503 4 个，繁忙 503 5 个，断开连接 6 个，截断 7 个，"
                        + "400 8 个）");
    }

    @Test
    void aRateOutsideZeroToOneNamesItsOption() {
        Cli.Result zh = ZH_CLI.run("serve-sim", "--port", "0", "--fail-429", "1.5");
        assertThat(zh.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(zh.err()).isEqualTo("stride: --fail-429 必须在 0 到 1 之间，实际为 1.5\n");
        Cli.Result en = EN_CLI.run("serve-sim", "--port", "0", "--fail-429", "1.5");
        assertThat(en.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(en.err()).isEqualTo("stride: --fail-429 must be between 0 and 1, got 1.5\n");
        assertThat(zh.out() + en.out()).isEmpty();

        assertThat(EN_CLI.run("serve-sim", "--port", "0", "--truncate", "-0.25").err())
                .isEqualTo("stride: --truncate must be between 0 and 1, got -0.25\n");
        assertThat(ZH_CLI.run("serve-sim", "--port", "0", "--drop", "2").err())
                .isEqualTo("stride: --drop 必须在 0 到 1 之间，实际为 2.0\n");
    }

    @Test
    void failureRatesAddingToMoreThanOneAreShownByOption() {
        Cli.Result en = EN_CLI.run("serve-sim", "--port", "0", "--fail-429", "0.6", "--drop", "0.7");
        assertThat(en.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(en.err()).isEqualTo("stride: the failure rates add up to 1.3 (--fail-429 0.6, --drop 0.7);"
                + " together they may be at most 1\n");
        Cli.Result zh = ZH_CLI.run("serve-sim", "--port", "0", "--fail-429", "0.6", "--drop", "0.7");
        assertThat(zh.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(zh.err()).isEqualTo("stride: 失败率合计为 1.3（--fail-429 0.6，--drop 0.7）；合计最多为 1\n");
    }

    @Test
    void negativeLatencySpeedAndConcurrencyNameTheirOption() {
        Cli.Result latency = ZH_CLI.run("serve-sim", "--port", "0", "--latency", "PT-1S");
        assertThat(latency.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(latency.err()).isEqualTo("stride: --latency 的值无效：'PT-1S' 不能为负数\n"
                + "stride: 运行 'stride serve-sim --help' 查看全部选项\n");
        assertThat(EN_CLI.run("serve-sim", "--port", "0", "--jitter", "PT-0.5S").err())
                .isEqualTo("stride: invalid value for --jitter: 'PT-0.5S' must not be negative\n"
                        + "stride: see 'stride serve-sim --help' for every option\n");

        Cli.Result speed = EN_CLI.run("serve-sim", "--port", "0", "--tokens-per-second", "-5");
        assertThat(speed.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(speed.err())
                .isEqualTo("stride: --tokens-per-second must be 0 (at once) or a positive number, got -5.0\n");
        assertThat(ZH_CLI.run("serve-sim", "--port", "0", "--tokens-per-second", "-5").err())
                .isEqualTo("stride: --tokens-per-second 必须为 0（即时生成）或正数，实际为 -5.0\n");

        Cli.Result spread = EN_CLI.run("serve-sim", "--port", "0", "--latency-spread", "5");
        assertThat(spread.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(spread.err())
                .isEqualTo("stride: --latency-spread must be between 0 and 3 (a log-normal sigma), got 5.0\n");
        assertThat(ZH_CLI.run("serve-sim", "--port", "0", "--latency-spread", "-1").err())
                .isEqualTo("stride: --latency-spread 必须在 0 到 3 之间（对数正态的 sigma），实际为 -1.0\n");

        Cli.Result concurrent = ZH_CLI.run("serve-sim", "--port", "0", "--max-concurrent", "-1");
        assertThat(concurrent.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(concurrent.err()).isEqualTo("stride: --max-concurrent 必须为 0（不限并发）或更大，实际为 -1\n");
        assertThat(EN_CLI.run("serve-sim", "--port", "0", "--max-concurrent", "-1").err())
                .isEqualTo("stride: --max-concurrent must be 0 (no limit) or more, got -1\n");
    }

    @Test
    void theDemoShowsTheSimulatorInChinese() {
        Cli.Result zh = ZH_CLI.run("demo", "--db", dir.resolve("demo.db").toString(), "--sim-latency", "2ms",
                "--sim-jitter", "1ms", "--sim-tokens-per-second", "0");

        assertThat(zh.exitCode()).as(zh.all()).isZero();
        assertThat(zh.out()).contains("（延迟 2ms±1ms，即时生成，不限并发；任何模型名都可以）")
                .containsPattern("（模拟服务器：共处理 \\d+ 个请求（成功 \\d+ 个）")
                .doesNotContain("latency", "Served");
    }
}
