package dev.stride.dashboard;

import dev.stride.app.ComparedScoring;
import dev.stride.core.Phrased;
import dev.stride.db.Board;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON API: {@code /api/runs}, {@code /api/runs/NAME}, {@code /api/runs/NAME/records?status=&q=&after=&limit=},
 * {@code /api/runs/NAME/records/ID} and {@code /api/compare?a=&b=&only=&after=&limit=} ({@code only}: differ,
 * a_right, b_right, both_wrong; {@code answered_by_both} counts the records both runs answered among those the page
 * read, so that "none listed" is told apart from "nothing to compare"). A run or record that is not there is a 404
 * with a JSON error (for a run, {@code database} names where it was looked for); a bad parameter a 400 (so is
 * {@code status=wrong} of a run not scored: an empty list would say that none is wrong; and a {@code limit} or
 * {@code after} out of its range, which was taken as the nearest value in it: {@code limit=-1} as 1); a database
 * that cannot be read a 503 (the page says so and keeps polling).
 */
final class Api {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final List<String> STATUSES = List.of("done", "failed", "pending", "wrong");

    private final Board board;
    private final Clock clock;
    private final String database;

    /** @param database how the database is named to the user, told with a run it does not have; null: not told */
    Api(Board board, Clock clock, String database) {
        this.board = board;
        this.clock = clock;
        this.database = database;
    }

    /** @param path the raw (still percent-encoded) path after {@code /api} */
    Reply answer(String path, String rawQuery) {
        Map<String, String> query = query(rawQuery);
        List<String> parts = segments(path);
        Instant now = clock.instant();
        try {
            if (parts.equals(List.of("runs"))) {
                return Reply.json(200, BoardJson.runs(board.runs(now), board.scoreboards(),
                        board.answersOnlyInWal(now), now));
            }
            if (parts.size() == 2 && parts.get(0).equals("runs")) {
                Optional<Board.RunDetail> run = board.run(parts.get(1), now);
                Long onlyInWal = run.isPresent() ? board.answersOnlyInWal(now) : null;
                return found(run.map(d -> BoardJson.detail(d, onlyInWal, now)), "run", parts.get(1));
            }
            if (parts.size() == 3 && parts.get(0).equals("runs") && parts.get(2).equals("records")) {
                String status = query.get("status");
                if (status != null && status.isEmpty()) {
                    status = null;
                }
                if (status != null && !STATUSES.contains(status)) {
                    return Reply.error(400, "status must be one of " + String.join(", ", STATUSES));
                }
                if ("wrong".equals(status) && board.find(parts.get(1), now).isPresent()
                        && !board.scored(parts.get(1))) {
                    // An empty list would read as "none wrong" where none was judged at all
                    return Reply.error(400, "'" + parts.get(1) + "' is not scored, so no answer is right or wrong"
                            + " yet: stride score --run NAME --label-field FIELD --metric M scores it");
                }
                Board.RecordQuery q = new Board.RecordQuery(status, query.get("q"), after(query), limit(query));
                return found(board.records(parts.get(1), q).map(BoardJson::page), "run", parts.get(1));
            }
            if (parts.size() == 4 && parts.get(0).equals("runs") && parts.get(2).equals("records")) {
                if (board.find(parts.get(1), now).isEmpty()) {
                    return notFound("run", parts.get(1));
                }
                return found(board.record(parts.get(1), parts.get(3)).map(BoardJson::record), "record",
                        parts.get(3));
            }
            if (parts.equals(List.of("compare"))) {
                return compare(query, now);
            }
            return Reply.error(404, "no such page: /api" + path);
        } catch (BadNumber e) {
            return Reply.error(400, e.getMessage());
        } catch (RuntimeException e) {
            // A file copied away or a server down: the page says so and asks again at its next poll.
            String message = e instanceof Phrased p ? p.phrase().in(Locale.ENGLISH) : String.valueOf(e.getMessage());
            return Reply.error(503, message);
        }
    }

    private Reply compare(Map<String, String> query, Instant now) {
        String a = query.get("a");
        String b = query.get("b");
        if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
            return Reply.error(400, "name two runs: /api/compare?a=RUN&b=RUN");
        }
        Optional<Board.RunRow> runA = board.find(a, now);
        if (runA.isEmpty()) {
            return notFound("run", a);
        }
        Optional<Board.RunRow> runB = board.find(b, now);
        if (runB.isEmpty()) {
            return notFound("run", b);
        }
        String onlyParam = query.getOrDefault("only", "");
        Optional<Board.Differing> only = onlyParam.isEmpty() ? Optional.of(Board.Differing.ANSWERS)
                : Board.Differing.ofParam(onlyParam);
        if (only.isEmpty()) {
            return Reply.error(400, "only must be one of " + String.join(", ",
                    java.util.Arrays.stream(Board.Differing.values()).map(Board.Differing::param).toList()));
        }
        int limit = limit(query);
        List<Board.Score> scoresA = board.scores(a);
        List<Board.Score> scoresB = board.scores(b);
        // The scoring stride compare would take, so that the page and the command never judge by different metrics
        ComparedScoring.Choice choice = ComparedScoring.choose(scorings(scoresA), scorings(scoresB), null, false);
        Board.ScoredBy by = choice instanceof ComparedScoring.Chosen chosen && chosen.stored() != null
                ? new Board.ScoredBy(chosen.stored().metric(), chosen.labelField()) : null;
        String none = choice instanceof ComparedScoring.Refused refused ? why(refused, a, b) : null;
        Board.ComparePage page = board.differences(a, b, by, only.get(), after(query), limit)
                .orElseThrow();
        return Reply.json(200, BoardJson.compare(runA.get(), scoresA, runB.get(), scoresB, by, none, only.get(),
                page, board.answersOnlyInWal(now), now));
    }

    /** A run's scorings as {@link ComparedScoring} takes them (the scoreboard keeps no --extract expression). */
    private static List<ComparedScoring.Scoring> scorings(List<Board.Score> scores) {
        return scores.stream().map(s -> new ComparedScoring.Scoring(s.metric(), s.labelField(), null)).toList();
    }

    /** Why right and wrong cannot be told, and what to do: the page shows it in place of the metric. */
    static String why(ComparedScoring.Refused r, String a, String b) {
        return switch (r.reason()) {
            case NOT_BOTH_SCORED -> "the two runs are not both scored against one label field: score both with"
                    + " stride score --label-field FIELD --metric M";
            case SEVERAL_LABEL_FIELDS -> "both runs were scored against more than one label field ("
                    + String.join(", ", r.labelFields()) + "): stride compare --label-field FIELD names one";
            case DIFFERENT_METRICS -> "the two runs were scored with different metrics ('" + a + "': "
                    + String.join(", ", r.metricsA()) + "; '" + b + "': " + String.join(", ", r.metricsB())
                    + "; label field '" + r.labelField() + "'): score both with one (stride score --metric M), or"
                    + " compare them with stride compare --metric M";
            case SEVERAL_METRICS -> "both runs were scored against the label field '" + r.labelField()
                    + "' with more than one metric ('" + a + "': " + String.join(", ", r.metricsA()) + "; '" + b
                    + "': " + String.join(", ", r.metricsB()) + "): stride compare --metric M names one";
        };
    }

    private Reply found(Optional<? extends com.fasterxml.jackson.databind.JsonNode> node, String what, String name) {
        return node.<Reply>map(n -> Reply.json(200, n)).orElseGet(() -> notFound(what, name));
    }

    private Reply notFound(String what, String name) {
        var error = BoardJson.error("no " + what + " named '" + name + "'");
        if (what.equals("run") && database != null) {
            // The page says "runs.db has no run X": with two dashboards open, which database lacks it
            error.put("database", database);
        }
        return Reply.json(404, error);
    }

    /** A page's size: 1 to {@link #MAX_LIMIT} records, {@link #DEFAULT_LIMIT} when not given. */
    private static int limit(Map<String, String> query) {
        return (int) number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    }

    /** The seq a page goes on after (a page's {@code next}), from 0; -1, the start, when not given. */
    private static long after(Map<String, String> query) {
        return number(query, "after", -1, 0, Long.MAX_VALUE);
    }

    /**
     * The parameter {@code name} as a whole number from {@code min} to {@code max}, {@code otherwise} when it is not
     * given; anything else is refused, naming the range: taken as the nearest number in it, {@code limit=-1} gave one
     * record and {@code limit=100000} 500, and a script never learnt that it asked for what it did not get.
     */
    private static long number(Map<String, String> query, String name, long otherwise, long min, long max) {
        String text = query.get(name);
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        String range = max == Long.MAX_VALUE ? " from " + min : " from " + min + " to " + max;
        try {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below, as a number out of range is
        }
        throw new BadNumber(name + " must be a whole number" + range + ", not '" + text + "'");
    }

    private static final class BadNumber extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadNumber(String message) {
            super(message);
        }
    }

    /** The path's segments, each decoded on its own (a run name may hold a slash written as %2F). */
    static List<String> segments(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).map(Api::segment).toList();
    }

    /**
     * A name as a path segment writes it: percent-encoded, or "." and ".." with a ';' after them, as the page writes
     * them (a browser takes a dot segment out of a URL, even as %2E%2E, so the run's page could not be reached). A ';'
     * of any other name comes as %3B.
     */
    static String segment(String raw) {
        if (raw.equals(".;") || raw.equals("..;")) {
            return raw.substring(0, raw.length() - 1);
        }
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(key, value);
        }
        return query;
    }
}
