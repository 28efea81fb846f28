package dev.stride.core;

import java.util.List;

/**
 * What syncing a run with its input changed (or, for a preview, would change).
 *
 * @param created      the run did not exist before
 * @param total        records in the run now
 * @param added        records new to the run
 * @param edited       records whose content changed, and with it the request stride sends for them; their outputs
 *                     were dropped, so they are done again
 * @param removed      records no longer in the input; dropped from the run with their outputs
 * @param removedAnswers how many of the removed records had an answer (a completed prediction): the paid work a
 *                     sync that drops them throws away
 * @param editedAnswers how many of the edited records had an answer, dropped to be asked again
 * @param answersBefore the run's answers before the sync
 * @param addedIds     the first few added ids ({@link #NAMED} at most), in input order
 * @param editedIds    the first few edited ids, in input order
 * @param removedIds   the first few removed ids, in their old order
 * @param removedAnsweredIds the first few removed ids that had an answer, in their old order: the ones a refusal to
 *                     drop answers names (a removed record without one goes without asking)
 * @param editedAnsweredIds the first few edited ids that had an answer, in input order
 * @param relabelled   records whose content changed only in fields their request does not use (a corrected label):
 *                     the request is the one sent before, so their stored content is replaced and their outcomes kept
 * @param relabelledIds the first few of those ids, in input order
 * @param done         records with a completed output after the sync
 * @param failed       records stored as failed after the sync
 */
public record SyncReport(boolean created, long total, long added, long edited, long removed, long removedAnswers,
                         long editedAnswers, long answersBefore, List<String> addedIds, List<String> editedIds,
                         List<String> removedIds, List<String> removedAnsweredIds, List<String> editedAnsweredIds,
                         long relabelled, List<String> relabelledIds, long done, long failed) {

    /** How many ids of each kind a report names. */
    public static final int NAMED = 5;

    public SyncReport {
        addedIds = addedIds == null ? List.of() : List.copyOf(addedIds);
        editedIds = editedIds == null ? List.of() : List.copyOf(editedIds);
        removedIds = removedIds == null ? List.of() : List.copyOf(removedIds);
        removedAnsweredIds = removedAnsweredIds == null ? List.of() : List.copyOf(removedAnsweredIds);
        editedAnsweredIds = editedAnsweredIds == null ? List.of() : List.copyOf(editedAnsweredIds);
        relabelledIds = relabelledIds == null ? List.of() : List.copyOf(relabelledIds);
    }

    /** The counts alone, as before ids were named. */
    public SyncReport(boolean created, long total, long added, long edited, long removed) {
        this(created, total, added, edited, removed, 0, 0, 0, List.of(), List.of(), List.of(), List.of(), List.of(), 0,
                List.of(), 0, 0);
    }

    public boolean changedRecords() {
        return !created && (added > 0 || edited > 0 || removed > 0 || relabelled > 0);
    }

    /**
     * Whether the sync drops answers that only the user can say may go: any answer of a record the input no longer
     * has (a sample of the input, or a mistyped id field, looks just like that), and those of changed records when they
     * are most of the run's answers (another file whose ids, or line numbers, are the run's looks like that; a few
     * corrected records do not). Records edited only where their request does not look ({@link #relabelled}) keep
     * their answers and count for nothing here: correcting every label of an eval set drops no answer.
     */
    public boolean needsConsentToDrop() {
        return removedAnswers > 0 || editedAnswers > 0 && editedAnswers * 2 > answersBefore;
    }

    /** The answers the sync drops. */
    public long droppedAnswers() {
        return removedAnswers + editedAnswers;
    }

    /** Records with no outcome after the sync. */
    public long pending() {
        return total - done - failed;
    }

    /** This report with the run's outcomes as counted after the sync. */
    public SyncReport withOutcomes(long done, long failed) {
        return new SyncReport(created, total, added, edited, removed, removedAnswers, editedAnswers, answersBefore,
                addedIds, editedIds, removedIds, removedAnsweredIds, editedAnsweredIds, relabelled, relabelledIds, done,
                failed);
    }

    /**
     * The counts of records alone, to compare reports without their ids, answers and outcomes (records edited in
     * fields their request does not use are left out: {@link #relabelled()}).
     */
    public SyncReport counts() {
        return new SyncReport(created, total, added, edited, removed);
    }
}
