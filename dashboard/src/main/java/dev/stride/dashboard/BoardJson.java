package dev.stride.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.Json;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RunInfo;
import dev.stride.core.WorkerInfo;
import dev.stride.db.Board;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The board's values as the JSON the pages read (and {@code /api} gives): snake_case names, times as ISO-8601 UTC
 * text, and every text from the model or the dataset as a plain JSON string (the page inserts it as text only). A
 * key is there whatever the state: null where the value is unknown or none, never left out (a client reading
 * {@code in_flight_total} of a run with no live worker met a missing key).
 */
final class BoardJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private BoardJson() {
    }

    /**
     * @param scores each run's scoreboard by name (a run never scored has none): each run's {@code accuracy} is the
     *               one status's ACCURACY column shows, named by {@code accuracy_metric}; null when not scored
     * @param onlyInWal {@link Board#answersOnlyInWal}, given with each run as status gives it
     */
    static ObjectNode runs(List<Board.RunRow> rows, Map<String, Board.RunScores> scores, Long onlyInWal,
                           Instant now) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("generated_at", now.toString());
        ArrayNode runs = o.putArray("runs");
        for (Board.RunRow r : rows) {
            ObjectNode run = run(r, onlyInWal, now);
            Board.RunScores s = scores.get(r.info().name());
            Board.Score headline = s == null ? null : s.headline().orElse(null);
            if (headline == null) {
                run.putNull("accuracy");
                run.putNull("accuracy_metric");
            } else {
                run.put("accuracy", headline.accuracy());
                run.put("accuracy_metric", headline.metric());
            }
            runs.add(run);
        }
        return o;
    }

    /**
     * {@code now} judges how old each worker's in-flight figures are, on the clock the runs were read at;
     * {@code onlyInWal} is {@link Board#answersOnlyInWal}, a figure of the file given with each of its runs, as
     * {@code status --json} gives it (under the same name).
     */
    static ObjectNode run(Board.RunRow row, Long onlyInWal, Instant now) {
        RunInfo r = row.info();
        ObjectNode o = MAPPER.createObjectNode();
        o.put("name", r.name());
        o.put("model", r.model());
        o.put("state", row.shownState());
        // As status --json: why its last session stopped it, in English; null unless it is stored stopped.
        o.put("stop_reason", r.stopReason() == null ? null : r.stopReason().english());
        o.put("total", r.total());
        o.put("done", r.done());
        o.put("failed", r.failed());
        o.put("pending", r.pending());
        o.put("truncated", r.truncated());
        o.put("percent", r.total() == 0 ? 0.0 : Math.round(r.done() * 1000.0 / r.total()) / 10.0);
        // Null unless the run goes, as status --json's rate_per_s: a finished run has no current rate, not 0.
        o.put("rate_per_second", row.perSecond() == null ? null : Math.round(row.perSecond() * 100) / 100.0);
        o.put("seconds_left", row.secondsLeft());
        o.put("live_workers", row.workers().size());
        ArrayNode workers = o.putArray("workers");
        for (WorkerInfo w : row.workers()) {
            ObjectNode wo = workers.addObject();
            wo.put("number", w.number());
            wo.put("host", w.host());
            wo.put("pid", w.pid());
            wo.put("done", w.done());
            wo.put("failed", w.failed());
            // As status --json: since when it waits for its server(s), null while answers come; "waiting" as the
            // run's state judges it (a silent worker's last word holds until its run is interrupted).
            wo.put("waiting_since", w.waitingSince() == null ? null : w.waitingSince().toString());
            wo.put("waiting", w.waitsForServer());
            // Null, each of them, for a worker that tells no figures: in_flight stays the bound; requests_out is null
            // too for a worker of an older version, which tells its bound alone.
            boolean tells = w.inFlight() != null;
            wo.put("in_flight_at", tells ? w.inFlightAsOf().toString() : null); // as status --json: how old they are
            wo.put("in_flight", w.inFlight());
            wo.put("in_flight_stale", tells ? w.figuresStale(now) : null);
            wo.put("concurrency", !tells ? null : w.inFlightAuto() ? "auto" : "fixed");
            // Each server's own limit with --concurrency auto over several servers; else an empty list
            wo.set("servers", tells ? Json.serverLimits(w.servers()) : MAPPER.nullNode());
            wo.put("requests_out", tells ? w.requestsOut() : null);
        }
        o.set("in_flight_total", inFlightTotal(row.workers(), now));
        o.put("answers_only_in_wal", onlyInWal);
        o.put("elapsed_ms", r.elapsedMs());
        text(o, "started_at", r.createdAt());
        text(o, "updated_at", r.savedAt());
        o.put("finished", finished(row));
        return o;
    }

    /**
     * What the live workers have in flight together, as {@code in_flight_total}: the limits and requests out of those
     * whose figures are fresh, and how many workers' figures are too old to count ({@link WorkerInfo#figuresStale}).
     * A worker killed on another machine keeps its lease (and a place among the live workers) until the lease runs
     * out, but sends nothing: counted, its last figures made the total too high for up to a lease's length. Null when
     * no live worker tells its figures.
     */
    private static JsonNode inFlightTotal(List<WorkerInfo> workers, Instant now) {
        List<WorkerInfo> telling = workers.stream().filter(w -> w.inFlight() != null).toList();
        if (telling.isEmpty()) {
            return MAPPER.nullNode();
        }
        List<WorkerInfo> fresh = telling.stream().filter(w -> !w.figuresStale(now)).toList();
        ObjectNode total = MAPPER.createObjectNode();
        total.put("workers", fresh.size());
        total.put("stale_workers", telling.size() - fresh.size());
        total.put("limit", fresh.stream().mapToLong(WorkerInfo::inFlight).sum());
        // "auto" only when every worker counted learns its limit: one auto beside one fixed --concurrency 64 made
        // the whole total read as learnt. Mixed ones say how many learn theirs.
        long auto = fresh.stream().filter(WorkerInfo::inFlightAuto).count();
        total.put("concurrency", auto == 0 ? "fixed" : auto == fresh.size() ? "auto" : "mixed");
        total.put("auto_workers", auto);
        // Only the workers that tell their requests out (a worker of an older version tells its limit alone): null
        // when none does.
        List<WorkerInfo> out = fresh.stream().filter(w -> w.requestsOut() != null).toList();
        total.put("requests_out", out.isEmpty() ? null : out.stream().mapToLong(WorkerInfo::requestsOut).sum());
        return total;
    }

    /**
     * Whether nothing more can change: no record left to answer and no worker on it. A run stopped by Ctrl+C, a kill
     * or a server that went away is not finished: the same command resumes it, and a page left open follows it then.
     */
    static boolean finished(Board.RunRow row) {
        return row.info().pending() == 0 && row.workers().isEmpty();
    }

    static ObjectNode detail(Board.RunDetail d, Long onlyInWal, Instant now) {
        ObjectNode o = MAPPER.createObjectNode();
        o.set("run", run(d.run(), onlyInWal, now));
        ObjectNode t = o.putObject("timeline");
        ArrayNode at = t.putArray("t");
        ArrayNode rate = t.putArray("per_second");
        ArrayNode failed = t.putArray("failed_per_second");
        ArrayNode p50 = t.putArray("p50_ms");
        ArrayNode p90 = t.putArray("p90_ms");
        ArrayNode p99 = t.putArray("p99_ms");
        for (Board.Bucket b : d.timeline()) {
            double seconds = b.widthMs() / 1000.0;
            at.add(b.startMs() / 1000.0);
            rate.add(Math.round(b.outcomes() / seconds * 100) / 100.0);
            failed.add(Math.round(b.failed() / seconds * 100) / 100.0);
            boolean answered = b.outcomes() > b.failed();
            p50.add(answered ? b.p50() : null);
            p90.add(answered ? b.p90() : null);
            p99.add(answered ? b.p99() : null);
        }
        t.put("bucket_seconds", d.timeline().isEmpty() ? 0 : d.timeline().get(0).widthMs() / 1000);
        t.put("sampled_every", d.sampledEvery());
        ObjectNode tokens = o.putObject("tokens");
        tokens.put("in", d.tokensIn());
        tokens.put("out", d.tokensOut());
        tokens.put("reported", d.usageReported());
        ArrayNode reasons = o.putArray("finish_reasons");
        d.finishReasons().forEach(c -> reasons.addObject().put("reason", c.key()).put("count", c.count()));
        ArrayNode errors = o.putArray("errors");
        d.errors().forEach(e -> errors.addObject().put("kind", e.kind()).put("count", e.count())
                .put("example", e.example()));
        o.set("scores", scores(d.scores()));
        Board.LiveScoring live = d.scoring();
        if (live == null) {
            o.putNull("scoring");
        } else {
            // The expression is what tells two regex scorings apart; null for the metrics that take none.
            o.putObject("scoring").put("metric", live.metric()).put("label_field", live.labelField())
                    .put("extract", live.extract().isEmpty() ? null : live.extract());
        }
        return o;
    }

    static ArrayNode scores(List<Board.Score> scores) {
        ArrayNode a = MAPPER.createArrayNode();
        for (Board.Score s : scores) {
            a.addObject().put("metric", s.metric()).put("label_field", s.labelField()).put("scored", s.scored())
                    .put("correct", s.correct()).put("accuracy", s.accuracy()).put("ci_low", s.ciLow())
                    .put("ci_high", s.ciHigh()).put("unparsed", s.unparsed());
        }
        return a;
    }

    static ObjectNode page(Board.RecordPage page) {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode rows = o.putArray("records");
        for (Board.RecordRow r : page.rows()) {
            ObjectNode ro = rows.addObject();
            ro.put("seq", r.seq());
            ro.put("id", r.id());
            ro.put("status", r.status());
            // Apart, as a record's detail has them: an error given as "answer" was read as the model's answer.
            ro.put("answer", r.answer());
            ro.put("error", r.error());
            ro.put("error_kind", r.errorKind());
            ro.put("latency_ms", r.latencyMs());
            ro.put("score", r.score());
        }
        next(o, page.next());
        o.put("searched_through", page.searchedThrough()); // null when the page is no search
        o.put("last_seq", page.lastSeq());
        return o;
    }

    static ObjectNode record(Board.RecordDetail d) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("run", d.run());
        o.put("id", d.id());
        o.put("seq", d.seq());
        o.put("line", d.line());
        o.put("status", d.status());
        o.put("input", d.input());
        o.put("prompt", prompt(d.template(), d.input()));
        o.put("answer", d.answer());
        o.put("reasoning", d.reasoning());
        o.put("refusal", d.refusal());
        o.put("finish_reason", d.finishReason());
        o.put("error_kind", d.errorKind());
        o.put("error", d.error());
        o.put("latency_ms", d.latencyMs());
        o.put("attempts", d.attempts());
        o.put("prompt_tokens", d.promptTokens());
        o.put("completion_tokens", d.completionTokens());
        o.put("finished_at", d.finishedAt());
        o.put("server", d.server());
        o.put("label", d.label());
        o.put("score", d.score());
        return o;
    }

    /** What was sent for the record: the run's template filled from it, or the request the record carries itself. */
    static String prompt(String template, String input) {
        try {
            JsonNode record = MAPPER.readTree(input);
            var prompt = PromptTemplate.parse(template).prompt("", record);
            if (prompt.bodyJson() != null) {
                return prompt.bodyJson();
            }
            return prompt.messagesJson() != null ? prompt.messagesJson() : prompt.userMessage();
        } catch (Exception e) {
            return null; // a record the template cannot fill was never sent
        }
    }

    /**
     * @param by   the scoring right and wrong are read from, named as {@code metric} and {@code label_field} with
     *             each run's row of it as {@code score}; null when there is none to take
     * @param none why there is none ({@code no_scoring}), or null
     */
    static ObjectNode compare(Board.RunRow a, List<Board.Score> scoresA, Board.RunRow b, List<Board.Score> scoresB,
                              Board.ScoredBy by, String none, Board.Differing only, Board.ComparePage page,
                              Long onlyInWal, Instant now) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("only", only.param());
        o.put("metric", by == null ? null : by.metric());
        o.put("label_field", by == null ? null : by.labelField());
        o.put("no_scoring", none);
        o.set("a", side(a, scoresA, by, onlyInWal, now));
        o.set("b", side(b, scoresB, by, onlyInWal, now));
        ArrayNode rows = o.putArray("differences");
        for (Board.Difference d : page.rows()) {
            rows.addObject().put("seq", d.seq()).put("id", d.id()).put("answer_a", d.answerA())
                    .put("answer_b", d.answerB()).put("correct_a", d.correctA()).put("correct_b", d.correctB());
        }
        next(o, page.next());
        o.put("searched_through", page.searchedThrough());
        o.put("last_seq", page.lastSeq());
        // Without it an empty list reads as "answered alike" where the runs share no answered record at all
        o.put("answered_by_both", page.answeredByBoth());
        return o;
    }

    /** A run of a comparison: its line, all its scores, and as {@code score} the one compared by (or null). */
    private static ObjectNode side(Board.RunRow run, List<Board.Score> scores, Board.ScoredBy by, Long onlyInWal,
                                   Instant now) {
        ObjectNode o = run(run, onlyInWal, now);
        o.set("scores", scores(scores));
        List<Board.Score> compared = scores.stream().filter(s -> s.by().equals(by)).toList();
        o.set("score", compared.isEmpty() ? MAPPER.nullNode() : scores(compared).get(0));
        return o;
    }

    static ObjectNode error(String message) {
        return MAPPER.createObjectNode().put("error", message);
    }

    private static void next(ObjectNode o, Long next) {
        if (next == null) {
            o.putNull("next");
        } else {
            o.put("next", next);
        }
    }

    private static void text(ObjectNode o, String field, Instant at) {
        if (at == null) {
            o.putNull(field);
        } else {
            o.put(field, at.toString());
        }
    }
}
