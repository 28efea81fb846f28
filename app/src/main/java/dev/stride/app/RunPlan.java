package dev.stride.app;

import dev.stride.core.Joined;
import dev.stride.core.Phrase;
import dev.stride.core.Prompt;
import dev.stride.core.RunInfo;
import dev.stride.core.SyncReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link CheckpointManager#plan} found a request to mean, before anything is sent. Three kinds go on to
 * {@link CheckpointManager#execute}: a {@link NewRun}, a {@link Resume} and a {@link ResumeStored}. The others say why
 * there is nothing to execute: a refusal, an empty input, nothing left to resume, or a dry run's report.
 */
public sealed interface RunPlan {

    /** The runs executing this plan would work on, in turn; none for a plan that sends nothing. */
    default List<RunInfo> runsToExecute() {
        if (this instanceof NewRun p) {
            return List.of(p.run());
        }
        if (this instanceof Resume p) {
            return List.of(p.run());
        }
        return this instanceof ResumeStored p ? p.runs() : List.of();
    }

    /**
     * The servers {@code run} asked before this command gave it others (its stored base URLs, as its last session
     * asked them), or empty when it goes on with the same ones: a new --base-url on a resume is taken without a
     * refusal, and was taken without a word.
     */
    default List<String> askedBefore(RunInfo run) {
        List<String> before = this instanceof Resume p && p.run().id() == run.id() ? p.askedBefore()
                : this instanceof ResumeStored p ? p.askedBefore().getOrDefault(run.id(), List.of()) : List.of();
        return before.isEmpty() || before.equals(run.baseUrls()) ? List.of() : before;
    }

    /**
     * A run created from its input (the records are stored; none is sent yet).
     *
     * @param idNotice what to say before it starts: the input's id field is there only in another case ({@code ID}),
     *                 so its records are numbered by line; null when there is nothing to say
     */
    record NewRun(RunInfo run, RunOptions options, Phrase idNotice) implements RunPlan {
        public NewRun(RunInfo run, RunOptions options) {
            this(run, options, null);
        }
    }

    /**
     * A stored run brought up to date with its input: what the sync changed, and the run as it now stands.
     *
     * @param joining this process's place when the sync found other workers live ({@link Joined#othersLive()}
     *                &gt; 0): it joins a run at work, not a stopped one; null when none was (a resume)
     * @param byLineNotice said under the sync's report when it edited records that are matched by line number (they
     *                have no id field) while others went or came: those may be lines that moved; null otherwise
     * @param askedBefore the run's base URLs as stored before this command (empty when not known)
     */
    record Resume(RunInfo run, SyncReport sync, Joined joining, RunOptions options, Phrase byLineNotice,
                  List<String> askedBefore) implements RunPlan {
        public Resume {
            askedBefore = List.copyOf(askedBefore);
            if (joining != null && joining.othersLive() == 0) {
                throw new IllegalArgumentException("joining nobody is a resume: " + joining);
            }
        }
    }

    /**
     * Without an input: the database's runs with work left, each to be finished in turn (never empty).
     *
     * @param atWork the ids of those runs other workers were live on at planning: this process becomes a worker only
     *               as its session joins, so its number, and whether the others are still there, are known only then
     * @param askedBefore by run id, the base URLs a run had stored before this command gave it others
     * @param leftOut the other unfinished runs of the model given, each with what the options change of it, when the
     *                one run whose settings match was picked over them; else null
     */
    record ResumeStored(List<RunInfo> runs, RunOptions options, Set<Long> atWork,
                        Map<Long, List<String>> askedBefore, Phrase leftOut) implements RunPlan {
        public ResumeStored {
            runs = List.copyOf(runs);
            atWork = Set.copyOf(atWork);
            askedBefore = Map.copyOf(askedBefore);
        }

        /** Runs nobody else was at work on. */
        public ResumeStored(List<RunInfo> runs, RunOptions options) {
            this(runs, options, Set.of());
        }

        /** Runs going on with the servers they asked before, none left out. */
        public ResumeStored(List<RunInfo> runs, RunOptions options, Set<Long> atWork) {
            this(runs, options, atWork, Map.of(), null);
        }
    }

    /**
     * The stored run was started with other settings; nothing was written. Executing it throws
     * {@link SettingsRefusedException}.
     *
     * @param changes what the request changes, one entry per setting (model, template, each parameter by name)
     * @param advice  what to do instead: another run name, or starting over
     */
    record Refused(RunInfo run, List<Phrase> changes, Phrase advice) implements RunPlan {
        public Refused {
            changes = List.copyOf(changes);
        }
    }

    /**
     * The input holds no record; nothing was written. Executing it throws
     * {@link dev.stride.core.InvalidInputException}.
     *
     * @param input the file as given ({@code -} for standard input)
     */
    record EmptyInput(Path input) implements RunPlan {
    }

    /**
     * Without an input, and no run of the database has work left (every run is done).
     *
     * @param failed the failed records the runs keep (a retry of failed records would redo them)
     */
    record NothingToResume(long failed) implements RunPlan {
    }

    /**
     * What a run of the input would do; nothing was sent or written.
     *
     * @param name    the run's name
     * @param sync    what syncing the input would change (created: the run is new)
     * @param changes what the request changes of the stored run's settings; a real run refuses any
     * @param advice  what to do instead of a refused change; null when nothing changes
     * @param dropRefused why a real run would refuse this input (it would drop answers that need consent,
     *                {@link SyncReport#needsConsentToDrop()}, and that was not given); null when it would not
     * @param first   the first record a run would send (on a resume, the first without an outcome, or with
     *                {@code --retry-failed} also a failed one) and what it sends; null when it would send none
     * @param idNotice as {@link NewRun#idNotice()}, for a run the input would create; else null
     */
    record DryRun(String name, SyncReport sync, List<Phrase> changes, Phrase advice, Phrase dropRefused,
                  FirstRecord first, RunOptions options, Phrase idNotice) implements RunPlan {
        public DryRun {
            changes = List.copyOf(changes);
        }
    }

    /**
     * What a resume of the stored runs would do (none: nothing to resume); nothing was sent or written.
     *
     * @param leftOut as {@link ResumeStored#leftOut()}: the other unfinished runs of the model given that the resume
     *                would leave as they are, or null
     */
    record DryRunOfStored(List<RunInfo> runs, RunOptions options, Phrase leftOut) implements RunPlan {
        public DryRunOfStored {
            runs = List.copyOf(runs);
        }
    }

    /** The first record a run would send and the prompt made from it, to show what is sent. */
    record FirstRecord(String id, Prompt prompt) {
    }
}
