package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.sim.AnswerKey;
import dev.stride.sim.RateBudget;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve-sim", mixinStandardHelpOptions = true)
final class ServeSimCommand implements Callable<Integer> {
    private final CliContext context;

    ServeSimCommand(CliContext context) {
        this.context = context;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--latency", paramLabel = "DURATION", defaultValue = "0ms", converter = Durations.UpToADay.class)
    Duration latency;

    @Option(names = "--jitter", paramLabel = "DURATION", defaultValue = "0ms", converter = Durations.UpToADay.class)
    Duration jitter;

    @Option(names = "--latency-spread", paramLabel = "SIGMA", defaultValue = "0")
    double latencySpread;

    @Option(names = "--tokens-per-second", paramLabel = "N", defaultValue = "0")
    double tokensPerSecond;

    @Option(names = "--max-concurrent", paramLabel = "N", defaultValue = "0")
    int maxConcurrent;

    @Option(names = "--when-busy", paramLabel = "queue|reject|rate_limit", defaultValue = "queue")
    SimulatorSettings.WhenBusy whenBusy;

    @Option(names = "--fail-429", paramLabel = "RATE", defaultValue = "0")
    double rate429;

    @Option(names = "--retry-after", paramLabel = "DURATION", defaultValue = "1s", converter = Durations.UpToADay.class)
    Duration retryAfter;

    @Option(names = "--fail-500", paramLabel = "RATE", defaultValue = "0")
    double rate500;

    @Option(names = "--fail-503", paramLabel = "RATE", defaultValue = "0")
    double rate503;

    @Option(names = "--drop", paramLabel = "RATE", defaultValue = "0")
    double dropRate;

    @Option(names = "--truncate", paramLabel = "RATE", defaultValue = "0")
    double truncateRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42")
    long seed;

    @Option(names = "--answer-key", paramLabel = "FILE")
    Path answerKey;

    @Option(names = "--question-field", paramLabel = "FIELD", defaultValue = "question")
    String questionField;

    @Option(names = "--label-field", paramLabel = "FIELD", defaultValue = "answer")
    String labelField;

    @Option(names = "--accuracy", paramLabel = "[MODEL=]RATE")
    List<String> accuracies = new ArrayList<>();

    @Option(names = "--rpm", paramLabel = "N", defaultValue = "0")
    long rpm;

    @Option(names = "--tpm", paramLabel = "N", defaultValue = "0")
    long tpm;

    @Option(names = "--rate-window", paramLabel = "DURATION", defaultValue = "60s",
            converter = Durations.UpToADay.class)
    Duration rateWindow;

    @Option(names = "--no-rate-headers")
    boolean noRateHeaders;

    @Override
    public Integer call() throws Exception {
        SimulatorSettings settings = settings();
        if (answerKey == null && !accuracies.isEmpty()) {
            throw UserError.usageOf("msg.sim.accuracyWithoutKey");
        }
        AnswerKey key = answerKey == null ? null
                : AnswerKeyFile.load(answerKey, questionField, labelField, accuracies, seed);
        PrintWriter out = spec.commandLine().getOut();
        Simulator sim = new Simulator(settings, key);
        try {
            sim.start(host, port);
        } catch (BindException e) {
            throw UserError.usageOf("msg.sim.cannotListen", host, port, e.getMessage());
        } catch (IOException e) {
            throw UserError.of(ExitCodes.ERROR, "msg.sim.cannotStart", host, port, e);
        }
        Messages m = Messages.of(spec);
        out.println(m.get("msg.sim.listening", sim.url()));
        out.println("  " + m.get(SimulatorWords.describe(settings)));
        if (key != null) {
            out.println(m.get("msg.sim.answerKey", key.size(), answerKey, labelField,
                    accuracies.isEmpty() ? "1" : String.join(", ", accuracies)));
        }
        out.println(m.get("msg.sim.try", sim.url()));
        out.println(m.get("msg.sim.ctrlC"));
        out.flush();
        // Stopped through the same handlers as a run, with its exit code, 130, as --help says: the JVM's own ending
        // gave 143 for SIGTERM.
        CountDownLatch stopped = new CountDownLatch(1);
        try (AutoCloseable listening = context.signals().onInterrupt(stopped::countDown)) {
            stopped.await();
        } finally {
            out.println();
            out.println(m.get("msg.sim.served", SimulatorWords.served(sim.stats()), sim.url()));
            out.flush();
            sim.close();
        }
        return ExitCodes.INTERRUPTED;
    }

    private SimulatorSettings settings() {
        if (port < 0 || port > 65535) {
            throw UserError.usageOf("msg.sim.port", port);
        }
        if (retryAfter.toMillis() % 1000 != 0) {
            throw UserError.usageOf("msg.sim.retryAfter", Durations.human(retryAfter.toMillis()));
        }
        checkValues();
        try {
            return SimulatorSettings.builder()
                    .latency(latency)
                    .jitter(jitter)
                    .latencySpread(latencySpread)
                    .tokensPerSecond(tokensPerSecond)
                    .maxConcurrent(maxConcurrent)
                    .whenBusy(whenBusy)
                    .rateLimited(rate429)
                    .serverError(rate500)
                    .unavailable(rate503)
                    .dropped(dropRate)
                    .truncated(truncateRate)
                    .retryAfter(retryAfter)
                    .seed(seed)
                    .rateBudget(new RateBudget(rpm, tpm, rateWindow, !noRateHeaders))
                    .build();
        } catch (IllegalArgumentException e) {
            // A last resort: checkValues() names the option of every check the simulator makes.
            throw UserError.usageOf("msg.sim.badSettings", e.getMessage());
        }
    }

    /**
     * The simulator's own checks, made first so the reader is told which option is wrong, in their language: the
     * simulator itself only knows its settings, in English.
     */
    private void checkValues() {
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            throw UserError.usageOf("msg.simWords.tokensPerSecondRange", tokensPerSecond);
        }
        if (!(latencySpread >= 0 && latencySpread <= 3)) {
            throw UserError.usageOf("msg.simWords.latencySpreadRange", latencySpread);
        }
        if (maxConcurrent < 0) {
            throw UserError.usageOf("msg.simWords.maxConcurrent", maxConcurrent);
        }
        if (rpm < 0 || tpm < 0) {
            throw UserError.usageOf("msg.simWords.budgetNegative", rpm < 0 ? "--rpm" : "--tpm", Math.min(rpm, tpm));
        }
        if (rateWindow.toMillis() < 1 || rateWindow.compareTo(Duration.ofMinutes(1)) > 0) {
            throw UserError.usageOf("msg.simWords.rateWindow", Durations.human(rateWindow.toMillis()));
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("--fail-429", rate429);
        rates.put("--fail-500", rate500);
        rates.put("--fail-503", rate503);
        rates.put("--drop", dropRate);
        rates.put("--truncate", truncateRate);
        double sum = 0;
        List<Phrase> given = new ArrayList<>();
        for (Map.Entry<String, Double> r : rates.entrySet()) {
            double rate = r.getValue();
            if (!(rate >= 0 && rate <= 1)) {
                throw UserError.usageOf("msg.simWords.rate", r.getKey(), rate);
            }
            sum += rate;
            if (rate > 0) {
                given.add(Messages.text("msg.simWords.optionValue", r.getKey(), plain(rate)));
            }
        }
        if (sum > 1.0 + 1e-9) {
            throw UserError.usageOf("msg.simWords.rateSum", plain(sum), SimulatorWords.list(given));
        }
    }

    /** A rate as a person writes it: 0.6 + 0.7 is 1.3, not 1.2999999999999998. */
    private static String plain(double rate) {
        return BigDecimal.valueOf(rate).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
