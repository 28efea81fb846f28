package dev.stride.app;

import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.Metric;
import dev.stride.core.PairedOutcomes;
import dev.stride.core.RunInfo;
import dev.stride.core.RunResults;
import dev.stride.core.Scorer;
import dev.stride.core.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Compares two runs of a database ({@code stride compare}): each answer is scored against its own record's label,
 * and the records both runs answered are paired by id. A label is read as {@code stride score} reads it
 * ({@link RunScorer#label}), so that the two never disagree on which records have one.
 *
 * <p>The store pairs the two runs' records itself and hands them over a page at a time, in run A's input order
 * ({@link RunResults#forEachAnsweredByBoth}); the records one run answered alone it counts
 * ({@link RunResults#answeredAlone}). What is kept here is the counts and a few ids, so memory does not grow with
 * the runs. It reads committed answers only, so it may run beside a run that is still writing; what is not answered
 * yet is simply not compared.
 */
public final class RunComparison {
    /** How many ids of records left out (without a label, or answered by one run only) are named. */
    static final int EXAMPLES = 5;

    private final RunResults results;
    private final Scorer scorer;
    private final Metric metric;
    private final String labelField;

    public RunComparison(RunResults results, Metric metric, String extractRegex, String labelField) {
        this.results = results;
        this.metric = metric;
        this.scorer = Scorer.of(metric, extractRegex);
        this.labelField = labelField;
    }

    /**
     * Compares {@code a} with {@code b}; when {@code differing} is given, it is handed each record where exactly one
     * of them is right, in run A's input order, as the pairs are read.
     */
    public Comparison compare(RunInfo a, RunInfo b, Consumer<Disagreement> differing) {
        Tally tally = new Tally();
        results.forEachAnsweredByBoth(a.id(), b.id(), pair -> {
            String labelA = RunScorer.label(pair.inputA(), labelField).orElse(null);
            // Most comparisons are of two runs of one input: the record read once.
            String labelB = pair.inputB().equals(pair.inputA()) ? labelA
                    : RunScorer.label(pair.inputB(), labelField).orElse(null);
            if (labelA == null || labelB == null) {
                tally.missing++;
                tally.missingIds.offer(pair);
                return;
            }
            // The runs read their records from different inputs, which disagree on this one's label: held each to
            // its own, the same answer would count right for one run and wrong for the other. Not compared. Labels
            // the metric reads alike (" B " and "B" by choice) agree: the metric is what right means here.
            if (!scorer.sameLabel(labelA, pair.inputA(), labelB, pair.inputB())) {
                tally.labelsDiffer++;
                tally.labelsDifferIds.offer(pair);
                return;
            }
            Verdict va = scorer.score(pair.answerA(), labelA, pair.inputA());
            Verdict vb = scorer.score(pair.answerB(), labelB, pair.inputB());
            tally.outcomes = tally.outcomes.plus(va.correct(), vb.correct());
            tally.unparsedA += va.parsed() ? 0 : 1;
            tally.unparsedB += vb.parsed() ? 0 : 1;
            if (differing != null && va.correct() != vb.correct()) {
                differing.accept(new Disagreement(pair.id(), pair.inputA(), labelA, pair.answerA(), pair.answerB(),
                        va.correct(), vb.correct()));
            }
        });
        AnsweredAlone onlyA = results.answeredAlone(a.id(), b.id(), EXAMPLES);
        AnsweredAlone onlyB = results.answeredAlone(b.id(), a.id(), EXAMPLES);
        return new Comparison(a.name(), b.name(), metric, labelField, tally.outcomes, tally.unparsedA,
                tally.unparsedB, onlyA.count(), onlyB.count(), onlyA.firstIds(), onlyB.firstIds(),
                tally.missing, tally.missingIds.ids(), tally.labelsDiffer, tally.labelsDifferIds.ids());
    }

    /**
     * The first {@link #EXAMPLES} ids of some of the pairs, in run B's input order (the pairs come in run A's): the
     * records left out are named as a pass over run B would meet them.
     */
    private static final class FirstInB {
        private final TreeMap<Long, String> bySeqB = new TreeMap<>();

        void offer(AnsweredPair pair) {
            if (bySeqB.size() < EXAMPLES) {
                bySeqB.put(pair.seqB(), pair.id());
            } else if (pair.seqB() < bySeqB.lastKey()) {
                bySeqB.pollLastEntry();
                bySeqB.put(pair.seqB(), pair.id());
            }
        }

        List<String> ids() {
            List<String> ids = new ArrayList<>();
            for (Map.Entry<Long, String> e : bySeqB.entrySet()) {
                ids.add(e.getValue());
            }
            return ids;
        }
    }

    /** The counts of the pass over the pairs, made in a callback. */
    private static final class Tally {
        PairedOutcomes outcomes = PairedOutcomes.NONE;
        long unparsedA;
        long unparsedB;
        long missing;
        final FirstInB missingIds = new FirstInB();
        long labelsDiffer;
        final FirstInB labelsDifferIds = new FirstInB();
    }
}
