package dev.stride.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The lines printed when a session ends: outcomes, failures by kind, tokens and cost, latency, time, requests. */
final class RunSummary {
    private final SessionTally tally;
    private final Prices prices;

    RunSummary(SessionTally tally, Prices prices) {
        this.tally = tally;
        this.prices = prices;
    }

    /** Per-million-token prices of input and output (either may be null: no cost is shown then). */
    record Prices(Double perMillionIn, Double perMillionOut) {
        static final Prices NONE = new Prices(null, null);

        /** The prices given as options: both or neither, neither negative. */
        static Prices of(Double in, Double out) {
            if ((in == null) != (out == null)) {
                throw UserError.usage("give both --price-in and --price-out (per million tokens), or neither");
            }
            if (in != null && (in < 0 || out < 0 || in.isNaN() || out.isNaN())) {
                throw UserError.usage("--price-in and --price-out are prices per million tokens: 0 or more");
            }
            return new Prices(in, out);
        }

        boolean known() {
            return perMillionIn != null && perMillionOut != null;
        }

        double cost(long tokensIn, long tokensOut) {
            return tokensIn / 1e6 * perMillionIn + tokensOut / 1e6 * perMillionOut;
        }

        /** "$0.0123" with enough digits that a small run's cost is not "0.00". */
        static String money(double v) {
            return String.format(Locale.ROOT, v >= 100 ? "$%.2f" : v >= 1 ? "$%.3f" : "$%.4f", v);
        }
    }

    List<String> lines() {
        String failures = tally.failed() == 0 ? "" : " (" + tally.failedByKind().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")";
        String tokens = String.format(Locale.ROOT, "%s in, %s out", Numbers.grouped(tally.tokensIn()),
                Numbers.grouped(tally.tokensOut()));
        if (prices.known()) {
            tokens += String.format(Locale.ROOT, "; cost %s (at %s in, %s out per million tokens)",
                    Prices.money(prices.cost(tally.tokensIn(), tally.tokensOut())),
                    Prices.money(prices.perMillionIn()), Prices.money(prices.perMillionOut()));
        }
        SessionTally.Latency l = tally.latency();
        double seconds = tally.wallMs() / 1000.0;
        long outcomes = tally.done() + tally.failed();
        String requests = tally.requestsSent() == null
                ? String.format(Locale.ROOT, "%d retries", tally.retries())
                : String.format(Locale.ROOT, "%d sent, %d retries, %d redundant%s", tally.requestsSent(),
                        tally.retries(), tally.redundantRequests(), tally.redundantRequests() == 0 ? ""
                                : " (stopped before their answers were saved; asked again next time)");
        return List.of(
                "Summary of this session:",
                row("Outcomes", String.format(Locale.ROOT, "%d done, %d failed%s", tally.done(), tally.failed(),
                        failures)),
                row("Tokens", tokens),
                row("Latency", String.format(Locale.ROOT, "p50 %d ms, p95 %d ms, max %d ms", l.p50(), l.p95(),
                        l.max())),
                row("Wall time", String.format(Locale.ROOT, "%s (%.1f predictions/s)", Durations.human(tally.wallMs()),
                        seconds > 0 ? outcomes / seconds : 0)),
                row("Requests", requests));
    }

    void print(PrintWriter out) {
        lines().forEach(out::println);
        out.flush();
    }

    private static String row(String label, String value) {
        return String.format(Locale.ROOT, "  %-10s %s", label + ":", value);
    }
}
