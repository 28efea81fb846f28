package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.PostgresLocation;
import dev.stride.db.RunTransfer;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stride copy --from SRC --to DEST [--run NAME]}: moves a run between databases with everything a resume
 * needs, so the same {@code stride run} goes on at DEST. Unlike {@code snapshot} it copies runs, not a file: DEST may
 * already hold other runs, and is written in one transaction. Each of SRC and DEST is a SQLite file or a PostgreSQL
 * URL, as {@code --db} takes them: a run started on a laptop goes on on the cluster and comes home as one file.
 */
@Command(name = "copy", mixinStandardHelpOptions = true)
final class CopyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    Path from; // --from naming a SQLite file
    PostgresLocation fromPostgres; // --from naming a PostgreSQL database
    Path to;
    PostgresLocation toPostgres;

    @Option(names = "--from", required = true, paramLabel = "SRC")
    void from(String text) {
        fromPostgres = DbArgument.postgres(spec.commandLine(), text, "--from");
        from = fromPostgres == null ? Path.of(text) : null;
    }

    @Option(names = "--to", required = true, paramLabel = "DEST")
    void to(String text) {
        toPostgres = DbArgument.postgres(spec.commandLine(), text, "--to");
        to = toPostgres == null ? Path.of(text) : null;
    }

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Override
    public Integer call() {
        if (from != null) {
            DbFile.requireExists(from);
            if (to != null) {
                refuseSameFile(from, to, "msg.copy.sameFile");
            }
        }
        if (to != null) {
            DbFile.requireFolder(to);
        }
        List<RunInfo> copied;
        // A DEST file this command creates and then writes nothing to (a refusal) is removed again.
        try (FreshDatabase fresh = FreshDatabase.at(to)) {
            try (CheckpointStore source = fromPostgres != null ? PostgresCheckpointStore.openReadOnly(fromPostgres)
                        : SqliteCheckpointStore.openReadOnly(from);
                 CheckpointStore target = toPostgres != null ? PostgresCheckpointStore.open(toPostgres)
                        : SqliteCheckpointStore.open(to)) {
                copied = RunTransfer.copy(source, target, run);
            }
            fresh.keepIf(true);
        }
        // A PostgreSQL location prints without its password.
        Object src = fromPostgres != null ? fromPostgres : from;
        Object dest = toPostgres != null ? toPostgres : to;
        PrintWriter out = spec.commandLine().getOut();
        Messages m = Messages.of(spec);
        for (RunInfo r : copied) {
            out.println(m.get("msg.copy.copied", r.name(), r.done(), r.total(), r.failed(), src, dest));
        }
        out.println(m.get("msg.copy.goOn", ShellWords.quoted(dest)));
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Refuses, exit 2 and nothing written, a destination that is the source file (or one of its -wal, -shm, -journal)
     * however it is spelled: the refusal that followed ("already has a run, clear it there first") led to clearing
     * the only copy. {@code key} words it for the command, with the source and the destination as given.
     */
    static void refuseSameFile(Path source, Path destination, String key) {
        SameFile.partOfDatabase(destination, source).ifPresent(part -> {
            throw part.isEmpty() ? UserError.usageOf(key, source, destination)
                    : UserError.usageOf("msg.output.isDatabaseSideFile", destination, source, part);
        });
    }
}
