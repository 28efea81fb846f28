package dev.stride.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The lines printed when a session ends: outcomes, failures by kind, tokens and cost, latency, time, requests. */
final class RunSummary {
    /** Kinds of failure shown with an example; the rest are counted in the outcomes line. */
    private static final int MAX_ERROR_ROWS = 3;

    private final SessionTally tally;
    private final Prices prices;
    private final Messages m;

    RunSummary(SessionTally tally, Prices prices, Messages messages) {
        this.tally = tally;
        this.prices = prices;
        this.m = messages;
    }

    /** Per-million-token prices of input and output (either may be null: no cost is shown then). */
    record Prices(Double perMillionIn, Double perMillionOut) {
        /** No prices given: the summary shows no cost. */
        static final Prices NONE = new Prices(null, null);

        /** The prices given as options: both or neither, neither negative. */
        static Prices of(Double in, Double out) {
            if ((in == null) != (out == null)) {
                throw UserError.usageOf("msg.prices.both");
            }
            if (in != null && (in < 0 || out < 0 || in.isNaN() || out.isNaN())) {
                throw UserError.usageOf("msg.prices.negative");
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
        String failures = tally.failed() == 0 ? "" : m.get("msg.summary.failedKinds", tally.failedByKind().entrySet()
                .stream().map(e -> e.getKey() + " " + Numbers.grouped(e.getValue())).collect(Collectors.joining(", ")));
        // Unknown is not zero: "-" for what the server never said.
        String tokens = m.get("msg.tokensInOut", known(tally.tokensIn()), known(tally.tokensOut()));
        if (prices.known() && tally.tokensIn() != null && tally.tokensOut() != null) {
            tokens += m.get("msg.summary.cost", Prices.money(prices.cost(tally.tokensIn(), tally.tokensOut())),
                    Prices.money(prices.perMillionIn()), Prices.money(prices.perMillionOut()));
        } else if (prices.known()) {
            tokens += m.get("msg.summary.costUnknown");
        }
        SessionTally.Latency l = tally.latency();
        double seconds = tally.wallMs() / 1000.0;
        String retryKinds = RetryCauses.kinds(m, tally.retried().byKind());
        String requests = tally.requestsSent() == null
                ? m.get("msg.summary.retries", tally.retries(), retryKinds)
                : m.get("msg.summary.requestsValue", tally.requestsSent(), tally.retries(), tally.redundantRequests(),
                        retryKinds) + redundant() + beyond();
        List<String> lines = new ArrayList<>(List.of(
                m.get("msg.summary.title"),
                row(m.get("msg.summary.outcomes"), m.get("msg.summary.outcomesValue", tally.done(), tally.failed())
                        + failures),
                row(m.get("msg.summary.tokens"), tokens),
                row(m.get("msg.summary.latency"), l == null ? m.get("msg.latencyNone")
                        : m.get("msg.latencyValue", l.p50(), l.p95(), l.max())),
                row(m.get("msg.summary.wallTime"), wallTime(seconds)),
                row(m.get("msg.summary.requests"), requests)));
        lines.addAll(retriedRows());
        SessionTally.Learnt learnt = tally.learnt();
        if (learnt != null) {
            lines.add(row(m.get("msg.summary.concurrency"), m.get("msg.summary.learnt", learnt.limit(),
                    InFlightWords.servers(m, learnt.servers()))));
        }
        lines.addAll(2, errorRows());
        return lines;
    }

    /**
     * What the redundant requests were: stopped before their answers were saved (asked again next time), or
     * answered by another worker meanwhile (never asked again), or some of each; empty when there were none.
     */
    private String redundant() {
        long all = tally.redundantRequests();
        long byAnother = tally.redundantAnsweredByAnother();
        if (all == 0) {
            return "";
        }
        if (byAnother == 0) {
            return m.get("msg.summary.redundant");
        }
        return byAnother == all ? m.get("msg.summary.redundantByAnother")
                : m.get("msg.summary.redundantBoth", byAnother, all - byAnother);
    }

    /** The requests sent beyond the records' attempts, each for what it was; empty when there were none. */
    private String beyond() {
        SessionTally.Beyond b = tally.beyond();
        StringBuilder s = new StringBuilder();
        // The rate gate's 429s and those of a server at --concurrency auto's limit alike: refused, sent again.
        long rateLimited = b.sentAgainAfterRefusal() + tally.atLimit().rateLimited();
        if (rateLimited > 0) {
            s.append(m.get("msg.summary.sentAgainAfterRefusal", rateLimited));
        }
        if (tally.atLimit().busy() > 0) {
            s.append(m.get("msg.summary.sentAgainBusy", tally.atLimit().busy()));
        }
        SessionTally.Unanswered unanswered = tally.unanswered();
        if (unanswered.sentAgainWhileAway() > 0) {
            s.append(m.get("msg.summary.sentAgainWhileAway", unanswered.sentAgainWhileAway()));
        }
        if (b.reaskedForJson() > 0) {
            s.append(m.get("msg.summary.reaskedForJson", b.reaskedForJson()));
        }
        if (b.stoppedTheRun() > 0) {
            s.append(m.get("msg.summary.stoppedTheRun", b.stoppedTheRun()));
        }
        // Refused or failed, and their records never stored: a stop came before a retry of theirs was answered.
        if (tally.answeredUnkept() > 0) {
            s.append(m.get("msg.summary.unkept", tally.answeredUnkept()));
        }
        // No answer in time, and their records never stored: neither in flight at the stop nor answered.
        if (unanswered.timedOutUnkept() > 0) {
            s.append(m.get("msg.summary.timedOutUnkept", unanswered.timedOutUnkept()));
        }
        return s.toString();
    }

    /**
     * Under the outcomes, the commonest kinds of failure with an example each, as {@code status --run} shows them: the
     * server's own words tell at once what a count by kind cannot ("Cannot POST /v1/completions").
     */
    private List<String> errorRows() {
        return tally.failedByKind().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(MAX_ERROR_ROWS)
                .map(e -> row(m.get("msg.summary.errors"), m.get("msg.detail.errorGroup", e.getKey(), e.getValue(),
                        ErrorExample.shown(tally.failureExamples().get(e.getKey())))))
                .toList();
    }

    /**
     * Under the requests, the commonest kinds of failure the retries followed, with the first one's words, as the
     * errors are shown: "connection" alone does not tell a reset from a refusal.
     */
    private List<String> retriedRows() {
        SessionTally.Retried retried = tally.retried();
        return retried.byKind().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(MAX_ERROR_ROWS)
                .map(e -> row(m.get("msg.summary.retried"), m.get("msg.detail.errorGroup", e.getKey(), e.getValue(),
                        ErrorExample.shown(retried.examples().get(e.getKey())))))
                .toList();
    }

    /** The session's time and its rate of answers; failures are no predictions, and are given apart. */
    private String wallTime(double seconds) {
        String time = Durations.human(tally.wallMs());
        String answers = perSecond(tally.done(), seconds);
        return tally.failed() == 0 ? m.get("msg.summary.wallTimeValue", time, answers)
                : m.get("msg.summary.wallTimeFailures", time, answers, perSecond(tally.failed(), seconds));
    }

    private static String perSecond(long n, double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds > 0 ? n / seconds : 0);
    }

    private static String known(Long tokens) {
        return tokens == null ? "-" : Numbers.grouped(tokens);
    }

    void print(PrintWriter out) {
        lines().forEach(out::println);
        out.flush();
    }

    /** A label (with its colon) padded to 10 columns, as a terminal counts them, then the value. */
    private static String row(String label, String value) {
        return "  " + TextWidth.padRight(label, 10) + " " + value;
    }
}
