package dev.stride.app;

/**
 * A look at every record of an input as the sync reads it, which may refuse the input once it has seen them all:
 * thrown from inside the sync, the refusal rolls the sync back, so a refused input changes nothing in the run.
 */
public interface InputCheck {

    /** One record of the input, as its JSON object; every record, a shard's or not. */
    void see(String recordJson);

    /**
     * The input has no more records.
     *
     * @throws dev.stride.core.InvalidSettingException to refuse the input
     */
    void atEnd();

    /** Whether the sync read the input (it does not when the file is the one it read last time). */
    boolean ran();
}
