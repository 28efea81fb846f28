package dev.stride.core;

/**
 * A sync that broke off midway (the database server restarted, or ended its transaction for a deadlock) after the
 * store waited for the server to answer again: its one transaction was rolled back whole, so nothing of it was kept,
 * and the store could not repeat it, as it read its input as it went. A caller that can read the same input again
 * from its start syncs again; one that cannot (a pipe) shows it: its line says to run the same command again. Its
 * cause is the store's own failure, and it says what that says.
 */
public final class SyncBrokeOffException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    /** @param failure the store's exception, {@link Phrased}, whose line says to run the same command again */
    public <E extends RuntimeException & Phrased> SyncBrokeOffException(E failure) {
        super(failure.getMessage(), failure);
        this.phrase = failure.phrase();
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
