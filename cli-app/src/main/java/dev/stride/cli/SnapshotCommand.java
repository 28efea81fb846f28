package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresSnapshot;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "snapshot", mixinStandardHelpOptions = true)
final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOption database;

    @Parameters(index = "0", paramLabel = "OUT", descriptionKey = "OUT")
    Path target;

    @Override
    public Integer call() {
        if (database.file != null) {
            DbFile.requireExists(database.file);
        }
        // the database's own -wal or -journal need not exist yet; a snapshot there would be read as part of it
        OutputFile.refuseDatabase(target, database.file);
        if (target.toFile().exists()) {
            throw UserError.usageOf("msg.snapshot.exists", target);
        }
        // Before the source is opened: a trouble with OUT is OUT's (exit 2 or 1), never "cannot open" the source.
        OutputFile.checkFolder(target, target);
        long started = System.nanoTime();
        List<RunInfo> runs;
        try {
            runs = database.postgres != null ? PostgresSnapshot.write(database.postgres, target)
                    : SqliteCheckpointStore.snapshot(database.file, target);
        } catch (UncheckedIOException e) {
            throw UserError.of(ExitCodes.ERROR, "msg.output.cannotWrite", target, OutputFile.reason(e.getCause()));
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        PrintWriter out = spec.commandLine().getOut();
        Messages messages = Messages.of(spec);
        if (runs.isEmpty()) {
            // Nothing to list and nothing to resume: the snapshot is only a copy of an empty database.
            out.println(messages.get("msg.snapshot.writtenNoRuns", database.named(), target, Durations.human(ms)));
        } else {
            out.println(messages.get("msg.snapshot.written", database.named(), target, Durations.human(ms)));
            for (RunInfo run : runs) {
                out.println(messages.get("msg.snapshot.run", run.name(), run.done(), run.total(), run.failed()));
            }
            out.println(messages.get("msg.snapshot.resume", ShellWords.quoted(target)));
        }
        out.flush();
        if (database.file != null) {
            DbFile.warnIfLeftBehind(database.file, spec, true);
        }
        return ExitCodes.OK;
    }
}
