package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresSnapshot;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.db.StoreException;
import dev.stride.db.TransferStoppedException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stride snapshot --db DB OUT}: a copy of the database as one file, written beside OUT and named only when
 * whole. Ctrl+C, SIGTERM or SIGHUP gives it up and exits 130 with one line: OUT is not created (the command never
 * overwrites one), and nothing of it is left.
 */
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

    private final CliContext context;

    SnapshotCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
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
        AtomicBoolean stop = new AtomicBoolean();
        try (AutoCloseable listening = context.signals().onInterrupt(() -> stop.set(true))) {
            runs = database.postgres != null ? PostgresSnapshot.write(database.postgres, target, stop::get)
                    : SqliteCheckpointStore.snapshot(database.file, target, stop::get);
        } catch (TransferStoppedException e) {
            throw UserError.of(ExitCodes.INTERRUPTED, "msg.snapshot.interrupted", target);
        } catch (UncheckedIOException e) {
            throw OutputFile.cannotWrite(target, e.getCause(), false); // an existing OUT is refused above
        } catch (StoreException e) {
            // SQLite's own full disk on the copy (as it is made nobody's, or a PostgreSQL snapshot's writes) names the
            // partial file it is written in, gone with the failure: said of OUT instead, as copy --to says it.
            throw CopyCommand.notCreated(e, target, "msg.output.diskFullNew", "msg.output.diskFullNew",
                    "msg.copy.failedNew");
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
