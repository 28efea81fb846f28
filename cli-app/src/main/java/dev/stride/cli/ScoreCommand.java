package dev.stride.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.app.RunScorer;
import dev.stride.app.ScoreReport;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Metric;
import dev.stride.core.RunInfo;
import dev.stride.core.Scorer;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.ScoreBook;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stride score}: scores a run's answers against a field of its input records, stores the scores (table
 * {@code scores}, view {@code scoreboard}) and prints the accuracy. Only answers not scored yet are scored, so it
 * may be called again at any time, also while the run is writing.
 */
@Command(name = "score", mixinStandardHelpOptions = true)
final class ScoreCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CliContext context;

    ScoreCommand(CliContext context) {
        this.context = context;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOrConfig database;

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Option(names = "--label-field", paramLabel = "FIELD")
    String labelField;

    @Option(names = "--metric", paramLabel = "METRIC", completionCandidates = ValueCandidates.Metrics.class)
    String metric;

    @Option(names = "--extract", paramLabel = "REGEX")
    String extract;

    @Option(names = "--again")
    boolean again;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() throws Exception {
        database.resolve(Set.of("db", "run")); // run's file: its other keys mean other things here
        // Settings first: a typo in --metric or --extract is said before any database is opened. --extract alone is
        // the regex metric's, the only one that takes an expression.
        Scorer given = metric == null && extract == null ? null
                : Scorer.of(metric == null ? Metric.REGEX : Metric.parse(metric), extract);
        if (database.file != null) {
            DbFile.requireExists(database.file);
        }
        ScoreReport report;
        AtomicBoolean stop = new AtomicBoolean();
        // Listening before the file is first touched: a Ctrl+C during the upgrade ends the scoring as a stop, with
        // the file closed, rather than by the JVM's default action with a connection open and its -wal left beside.
        try (AutoCloseable listening = context.signals().onInterrupt(() -> stop.set(true))) {
            // The book would upgrade it as it opens, unsaid: said here, or refused where it cannot be written.
            if (database.file != null) {
                DbFile.upgradeIfOlder(database.file, spec);
            } else {
                DbFile.upgradeIfOlder(database.postgres, spec);
            }
            report = score(given, stop);
        } catch (RunScorer.Stopped e) {
            // --again starts over: the rest still hold their earlier verdicts, which a plain score would keep.
            throw UserError.of(ExitCodes.INTERRUPTED, again ? "msg.score.interruptedAgain" : "msg.score.interrupted",
                    Numbers.grouped(e.saved()), database.named());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(report, source));
        } else {
            ScoreLines.print(out, Messages.of(spec), report, source);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Where the metric scored by came from: the options, the run's own scoring, or the default. */
    enum Source {
        GIVEN, AS_SCORED, DEFAULT
    }

    private Source source;

    /** The book first: it brings an older database's schema up to V10, which the read-only store then finds. */
    private ScoreReport score(Scorer given, AtomicBoolean stop) {
        try (ScoreBook book = database.postgres != null ? ScoreBook.open(database.postgres)
                : ScoreBook.open(database.file);
             CheckpointStore store = database.postgres != null ? PostgresCheckpointStore.openReadOnly(database.postgres)
                     : SqliteCheckpointStore.openReadOnly(database.file)) {
            RunInfo chosen = chooseRun(store);
            RunScorer scorer = scorerFor(book, chosen, given);
            scorer.refuseUnlabelled(book, chosen);
            return scorer.score(book, chosen, again, stop::get);
        }
    }

    /**
     * What the options leave open, taken from the run's own scoring (as status shows its accuracy): scored once live by
     * choice, the run is not read anew by normalized, which would disagree with every other view of it.
     */
    private RunScorer scorerFor(ScoreBook book, RunInfo run, Scorer given) {
        if (given != null && labelField != null) {
            source = Source.GIVEN;
            return new RunScorer(given, labelField);
        }
        Optional<ScoreBook.Key> own = book.ownScoring(run.id(), labelField);
        String field = labelField != null ? labelField : own.map(ScoreBook.Key::labelField)
                .orElseThrow(() -> UserError.usageOf("msg.score.labelFieldRequired", run.name()));
        if (given != null) {
            source = Source.GIVEN;
            return new RunScorer(given, field);
        }
        if (own.isEmpty()) {
            source = Source.DEFAULT;
            return new RunScorer(Scorer.of(Metric.DEFAULT, null), field);
        }
        source = Source.AS_SCORED;
        ScoreBook.Key key = own.get();
        return new RunScorer(Scorer.of(Metric.parse(key.metric()), key.extract().isEmpty() ? null : key.extract()),
                field);
    }

    private RunInfo chooseRun(CheckpointStore store) {
        if (run != null) {
            return store.findRun(run).orElseThrow(() -> UserError.usageOf("msg.noSuchRun",
                    database.named(), run, ClearCommand.knownRuns(store, run)));
        }
        List<RunInfo> runs = store.listRuns();
        if (runs.size() == 1) {
            return runs.get(0);
        }
        if (runs.isEmpty()) {
            throw UserError.usageOf("msg.noRunYet", database.named(), ShellWords.quoted(database.named().toString()));
        }
        throw UserError.usageOf("msg.score.nameTheRun", ClearCommand.knownRuns(store));
    }

    static String toJson(ScoreReport r, Source source) {
        ObjectNode o = JSON.createObjectNode();
        o.put("run", r.run());
        o.put("metric", r.metric());
        // given, as_scored or default: whether the metric is the run's own or the default for a run never scored
        o.put("metric_from", source.name().toLowerCase(Locale.ROOT));
        o.put("label_field", r.labelField());
        if (r.extract() != null) {
            o.put("extract", r.extract());
        }
        o.put("scored", r.accuracy().scored());
        o.put("correct", r.accuracy().correct());
        if (r.accuracy().scored() == 0) {
            // Nothing scored has no accuracy: 0.0 would read as every answer wrong, an interval of 0 to 0 as certain.
            o.putNull("accuracy");
            o.putNull("ci_low");
            o.putNull("ci_high");
        } else {
            o.put("accuracy", r.accuracy().value());
            o.put("ci_low", r.accuracy().low());
            o.put("ci_high", r.accuracy().high());
        }
        o.put("unparsed", r.unparsed());
        o.put("newly_scored", r.newlyScored());
        o.put("missing_label", r.missingLabel());
        o.putPOJO("missing_label_ids", r.missingLabelIds());
        o.put("failed", r.failed());
        o.put("pending", r.pending());
        return o.toString();
    }
}
