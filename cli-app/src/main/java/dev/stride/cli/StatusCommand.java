package dev.stride.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.RunInfo;
import dev.stride.core.ShownState;
import dev.stride.core.WorkerInfo;
import dev.stride.db.Board;
import dev.stride.db.FileAlone;
import dev.stride.db.OrphanWorkers;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.RunLook;
import dev.stride.db.RunsLook;
import dev.stride.db.RunTotals;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true)
final class StatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter LOCAL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOrConfig database;

    @Option(names = "--json")
    boolean json;

    @Option(names = "--price-in", paramLabel = "USD")
    Double priceIn;

    @Option(names = "--price-out", paramLabel = "USD")
    Double priceOut;

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Override
    public Integer call() throws Exception {
        database.resolve();
        // before the database is looked at: one price alone is refused with --run as without it
        RunSummary.Prices prices = RunSummary.Prices.of(priceIn, priceOut);
        // A -wal or -shm beside the file: a stride had it open, or has. Looked at before this command opens it, which
        // may leave a reader's own.
        boolean opened = database.postgres == null && sideFilesBeside(database.file);
        if (database.postgres == null) {
            DbFile.requireExists(database.file);
            DbFile.upgradeIfOlder(database.file, spec);
            // A file copied while its run was going names that run's workers, leased still; none of them works on
            // the copy, which no process has open: shown live, it read as a run going on at their pace. Only for a
            // file that holds everything itself: ending their leases writes, and would fold in a WAL that a killed
            // stride left behind, which status is to report as it is.
            if (FileAlone.look(database.file, Instant.now(), DbFile.STALE_AFTER).state() == FileAlone.State.WHOLE) {
                OrphanWorkers.endIfFileAlone(database.file);
            }
        } else {
            DbFile.upgradeIfOlder(database.postgres, spec);
        }
        if (run != null) {
            return showRun(prices);
        }
        List<RunInfo> runs;
        Map<Long, List<WorkerInfo>> workers = new HashMap<>();
        Set<Long> allGone = new HashSet<>(); // runs whose every worker on record is gone: nobody works on them
        Instant now = Instant.now();
        Map<String, RunTotals> totals;
        FileAlone alone = null; // a PostgreSQL database is no file: nothing to say about its WAL
        boolean cleared = false; // a file without runs that held some: rows were deleted from it
        if (database.postgres != null) {
            try (PostgresCheckpointStore store = PostgresCheckpointStore.openReadOnly(database.postgres)) {
                // What the workers stored is stamped on the server's clock: so are live, stale and the pace judged.
                now = store.clock().instant();
                RunsLook look = store.lookAtRuns(now, LiveRate.WINDOW);
                runs = look.runs();
                totals = look.totals();
                readWorkers(look, workers, allGone);
            }
        } else {
            try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(database.file)) {
                RunsLook look = store.lookAtRuns(now, LiveRate.WINDOW);
                runs = look.runs();
                totals = look.totals();
                readWorkers(look, workers, allGone);
                cleared = runs.isEmpty() && store.hasFreedPages();
            }
            alone = FileAlone.look(database.file, now, DbFile.STALE_AFTER);
        }
        Map<String, Board.RunScores> scores = runs.isEmpty() ? Map.of() : scoreboards();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, runs, allGone, totals, prices, now, alone, workers, scores);
        } else {
            if (runs.isEmpty()) {
                // A file: the first run is stored once its input is read, and a kill -9 while reading leaves the
                // tables alone. Said first, since that is what the walk that killed a run there met most.
                out.println(Messages.of(spec).get(cleared ? "msg.status.noRuns.cleared"
                        : database.file != null ? "msg.status.noRuns.file" : "msg.status.noRuns", database.named()));
                if (database.file != null && !cleared && alone.state() == FileAlone.State.WHOLE && !opened) {
                    // What a plain cp of the file in a run's first seconds gives: its commits still all in the WAL,
                    // which was not copied. Not for a file whose runs were cleared (their pages are free, which a
                    // file that never held a run's rows has none of), nor one with a -wal or -shm beside it: that is
                    // the file a stride had open, reading its input now or killed while it did, not a copy of it.
                    out.println(Messages.of(spec).get("msg.status.noRuns.copied"));
                }
            } else {
                printTable(out, Messages.of(spec), runs, allGone, workers, totals, prices, now, scores);
                ShardLines.printText(out, Messages.of(spec), runs);
                for (RunInfo r : runs) {
                    WorkerLines.printText(out, Messages.of(spec), r, workers.get(r.id()), now);
                }
            }
            if (alone != null) {
                out.println(DbFile.describe(alone, Messages.of(spec)));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Whether a -wal or -shm lies beside the file: what SQLite leaves while, or after, a process had it open. */
    private static boolean sideFilesBeside(Path file) {
        return Files.exists(Path.of(file + "-wal")) || Files.exists(Path.of(file + "-shm"));
    }

    /** The run's scoreboard, or null for a run never scored. */
    private Board.RunScores scoreboard(String name) {
        try (Board board = database.board()) {
            return board.scoreboard(name).orElse(null);
        }
    }

    /** Every scored run's scoreboard, read after the runs: a run scored in between shows at the next look. */
    private Map<String, Board.RunScores> scoreboards() {
        try (Board board = database.board()) {
            return board.scoreboards();
        }
    }

    /** Each run's live workers, and the runs whose workers on record are all gone. */
    private static void readWorkers(RunsLook look, Map<Long, List<WorkerInfo>> workers, Set<Long> allGone) {
        look.workers().forEach((id, w) -> {
            workers.put(id, w.live());
            if (w.allGone()) {
                allGone.add(id);
            }
        });
    }

    private int showRun(RunSummary.Prices prices) throws Exception {
        RunInfo info;
        List<WorkerInfo> workers;
        Instant now = Instant.now();
        RunDetailView view;
        if (database.postgres != null) {
            try (PostgresCheckpointStore store = PostgresCheckpointStore.openReadOnly(database.postgres)) {
                now = store.clock().instant();
                RunLook look = store.lookAtRun(run, now, LiveRate.WINDOW).orElseThrow(() -> UserError.usageOf(
                        "msg.noSuchRun", database.postgres, run, ClearCommand.knownRuns(store, run)));
                info = look.info();
                workers = look.workers().live();
                view = new RunDetailView(info, look.workers().allGone(), workers, look.report(), look.totals(), now,
                        null, prices, scoreboard(run));
            }
        } else {
            RunLook look;
            try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(database.file)) {
                look = store.lookAtRun(run, now, LiveRate.WINDOW).orElseThrow(() -> UserError.usageOf(
                        "msg.noSuchRun", database.file, run, ClearCommand.knownRuns(store, run)));
            }
            info = look.info();
            workers = look.workers().live();
            view = new RunDetailView(info, look.workers().allGone(), workers, look.report(), look.totals(), now,
                    FileAlone.look(database.file, now, DbFile.STALE_AFTER), prices, scoreboard(run));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Instant at = now;
            view.printJson(out, o -> {
                ShardLines.putJson(o, info);
                WorkerLines.putJson(o, workers, at);
            });
        } else {
            view.printText(out, Messages.of(spec));
            ShardLines.printText(out, Messages.of(spec), List.of(info));
            WorkerLines.printText(out, Messages.of(spec), info, workers, now);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** A column of the table: its header, least width, and whether its cells are left-aligned. */
    private record Column(String header, int width, boolean left) {
    }

    /**
     * RUN and MODEL left-aligned, the figures right-aligned, SAVED AT left, then STATE (and COST, with prices) as
     * they come. ACCURACY only where a run is scored: a file of unlabelled runs keeps the table it had.
     */
    private static void printTable(PrintWriter out, Messages messages, List<RunInfo> runs, Set<Long> allGone,
                                   Map<Long, List<WorkerInfo>> workers, Map<String, RunTotals> totals,
                                   RunSummary.Prices prices, Instant now, Map<String, Board.RunScores> scores) {
        boolean scored = !scores.isEmpty();
        List<Column> columns = new ArrayList<>(List.of(new Column(messages.get("msg.status.col.run"), 0, true),
                new Column(messages.get("msg.status.col.model"), 0, true),
                new Column(messages.get("msg.status.col.progress"), 18, false),
                new Column(messages.get("msg.status.col.failed"), 6, false),
                new Column(messages.get("msg.status.col.truncated"), 9, false),
                new Column(messages.get("msg.status.col.tokens"), 15, false)));
        if (scored) {
            columns.add(new Column(messages.get("msg.status.col.accuracy"), 8, false));
        }
        columns.addAll(List.of(new Column(messages.get("msg.status.col.rate"), 8, false),
                new Column(messages.get("msg.status.col.eta"), 8, false),
                new Column(messages.get("msg.status.col.elapsed"), 9, false),
                new Column(messages.get("msg.status.col.savedAt"), 19, true)));
        List<String> header = new ArrayList<>(columns.stream().map(Column::header).toList());
        header.add(messages.get("msg.status.col.state"));
        header.add(prices.known() ? messages.get("msg.status.col.cost") : "");
        List<List<String>> rows = new ArrayList<>();
        for (RunInfo r : runs) {
            RunTotals t = totals.getOrDefault(r.name(), RunTotals.NONE);
            LiveRate live = LiveRate.of(r, allGone.contains(r.id()), t, now, workers.get(r.id()));
            // Counts grouped as the run's lines group them (1,794/55,614): the JSON twin keeps plain numbers.
            String progress = String.format(Locale.ROOT, "%,d/%,d (%.1f%%)", r.done(), r.total(), percent(r));
            List<String> row = new ArrayList<>(List.of(r.name(), r.model(), progress, Numbers.grouped(r.failed()),
                    Numbers.grouped(r.truncated()), Numbers.compact(t.tokensIn()) + "/" + Numbers.compact(t.tokensOut())));
            if (scored) {
                Board.RunScores s = scores.get(r.name());
                row.add(s == null ? "-" : s.headline().map(h -> ScoreLines.percent(h.accuracy())).orElse("-"));
            }
            row.addAll(List.of(live == null ? "-" : String.format(Locale.ROOT, "%.1f/s", live.perSecond()),
                    live == null ? "-" : live.shownEta(),
                    Durations.human(r.elapsedMs()), r.savedAt() == null ? "-" : LOCAL_TIME.format(r.savedAt()),
                    ShownState.label(r, allGone.contains(r.id()), workers.get(r.id()), now), prices.known()
                            ? RunSummary.Prices.money(prices.cost(t.tokensIn(), t.tokensOut())) : ""));
            rows.add(row);
        }
        int[] widths = new int[columns.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(columns.get(i).width(), TextWidth.of(header.get(i)));
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], TextWidth.of(row.get(i)));
            }
        }
        out.println(tableLine(columns, header, widths, prices.known()));
        for (List<String> row : rows) {
            out.println(tableLine(columns, row, widths, prices.known()));
        }
    }

    private static String tableLine(List<Column> columns, List<String> cells, int[] widths, boolean cost) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            line.append(columns.get(i).left() ? TextWidth.padRight(cells.get(i), widths[i])
                    : TextWidth.padLeft(cells.get(i), widths[i])).append("  ");
        }
        line.append(cells.get(widths.length)).append(cost ? "  " : "").append(cells.get(widths.length + 1));
        return line.toString();
    }

    private static void printJson(PrintWriter out, List<RunInfo> runs, Set<Long> allGone,
                                  Map<String, RunTotals> totals,
                                  RunSummary.Prices prices, Instant now, FileAlone alone,
                                  Map<Long, List<WorkerInfo>> workers, Map<String, Board.RunScores> scores)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode array = mapper.createArrayNode();
        for (RunInfo r : runs) {
            RunTotals t = totals.getOrDefault(r.name(), RunTotals.NONE);
            LiveRate live = LiveRate.of(r, allGone.contains(r.id()), t, now, workers.get(r.id()));
            ObjectNode o = array.addObject();
            o.put("run", r.name());
            o.put("model", r.model());
            o.put("base_url", String.join(" ", r.baseUrls()));
            r.baseUrls().forEach(o.putArray("base_urls")::add);
            RunJson.progress(o, r, ShownState.label(r, allGone.contains(r.id()), workers.get(r.id()), now), t,
                    live);
            RunJson.fileAlone(o, alone);
            ShardLines.putJson(o, r);
            WorkerLines.putJson(o, workers.get(r.id()), now);
            RunJson.cost(o, prices, t);
            RunJson.scores(o, scores.get(r.name()));
        }
        out.println(mapper.writeValueAsString(array));
    }

    private static double percent(RunInfo r) {
        return r.total() == 0 ? 0 : r.done() * 100.0 / r.total();
    }
}
