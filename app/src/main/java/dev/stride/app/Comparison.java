package dev.stride.app;

import dev.stride.core.Accuracy;
import dev.stride.core.Metric;
import dev.stride.core.PairedOutcomes;
import java.util.List;

/**
 * Two runs held against the same labels, on the records both answered (matched by record id).
 *
 * @param outcomes             the paired table: both right, only A, only B, both wrong
 * @param unparsedA            compared records where A's answer held no recognisable answer (counted wrong)
 * @param unparsedB            the same for B
 * @param answeredOnlyByA      records A answered that B has not (pending, failed or absent there): not compared
 * @param answeredOnlyByB      the same the other way round
 * @param onlyByAExamples      the first few ids of those answered by A only, in A's input order
 * @param onlyByBExamples      the same for B, in B's input order
 * @param missingLabel         records both answered whose label field is missing or empty: not compared
 * @param missingLabelExamples the first few of their ids
 * @param labelsDiffer         records both answered whose label differs between the two runs' inputs: not compared
 * @param labelsDifferExamples the first few of their ids
 */
public record Comparison(String runA, String runB, Metric metric, String labelField, PairedOutcomes outcomes,
                         long unparsedA, long unparsedB, long answeredOnlyByA, long answeredOnlyByB,
                         List<String> onlyByAExamples, List<String> onlyByBExamples, long missingLabel,
                         List<String> missingLabelExamples, long labelsDiffer, List<String> labelsDifferExamples) {

    public Comparison {
        onlyByAExamples = List.copyOf(onlyByAExamples);
        onlyByBExamples = List.copyOf(onlyByBExamples);
        missingLabelExamples = List.copyOf(missingLabelExamples);
        labelsDifferExamples = List.copyOf(labelsDifferExamples);
    }

    /** Records compared. */
    public long compared() {
        return outcomes.total();
    }

    public Accuracy accuracyA() {
        return outcomes.accuracyA();
    }

    public Accuracy accuracyB() {
        return outcomes.accuracyB();
    }

    /** The exact McNemar p-value of "the two models are equally accurate". */
    public double pValue() {
        return outcomes.pValue();
    }
}
