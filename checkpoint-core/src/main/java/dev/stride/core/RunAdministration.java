package dev.stride.core;

/** Forgetting runs. */
public interface RunAdministration {

    /** Forgets a run: its records, outputs and cursor. @return false when there was no such run */
    boolean clearRun(String name);

    /** Forgets every run. @return how many there were */
    int clearAll();
}
