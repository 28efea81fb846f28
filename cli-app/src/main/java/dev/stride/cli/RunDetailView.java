package dev.stride.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.app.OutputRules;
import dev.stride.core.RunInfo;
import dev.stride.core.ShownState;
import dev.stride.core.WorkerInfo;
import dev.stride.db.Board;
import dev.stride.db.FileAlone;
import dev.stride.db.RunReport;
import dev.stride.db.RunTotals;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code stride status --run NAME}: one run up close, as text or JSON. */
final class RunDetailView {
    private static final DateTimeFormatter LOCAL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final RunInfo run;
    private final RunReport report;
    private final String state;
    private final RunTotals totals;
    private final LiveRate live;
    private final FileAlone alone;
    private final RunSummary.Prices prices;
    private final Board.RunScores scores;

    /**
     * {@code workersAllGone}: as {@link DbFile#shownState} takes it; {@code workers}: the live ones; {@code scores}:
     * the run's scoreboard, null for a run never scored.
     */
    RunDetailView(RunInfo run, boolean workersAllGone, List<WorkerInfo> workers, RunReport report, RunTotals totals,
                  Instant now, FileAlone alone, RunSummary.Prices prices, Board.RunScores scores) {
        this.run = run;
        this.scores = scores;
        this.report = report;
        this.state = ShownState.label(run, workersAllGone, workers, now);
        this.totals = totals;
        this.live = LiveRate.of(run, workersAllGone, totals, now, workers);
        this.alone = alone;
        this.prices = prices;
    }

    void printText(PrintWriter out, Messages m) {
        double percent = run.total() == 0 ? 0 : run.done() * 100.0 / run.total();
        line(out, m.get("msg.detail.run"), run.name());
        line(out, m.get("msg.detail.model"), run.model());
        line(out, m.get("msg.detail.servers"), servers(m));
        line(out, m.get("msg.detail.template"), run.template());
        line(out, m.get("msg.detail.settings"), run.paramsJson());
        // What a stored answer is, beside the parameters that asked for it: kept with the run as they are.
        OutputRules output = OutputRules.keptBy(run);
        line(out, m.get("msg.detail.output"), output == null ? m.get("msg.detail.outputNotKept")
                : output.any() ? output.options() : m.get("msg.detail.outputNone"));
        line(out, m.get("msg.detail.progress"), m.get("msg.detail.progressValue", run.done(), run.total(),
                String.format(Locale.ROOT, "%.1f", percent), run.failed(), run.pending(), run.truncated()));
        printAccuracy(out, m);
        line(out, m.get("msg.detail.state"), m.get("msg.detail.stateValue", state,
                Durations.human(run.elapsedMs()), run.savedAt() == null ? "-" : LOCAL_TIME.format(run.savedAt())));
        if (run.stopReason() != null) {
            // Why it stopped, as the stop line said it once at the terminal that ran the session.
            line(out, m.get("msg.detail.stopped"), run.stopReason().in(m.locale()));
        }
        if (live != null) {
            String pace = live.atMost() ? "msg.detail.paceRetrying" : "msg.detail.paceValue";
            line(out, m.get("msg.detail.pace"), m.get(pace,
                    String.format(Locale.ROOT, "%.1f", live.perSecond()),
                    live.eta() == null ? "?" : Durations.human(live.eta().toMillis())));
        }
        // Unknown is not zero: "-" when no answer came with token counts, as the end-of-run summary shows it.
        line(out, m.get("msg.detail.tokens"), totals.usageReported()
                ? m.get("msg.tokensInOut", Numbers.grouped(totals.tokensIn()), Numbers.grouped(totals.tokensOut()))
                : m.get("msg.tokensInOut", "-", "-"));
        if (prices.known()) {
            line(out, m.get("msg.detail.cost"), totals.usageReported()
                    ? m.get("msg.detail.costValue", RunSummary.Prices.money(prices.cost(totals.tokensIn(),
                            totals.tokensOut())), RunSummary.Prices.money(prices.perMillionIn()),
                            RunSummary.Prices.money(prices.perMillionOut()))
                    : m.get("msg.detail.costUnknown"));
        }
        line(out, m.get("msg.detail.answeredBy"), counts(report.byServer()));
        line(out, m.get("msg.detail.finish"), counts(report.finishReasons()));
        if (report.refused() > 0) {
            // Done, yet no answer: an export's output is empty for them, and every metric scores them wrong.
            line(out, m.get("msg.detail.refused"), m.get("msg.detail.refusedValue", report.refused()));
        }
        RunReport.Latency l = report.latency();
        line(out, m.get("msg.detail.latency"), run.done() == 0 ? m.get("msg.latencyNone")
                : m.get("msg.latencyValue", l.p50(), l.p95(), l.max()));
        if (report.errors().isEmpty()) {
            line(out, m.get("msg.detail.errors"), m.get("msg.detail.noErrors"));
        }
        for (RunReport.ErrorGroup e : report.errors()) {
            line(out, m.get("msg.detail.errors"), m.get("msg.detail.errorGroup", e.kind(), e.count(),
                    ErrorExample.shown(e.example())));
        }
        if (alone != null) { // null on PostgreSQL, which is no file
            line(out, m.get("msg.detail.file"), DbFile.describe(alone, m));
        }
    }

    /**
     * The servers stored with the run: each worker that starts stores its own --base-url there, so they are the latest
     * one's, and what a run without --base-url asks. Said so when answers came from other servers too (the workers'
     * that started before it), lest they read as every server the run used: "Answered by" lists those.
     */
    private String servers(Messages m) {
        String stored = String.join(" ", run.baseUrls());
        boolean others = report.byServer().stream().map(RunReport.Count::key)
                .anyMatch(server -> !"-".equals(server) && !run.baseUrls().contains(server));
        return others ? m.get("msg.detail.serversLatest", stored) : stored;
    }

    /**
     * One line per way the run was scored, first the one whose accuracy the list of runs shows (the live scoring's,
     * else the latest); none for a run never scored.
     */
    private void printAccuracy(PrintWriter out, Messages m) {
        if (scores == null) {
            return;
        }
        String label = m.get("msg.detail.accuracy");
        List<Board.Score> rows = new ArrayList<>(scores.scores());
        Board.Score headline = scores.headline().orElse(null);
        // The row the list of runs shows first: the live scoring's, else the latest, which is then said to be it.
        rows.sort(Comparator.comparing(s -> !s.equals(headline)));
        for (Board.Score s : rows) {
            String value = m.get("msg.detail.accuracyValue", ScoreLines.percent(s.accuracy()),
                    ScoreLines.percent(s.ciLow()), ScoreLines.percent(s.ciHigh()), s.correct(), s.scored(),
                    s.unparsed(), s.metric(), s.labelField());
            line(out, label, scores.isLive(s) ? m.get("msg.detail.accuracyLive", value)
                    : s.equals(headline) && rows.size() > 1 ? m.get("msg.detail.accuracyLatest", value) : value);
            label = "";
        }
    }

    void printJson(PrintWriter out) throws Exception {
        printJson(out, o -> { });
    }

    /** With {@code more} adding what the caller knows beside the view (the run's live workers). */
    void printJson(PrintWriter out, java.util.function.Consumer<ObjectNode> more) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = mapper.createObjectNode();
        o.put("run", run.name());
        o.put("model", run.model());
        o.put("base_url", String.join(" ", run.baseUrls()));
        run.baseUrls().forEach(o.putArray("base_urls")::add);
        o.put("template", run.template());
        o.set("settings", mapper.readTree(run.paramsJson()));
        // null for a run made before runs kept them; {} for one that takes answers as they come.
        OutputRules output = OutputRules.keptBy(run);
        o.set("output_rules", output == null ? null : output.canonicalTree());
        RunJson.progress(o, run, state, totals, live);
        RunJson.cost(o, prices, totals);
        RunJson.scores(o, scores);
        RunJson.fileAlone(o, alone);
        ObjectNode servers = o.putObject("answered_by");
        report.byServer().forEach(c -> servers.put(c.key(), c.count()));
        ObjectNode finish = o.putObject("finish_reasons");
        report.finishReasons().forEach(c -> finish.put(c.key(), c.count()));
        o.put("refused", report.refused());
        ObjectNode latency = o.putObject("latency_ms");
        latency.put("p50", report.latency().p50());
        latency.put("p95", report.latency().p95());
        latency.put("max", report.latency().max());
        ArrayNode errors = o.putArray("errors");
        for (RunReport.ErrorGroup e : report.errors()) {
            errors.addObject().put("kind", e.kind()).put("count", e.count()).put("example", e.example());
        }
        more.accept(o);
        out.println(mapper.writeValueAsString(o));
    }

    private static String counts(List<RunReport.Count> counts) {
        return counts.isEmpty() ? "-" : counts.stream().map(c -> c.key() + " " + Numbers.grouped(c.count()))
                .collect(Collectors.joining(", "));
    }

    /** A label (with its colon) padded to 12 columns, as a terminal counts them, then the value. */
    private static void line(PrintWriter out, String label, String value) {
        out.println(TextWidth.padRight(label, 12) + " " + value);
    }
}
