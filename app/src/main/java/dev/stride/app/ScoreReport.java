package dev.stride.app;

import dev.stride.core.Accuracy;
import java.util.List;

/**
 * What scoring a run found: the accuracy of the answers that could be scored, and why the others were not.
 *
 * @param run              the run's name
 * @param metric           the metric's id
 * @param labelField       the input field holding the label
 * @param extract          the regex metric's expression, null for other metrics
 * @param accuracy         correct of scored (unparsed answers are scored and wrong), with its 95% Wilson interval
 * @param unparsed         scored answers in which no answer was recognised
 * @param newlyScored      answers this call scored (the others had a score that still held)
 * @param missingLabel     done answers whose record has no such field (or an empty one): not scored
 * @param missingLabelIds  the first few of those records' ids
 * @param failed           records that failed: not scored
 * @param pending          records not yet answered: not scored
 */
public record ScoreReport(String run, String metric, String labelField, String extract, Accuracy accuracy,
                          long unparsed, long newlyScored, long missingLabel, List<String> missingLabelIds,
                          long failed, long pending) {

    public ScoreReport {
        missingLabelIds = List.copyOf(missingLabelIds);
    }
}
