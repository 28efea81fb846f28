package dev.stride.core;

/**
 * A sync refused because it would drop answers that need the user's word ({@link SyncReport#needsConsentToDrop()}),
 * and dropping them was not allowed: the transaction is rolled back, so the run is as it was. The report says what the
 * sync would have done. A sample of the input, another file or a mistyped id field look, to a sync, exactly like
 * records the user removed or edited on purpose; only the caller can know which, and hours of paid answers hang on it.
 */
public final class AnswersWouldBeDroppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient SyncReport report;

    public AnswersWouldBeDroppedException(SyncReport report) {
        super("the input would drop " + report.droppedAnswers() + " of the run's " + report.answersBefore()
                + " answers (" + report.removedAnswers() + " of records it no longer has, " + report.editedAnswers()
                + " of records it changed); nothing was changed");
        this.report = report;
    }

    public SyncReport report() {
        return report;
    }
}
