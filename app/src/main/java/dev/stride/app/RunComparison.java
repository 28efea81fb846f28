package dev.stride.app;

import dev.stride.core.Metric;
import dev.stride.core.PairedOutcomes;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunResults;
import dev.stride.core.Scorer;
import dev.stride.core.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Compares two runs of a database ({@code stride compare}): each answer is scored against its own record's label,
 * and the records both runs answered are paired by id. A label is read as {@code stride score} reads it
 * ({@link RunScorer#label}), so that the two never disagree on which records have one.
 *
 * <p>It reads each run as a stream, in pages, and keeps in memory one small verdict per record of run A and the
 * records where the runs differ, never the answers of every record: a comparison of runs of millions of records
 * needs tens of megabytes, not the database's size. It reads committed answers only, so it may run beside a run that
 * is still writing; what is not answered yet is simply not compared.
 */
public final class RunComparison {
    /** How many ids of records left out (without a label, or answered by one run only) are named. */
    static final int EXAMPLES = 5;

    private static final byte RIGHT = 1;
    private static final byte PARSED = 2;
    private static final byte NO_LABEL = 4;
    /** Set on a record of run A once run B's answer to it is found. */
    private static final byte MATCHED = 8;
    /** A record's verdict bits are the low byte of its entry; its label's hash is above them. */
    private static final int LABEL_SHIFT = 8;

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
     * of them is right, in run A's input order, after the counts are made.
     */
    public Comparison compare(RunInfo a, RunInfo b, Consumer<Disagreement> differing) {
        // In input order, so that the first few ids answered by A alone can be named
        Map<String, Long> verdictsA = new LinkedHashMap<>();
        results.forEachResult(a.id(), row -> {
            if (row.status() == RecordStatus.DONE) {
                verdictsA.put(row.id(), entry(row));
            }
        });
        Tally tally = new Tally();
        Map<String, SideB> differingB = new HashMap<>();
        results.forEachResult(b.id(), row -> {
            if (row.status() != RecordStatus.DONE) {
                return;
            }
            Long entryA = verdictsA.get(row.id());
            if (entryA == null) {
                tally.onlyB++;
                if (tally.onlyBIds.size() < EXAMPLES) {
                    tally.onlyBIds.add(row.id());
                }
                return;
            }
            tally.matched++;
            verdictsA.put(row.id(), entryA | MATCHED);
            int bitsA = (int) (entryA & 0xFF);
            String label = RunScorer.label(row.inputJson(), labelField).orElse(null);
            if ((bitsA & NO_LABEL) != 0 || label == null) {
                tally.missing++;
                if (tally.missingIds.size() < EXAMPLES) {
                    tally.missingIds.add(row.id());
                }
                return;
            }
            // The runs read their records from different inputs, which disagree on this one's label: held each to
            // its own, the same answer would count right for one run and wrong for the other. Not compared.
            if ((int) (entryA >> LABEL_SHIFT) != label.hashCode()) {
                tally.labelsDiffer++;
                if (tally.labelsDifferIds.size() < EXAMPLES) {
                    tally.labelsDifferIds.add(row.id());
                }
                return;
            }
            Verdict vb = scorer.score(output(row), label, row.inputJson());
            boolean rightA = (bitsA & RIGHT) != 0;
            tally.outcomes = tally.outcomes.plus(rightA, vb.correct());
            tally.unparsedA += (bitsA & PARSED) == 0 ? 1 : 0;
            tally.unparsedB += vb.parsed() ? 0 : 1;
            if (differing != null && rightA != vb.correct()) {
                differingB.put(row.id(), new SideB(output(row), vb.correct()));
            }
        });
        if (differing != null && !differingB.isEmpty()) {
            results.forEachResult(a.id(), row -> {
                SideB sideB = differingB.get(row.id());
                if (sideB != null && row.status() == RecordStatus.DONE) {
                    String label = RunScorer.label(row.inputJson(), labelField).orElse(null);
                    differing.accept(new Disagreement(row.id(), row.inputJson(), label, output(row), sideB.answer(),
                            !sideB.correct(), sideB.correct()));
                }
            });
        }
        List<String> onlyAIds = new ArrayList<>();
        for (Map.Entry<String, Long> e : verdictsA.entrySet()) {
            if (onlyAIds.size() == EXAMPLES || onlyAIds.size() == verdictsA.size() - tally.matched) {
                break;
            }
            if ((e.getValue() & MATCHED) == 0) {
                onlyAIds.add(e.getKey());
            }
        }
        return new Comparison(a.name(), b.name(), metric, labelField, tally.outcomes, tally.unparsedA,
                tally.unparsedB, verdictsA.size() - tally.matched, tally.onlyB, onlyAIds, tally.onlyBIds,
                tally.missing, tally.missingIds, tally.labelsDiffer, tally.labelsDifferIds);
    }

    /** A record of run A: its verdict's bits, and its label's hash above them. */
    private long entry(ResultRow row) {
        String label = RunScorer.label(row.inputJson(), labelField).orElse(null);
        if (label == null) {
            return NO_LABEL;
        }
        Verdict v = scorer.score(output(row), label, row.inputJson());
        return ((long) label.hashCode() << LABEL_SHIFT) | (v.correct() ? RIGHT : 0) | (v.parsed() ? PARSED : 0);
    }

    private static String output(ResultRow row) {
        String text = row.prediction().answer().output();
        return text == null ? "" : text;
    }

    private record SideB(String answer, boolean correct) {
    }

    /** The counts of the second pass, made in a callback. */
    private static final class Tally {
        PairedOutcomes outcomes = PairedOutcomes.NONE;
        long matched;
        long onlyB;
        long unparsedA;
        long unparsedB;
        long missing;
        final List<String> missingIds = new ArrayList<>();
        long labelsDiffer;
        final List<String> labelsDifferIds = new ArrayList<>();
        final List<String> onlyBIds = new ArrayList<>();
    }
}
