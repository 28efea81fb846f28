package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.JsonlReader;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.SyncReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Decides what a run command works on: a run made or brought up to date from an input file, or the unfinished runs
 * a database already holds. Refuses what would make results incomparable.
 */
final class RunPlanner {
    private final CheckpointStore store;
    private final Path db;

    RunPlanner(CheckpointStore store, Path db) {
        this.store = store;
        this.db = db;
    }

    /** A run ready to go, and what syncing it with its input changed. */
    record Prepared(RunInfo run, SyncReport sync) {
    }

    /**
     * Creates the run or brings its records up to date with {@code input}, in one transaction.
     *
     * @throws UserError          for missing or conflicting settings, or an empty input
     * @throws StoppedBeforeStart when {@code stop} was requested while reading (nothing is written)
     */
    Prepared fromInput(Path input, RunOptions options, StopSwitch stop) {
        String name = options.runName();
        if (name == null) {
            throw UserError.usage("name the model with --model NAME (the run takes its name unless --run is given)");
        }
        RunInfo existing = store.findRun(name).orElse(null);
        RunSpec spec = existing == null ? newRunSpec(name, options) : resumedRunSpec(existing, options);
        PromptTemplate prompt = PromptTemplate.parse(spec.template());
        SyncReport report;
        try (JsonlReader reader = JsonlReader.open(input, options.idField(), prompt)) {
            if (!reader.hasNext()) {
                throw UserError.usage(input + ": has no records; each line must hold one JSON object");
            }
            report = store.syncRun(spec, stoppable(reader, stop));
        }
        return new Prepared(store.findRun(name).orElseThrow(), report);
    }

    /** The stored runs with work left, narrowed to the named run or model; the base URL replaced if one is given. */
    List<RunInfo> toResume(RunOptions options) {
        List<RunInfo> all = store.listRuns();
        if (all.isEmpty()) {
            throw UserError.usage(db + ": holds no run yet; start one with: stride run INPUT.jsonl --db " + db
                    + " --model NAME --base-url URL");
        }
        if (options.run() != null && all.stream().noneMatch(r -> r.name().equals(options.run()))) {
            throw UserError.usage(db + ": has no run '" + options.run() + "'; see: stride status --db " + db);
        }
        List<RunInfo> chosen = new ArrayList<>();
        for (RunInfo run : all) {
            boolean named = options.run() != null ? options.run().equals(run.name())
                    : options.model() == null || options.model().equals(run.model());
            if (named && (run.pending() > 0 || options.retryFailed() && run.failed() > 0)) {
                String given = options.storedBaseUrl();
                if (given != null && !given.equals(run.baseUrl())) {
                    store.updateBaseUrl(run.id(), given);
                    run = store.findRun(run.name()).orElseThrow();
                }
                chosen.add(run);
            }
        }
        return chosen;
    }

    private RunSpec newRunSpec(String name, RunOptions o) {
        if (o.model() == null) {
            throw UserError.usage("--model is needed to start run '" + name + "'");
        }
        if (o.baseUrls().isEmpty()) {
            throw UserError.usage("--base-url is needed to start run '" + name
                    + "', e.g. --base-url http://localhost:8000/v1");
        }
        return new RunSpec(name, o.model(), o.storedBaseUrl(), o.template() != null ? o.template()
                : RunOptions.DEFAULT_TEMPLATE, o.generation());
    }

    /** An omitted setting keeps the stored value; a different one is refused, since results would not compare. */
    private RunSpec resumedRunSpec(RunInfo run, RunOptions o) {
        GenerationParams stored = GenerationParams.fromJson(run.paramsJson());
        GenerationParams given = stored.overriddenBy(o.generation());
        List<String> changed = new ArrayList<>();
        if (o.model() != null && !o.model().equals(run.model())) {
            changed.add("model '" + run.model() + "' -> '" + o.model() + "'");
        }
        if (o.template() != null && !o.template().equals(run.template())) {
            changed.add("template '" + run.template() + "' -> '" + o.template() + "'");
        }
        if (!given.canonicalJson().equals(stored.canonicalJson())) {
            changed.add("parameters " + stored.canonicalJson() + " -> " + given.canonicalJson());
        }
        if (!changed.isEmpty()) {
            throw UserError.usage("run '" + run.name() + "' was started with other settings (" + String.join(", ",
                    changed) + "); choose a new --run NAME to keep both, or start over with: stride clear --db "
                    + db + " --run " + run.name());
        }
        return new RunSpec(run.name(), run.model(), Objects.requireNonNullElse(o.storedBaseUrl(), run.baseUrl()),
                run.template(), stored);
    }

    /** The input, given up as soon as a stop is requested: the store then rolls the whole sync back. */
    private static Iterator<InputRecord> stoppable(Iterator<InputRecord> input, StopSwitch stop) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (stop.requested()) {
                    throw new StoppedBeforeStart();
                }
                return input.hasNext();
            }

            @Override
            public InputRecord next() {
                return input.next();
            }
        };
    }
}
