package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.BindException;
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

@Command(name = "serve-sim",
        mixinStandardHelpOptions = true,
        description = {
            "Serves a simulated model over an OpenAI-compatible API, to rehearse a run before paying for a GPU server"
                    + " and to benchmark stride against a server that is slow, busy or broken on purpose.",
            "POST /v1/chat/completions and /v1/completions (also streamed), GET /v1/models and /health. Any model"
                    + " name is served. An answer is the prompt echoed ('Answer to: <prompt> -- ...') and a few"
                    + " words drawn from its hash: the same prompt always gets the same answer.",
            "Stop it with Ctrl+C: it prints how many requests it served, by outcome."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  stride serve-sim --latency 200ms --jitter 50ms --tokens-per-second 40",
            "  stride serve-sim --max-concurrent 16 --when-busy reject --fail-429 0.05 --drop 0.01",
            "  stride run questions.jsonl --db rehearsal.db --model my-model --base-url http://127.0.0.1:8000/v1",
        })
final class ServeSimCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000",
            description = "The port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "The address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--latency", paramLabel = "DURATION", defaultValue = "0ms", converter = Durations.class,
            description = "Mean wait before an answer starts, as a model's time to first token"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration latency;

    @Option(names = "--jitter", paramLabel = "DURATION", defaultValue = "0ms", converter = Durations.class,
            description = "Latency varies uniformly within --latency ± this (default: ${DEFAULT-VALUE}).")
    Duration jitter;

    @Option(names = "--tokens-per-second", paramLabel = "N", defaultValue = "0",
            description = "Generation speed after the first token: a longer answer takes longer; 0 = at once"
                    + " (default: ${DEFAULT-VALUE}). Tokens are counted as words.")
    double tokensPerSecond;

    @Option(names = "--max-concurrent", paramLabel = "N", defaultValue = "0",
            description = "Completion requests served at once; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--when-busy", paramLabel = "reject|queue", defaultValue = "queue",
            description = "Beyond --max-concurrent: reject answers 503 at once, like Ollama with a full queue;"
                    + " queue makes the request wait for a slot, like llama.cpp's busy slots"
                    + " (default: ${DEFAULT-VALUE}).")
    SimulatorSettings.WhenBusy whenBusy;

    @Option(names = "--fail-429", paramLabel = "RATE", defaultValue = "0",
            description = "Share of requests (0 to 1) answered 429 with Retry-After, at once.")
    double rate429;

    @Option(names = "--retry-after", paramLabel = "DURATION", defaultValue = "1s", converter = Durations.class,
            description = "The Retry-After a 429 carries, in whole seconds (default: ${DEFAULT-VALUE}).")
    Duration retryAfter;

    @Option(names = "--fail-500", paramLabel = "RATE", defaultValue = "0",
            description = "Share of requests answered 500 after their latency.")
    double rate500;

    @Option(names = "--fail-503", paramLabel = "RATE", defaultValue = "0",
            description = "Share of requests answered 503 (overloaded) at once.")
    double rate503;

    @Option(names = "--drop", paramLabel = "RATE", defaultValue = "0",
            description = "Share of requests whose connection is closed after their latency, with no response.")
    double dropRate;

    @Option(names = "--truncate", paramLabel = "RATE", defaultValue = "0",
            description = "Share of requests whose body stops halfway (Content-Length promises more), then the"
                    + " connection closes.")
    double truncateRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seeds the draw of failures and latencies (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws InterruptedException {
        SimulatorSettings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        Simulator sim = new Simulator(settings);
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
        out.println(m.get("msg.sim.try", sim.url()));
        out.println(m.get("msg.sim.ctrlC"));
        out.flush();
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println();
            out.println(m.get("msg.sim.served", SimulatorWords.served(sim.stats()), sim.url()));
            out.flush();
            sim.close();
        }, "serve-sim-exit"));
        forever.await();
        return ExitCodes.OK;
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
        notNegative("--latency", latency);
        notNegative("--jitter", jitter);
        notNegative("--retry-after", retryAfter);
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            throw UserError.usageOf("msg.simWords.tokensPerSecondRange", tokensPerSecond);
        }
        if (maxConcurrent < 0) {
            throw UserError.usageOf("msg.simWords.maxConcurrent", maxConcurrent);
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

    private static void notNegative(String option, Duration value) {
        if (value.isNegative()) {
            throw UserError.usageOf("msg.simWords.notNegative", option, Durations.human(value.toMillis()));
        }
    }

    /** A rate as a person writes it: 0.6 + 0.7 is 1.3, not 1.2999999999999998. */
    private static String plain(double rate) {
        return BigDecimal.valueOf(rate).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
