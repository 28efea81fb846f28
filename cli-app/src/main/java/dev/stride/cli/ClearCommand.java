package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.Phrase;
import dev.stride.core.RunInfo;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "clear", mixinStandardHelpOptions = true)
final class ClearCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--db", required = true, paramLabel = "FILE")
    Path db;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--run", paramLabel = "NAME")
        String run;

        @Option(names = "--all")
        boolean all;
    }

    @Override
    public Integer call() {
        DbFile.requireExists(db);
        PrintWriter out = spec.commandLine().getOut();
        Messages messages = Messages.of(spec);
        DbFile.foldIfLeftBehind(db, spec);
        try (CheckpointStore store = SqliteCheckpointStore.open(db)) {
            if (which.all) {
                int n = store.clearAll();
                out.println(messages.get("msg.clear.all", n, db));
            } else {
                RunInfo run = store.findRun(which.run).orElseThrow(() -> UserError.usageOf("msg.noSuchRun", db,
                        which.run, knownRuns(store)));
                store.clearRun(run.name());
                out.println(messages.get("msg.clear.run", run.name(), run.total(), run.done(), run.failed(), db));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The runs a database holds, to end a message about a run it lacks. */
    static Phrase knownRuns(CheckpointStore store) {
        String names = store.listRuns().stream().map(r -> "'" + r.name() + "'").collect(Collectors.joining(", "));
        return names.isEmpty() ? Messages.text("msg.knownRuns.none") : Messages.text("msg.knownRuns", names);
    }
}
