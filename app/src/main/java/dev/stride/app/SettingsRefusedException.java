package dev.stride.app;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import java.util.List;

/**
 * A stored run was asked to go on with other settings (model, template, generation parameters), which would make its
 * results incomparable; nothing was written. Its message names each change and what to do instead.
 */
public final class SettingsRefusedException extends IllegalArgumentException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final String run;
    private final transient List<Phrase> changes;
    private final transient Phrase phrase;

    SettingsRefusedException(RunPlan.Refused refused) {
        this(refused.run().name(), refused.changes(), AppPhrase.of("run.refused", refused.run().name(),
                refused.changes(), refused.advice()));
    }

    private SettingsRefusedException(String run, List<Phrase> changes, Phrase phrase) {
        super(phrase.english());
        this.run = run;
        this.changes = changes;
        this.phrase = phrase;
    }

    /** The run's name. */
    public String run() {
        return run;
    }

    /** What the request changes, one entry per setting. */
    public List<Phrase> changes() {
        return changes;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
