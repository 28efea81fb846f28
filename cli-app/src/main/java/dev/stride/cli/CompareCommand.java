package dev.stride.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.app.ComparedScoring;
import dev.stride.app.Comparison;
import dev.stride.app.Disagreement;
import dev.stride.app.RunComparison;
import dev.stride.core.Accuracy;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Metric;
import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.SqliteCheckpointStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stride compare --db DB RUN_A RUN_B}: how two runs (two models over the same labelled input) did on the
 * records both answered, and whether the difference could be chance. The work is {@link RunComparison}'s; this
 * command finds the runs, words the result and writes the records where the two differ.
 */
@Command(name = "compare", mixinStandardHelpOptions = true)
final class CompareCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOrConfig database;

    @Parameters(index = "0", paramLabel = "RUN_A", descriptionKey = "RUN_A")
    String runA;

    @Parameters(index = "1", paramLabel = "RUN_B", descriptionKey = "RUN_B")
    String runB;

    @Option(names = "--label-field", paramLabel = "FIELD")
    String labelField;

    @Option(names = "--metric", paramLabel = "M", completionCandidates = ValueCandidates.Metrics.class)
    String metric;

    @Option(names = "--extract", paramLabel = "REGEX")
    String extract;

    @Option(names = "--json")
    boolean json;

    @Option(names = {"-o", "--output"}, paramLabel = "DIFF.jsonl")
    Path output;

    /** The database as messages name it: the file, or the URL without its password. */
    private Object where() {
        return database.named();
    }

    private final CliContext context;

    CompareCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        database.resolve(Set.of("db")); // run's file: its other keys mean other things here
        if (output == null) {
            // Nothing written but the summary at the end: a stop ends the process as it would any look.
            return compare(new InterruptibleOutput.Stop());
        }
        return InterruptibleOutput.run(context.signals(), output, new InterruptibleOutput.Words(
                "msg.compare.interruptedStdout", "msg.compare.interruptedStream", "msg.compare.interruptedNew",
                "msg.compare.interruptedInto"), this::compare);
    }

    private int compare(InterruptibleOutput.Stop stop) throws IOException {
        if (metric != null) {
            Metric.parse(metric); // an unknown metric is refused before the database is opened
        }
        boolean toStandardOutput = OutputFile.isStandardOutput(output);
        if (output != null && !toStandardOutput) {
            OutputFile.refuseAnyDatabase(output, database.file);
        }
        if (database.file != null) {
            DbFile.requireExists(database.file);
            DbFile.upgradeIfOlder(database.file, spec);
            DbFile.warnIfLeftBehind(database.file, spec, false);
        } else {
            DbFile.upgradeIfOlder(database.postgres, spec);
        }
        try (CheckpointStore store = database.postgres != null ? PostgresCheckpointStore.openReadOnly(database.postgres)
                : SqliteCheckpointStore.openReadOnly(database.file)) {
            RunInfo a = find(store, runA);
            RunInfo b = find(store, runB);
            if (output != null && !toStandardOutput) {
                OutputFile.refuseInput(output, store, where());
            }
            if (a.id() == b.id()) {
                throw UserError.usageOf("msg.compare.sameRun", a.name());
            }
            boolean metricGiven = metric != null || extract != null;
            ComparedScoring.Chosen chosenScoring = labelField != null && metricGiven
                    ? new ComparedScoring.Chosen(labelField, null) : storedScoring(a, b, metricGiven);
            String field = chosenScoring.labelField();
            ComparedScoring.Scoring stored = chosenScoring.stored();
            Metric chosen;
            String expression = extract;
            if (metric != null) {
                chosen = Metric.parse(metric);
            } else if (extract != null) {
                chosen = Metric.REGEX; // --extract alone: the regex metric is the only one that takes an expression
            } else if (stored != null) {
                chosen = Metric.parse(stored.metric());
                expression = stored.extract();
            } else {
                chosen = Metric.DEFAULT; // a label field named that the runs were not both scored against
            }
            RunComparison comparison = new RunComparison(store, chosen, expression, field);
            Comparison result;
            AtomicLong written = new AtomicLong();
            if (output == null) {
                result = comparison.compare(a, b, null);
            } else if (toStandardOutput) {
                result = printDifferences(comparison, a, b, written, stop);
            } else {
                result = writeDifferences(comparison, a, b, written, stop);
            }
            refuseEmpty(result);
            // With -o -, standard output holds the differences alone (for jq or a file), so the summary is on stderr.
            PrintWriter out = toStandardOutput ? spec.commandLine().getErr() : spec.commandLine().getOut();
            if (json) {
                out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                        json(result, written.get())));
            } else {
                ComparisonText.print(result, toStandardOutput ? null : output, written.get(), Messages.of(spec),
                        out);
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    private RunInfo find(CheckpointStore store, String name) {
        return store.findRun(name).orElseThrow(() -> UserError.usageOf("msg.noSuchRun", where(), name,
                ClearCommand.knownRuns(store, name)));
    }

    /** Nothing compared is an error, not a table of zeros: the runs share no answered record, or no label. */
    private static void refuseEmpty(Comparison c) {
        if (c.compared() > 0) {
            return;
        }
        if (c.labelsDiffer() > 0) {
            throw UserError.usageOf("msg.compare.allLabelsDiffer", c.labelsDiffer(), c.labelField(),
                    String.join(", ", c.labelsDifferExamples()));
        }
        if (c.missingLabel() > 0) {
            throw UserError.usageOf("msg.compare.noLabels", c.missingLabel(), c.labelField(),
                    String.join(", ", c.missingLabelExamples()));
        }
        throw UserError.usageOf("msg.compare.nothingInCommon", c.runA(), c.runB(), c.answeredOnlyByA(),
                c.answeredOnlyByB());
    }

    /**
     * What the options leave open, taken from how both runs were scored (stride score, stride run --label-field)
     * as the dashboard takes it ({@link ComparedScoring}); an error when it cannot be told.
     */
    private ComparedScoring.Chosen storedScoring(RunInfo a, RunInfo b, boolean metricGiven) {
        List<ComparedScoring.Scoring> scoringsA = StoredScoring.of(database.file, database.postgres, a.name());
        List<ComparedScoring.Scoring> scoringsB = StoredScoring.of(database.file, database.postgres, b.name());
        ComparedScoring.Choice choice = ComparedScoring.choose(scoringsA, scoringsB, labelField, metricGiven);
        if (choice instanceof ComparedScoring.Chosen chosen) {
            return chosen;
        }
        ComparedScoring.Refused refused = (ComparedScoring.Refused) choice;
        throw switch (refused.reason()) {
            // Both scored, each against its own label fields: saying they were not both scored would send the user
            // looking for a scoring that is there.
            case NOT_BOTH_SCORED -> scoringsA.isEmpty() || scoringsB.isEmpty()
                    ? notScored(a, scoringsA, b, scoringsB)
                    : UserError.usageOf("msg.compare.differentLabelFields", a.name(), labelFields(scoringsA),
                            b.name(), labelFields(scoringsB));
            case SEVERAL_LABEL_FIELDS -> UserError.usageOf("msg.compare.labelFieldAmbiguous",
                    String.join(", ", refused.labelFields()));
            case DIFFERENT_METRICS -> UserError.usageOf("msg.compare.differentMetrics", a.name(),
                    String.join(", ", refused.metricsA()), b.name(), String.join(", ", refused.metricsB()),
                    refused.labelField(), refused.metricsB().get(0));
            case SEVERAL_METRICS -> UserError.usageOf("msg.compare.severalMetrics", refused.labelField(),
                    String.join(", ", refused.metricsA()), String.join(", ", refused.metricsB()), a.name(),
                    b.name());
        };
    }

    /**
     * One run or both not scored: which, and the command that scores each; by the other run's way when it was
     * scored one way, so that the two can then be compared by it.
     */
    private UserError notScored(RunInfo a, List<ComparedScoring.Scoring> scoringsA, RunInfo b,
                                List<ComparedScoring.Scoring> scoringsB) {
        List<ComparedScoring.Scoring> scored = scoringsA.isEmpty() ? scoringsB : scoringsA;
        String way = scored.size() == 1 ? "--label-field " + ShellWords.quoted(scored.get(0).labelField())
                + " --metric " + scored.get(0).metric() + (scored.get(0).extract() == null ? ""
                : " --extract " + ShellWords.quoted(scored.get(0).extract()))
                : "--label-field FIELD --metric M";
        List<String> commands = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (RunInfo r : scoringsA.isEmpty() && scoringsB.isEmpty() ? List.of(a, b)
                : List.of(scoringsA.isEmpty() ? a : b)) {
            names.add("'" + r.name() + "'");
            commands.add("stride score --db " + ShellWords.quoted(where().toString()) + " --run "
                    + ShellWords.quoted(r.name()) + " " + way);
        }
        return UserError.usageOf("msg.compare.notScored", names.size(), String.join(" and ", names),
                String.join("; ", commands), way);
    }

    private static String labelFields(List<ComparedScoring.Scoring> scorings) {
        return String.join(", ", new TreeSet<>(scorings.stream().map(ComparedScoring.Scoring::labelField).toList()));
    }

    /** Compares and writes the differing records to a temporary file, renamed to {@link #output} when all is well. */
    private Comparison writeDifferences(RunComparison comparison, RunInfo a, RunInfo b, AtomicLong written,
                                        InterruptibleOutput.Stop stop) {
        return OutputFile.write(output, database.file, file -> {
            Comparison result;
            // The file's stream is closed on its own: a writer whose last flush fails (a full disk) leaves it open.
            try (OutputStream raw = Files.newOutputStream(file);
                 BufferedWriter w = new BufferedWriter(new OutputStreamWriter(raw,
                         StandardCharsets.UTF_8.newEncoder()))) {
                result = comparison.compare(a, b, d -> {
                    stop.check();
                    try {
                        w.write(line(d));
                        w.write('\n');
                        written.incrementAndGet();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            // Asked after the whole was written, before its name: it goes, as a stop asks.
            stop.check();
            refuseEmpty(result);
            return result;
        });
    }

    /** Compares and prints the differing records on standard output, one JSON line each, as they are found. */
    private Comparison printDifferences(RunComparison comparison, RunInfo a, RunInfo b, AtomicLong written,
                                        InterruptibleOutput.Stop stop) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Comparison result;
        try {
            result = comparison.compare(a, b, d -> {
                stop.check();
                try {
                    out.write(line(d));
                    out.write('\n');
                    written.incrementAndGet();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            out.flush(); // what was written before a stop, whole lines, before the line that says so
        }
        stop.check();
        return result;
    }

    static String line(Disagreement d) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", d.id());
        o.set("input", JSON.readTree(d.inputJson()));
        o.put("label", d.label());
        o.put("answer_a", d.answerA());
        o.put("answer_b", d.answerB());
        o.put("correct_a", d.correctA());
        o.put("correct_b", d.correctB());
        return JSON.writeValueAsString(o);
    }

    private static ObjectNode json(Comparison c, long written) {
        ObjectNode o = JSON.createObjectNode();
        o.put("run_a", c.runA());
        o.put("run_b", c.runB());
        o.put("metric", c.metric().id());
        o.put("label_field", c.labelField());
        o.put("compared", c.compared());
        side(o.putObject("a"), c.accuracyA(), c.unparsedA());
        side(o.putObject("b"), c.accuracyB(), c.unparsedB());
        o.put("both_right", c.outcomes().bothRight());
        o.put("only_a_right", c.outcomes().onlyARight());
        o.put("only_b_right", c.outcomes().onlyBRight());
        o.put("both_wrong", c.outcomes().bothWrong());
        o.put("p_value", c.pValue());
        o.put("answered_only_by_a", c.answeredOnlyByA());
        o.put("answered_only_by_b", c.answeredOnlyByB());
        c.onlyByAExamples().forEach(o.putArray("answered_only_by_a_ids")::add);
        c.onlyByBExamples().forEach(o.putArray("answered_only_by_b_ids")::add);
        o.put("missing_label", c.missingLabel());
        c.missingLabelExamples().forEach(o.putArray("missing_label_ids")::add);
        o.put("labels_differ", c.labelsDiffer());
        c.labelsDifferExamples().forEach(o.putArray("labels_differ_ids")::add);
        o.put("differences_written", written);
        return o;
    }

    private static void side(ObjectNode o, Accuracy accuracy, long unparsed) {
        o.put("correct", accuracy.correct());
        o.put("accuracy", accuracy.value());
        o.put("ci_low", accuracy.low());
        o.put("ci_high", accuracy.high());
        o.put("unparsed", unparsed);
    }
}
