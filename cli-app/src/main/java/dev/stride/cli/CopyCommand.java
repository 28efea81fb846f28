package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.PostgresLocation;
import dev.stride.db.RunTransfer;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.db.StagedDatabase;
import dev.stride.db.StoreException;
import dev.stride.db.TransferStoppedException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
 *
 * <p>A DEST file that does not exist yet is written beside it and gets its name only when whole ({@link
 * StagedDatabase}); Ctrl+C, SIGTERM or SIGHUP rolls the transaction back and exits 130, so DEST is either the whole
 * copy or as it was before.
 */
@Command(name = "copy", mixinStandardHelpOptions = true)
final class CopyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private final CliContext context;

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

    CopyCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (fromPostgres != null && toPostgres != null && fromPostgres.sameDatabaseAs(toPostgres)) {
            // As for one file: the refusal that followed ("already has a run, clear it there first") cleared the
            // source. Before anything is opened: the two need not even be reachable to be the same.
            throw UserError.usageOf("msg.copy.sameDatabase", fromPostgres, toPostgres);
        }
        if (from != null) {
            DbFile.requireExists(from);
            if (to != null) {
                refuseSameFile(from, to, "msg.copy.sameFile");
            }
            DbFile.upgradeIfOlder(from, spec);
        }
        if (fromPostgres != null) {
            DbFile.upgradeIfOlder(fromPostgres, spec);
        }
        if (to != null) {
            DbFile.requireFolder(to);
        }
        List<RunInfo> copied;
        boolean fresh = to != null && !Files.exists(to);
        // Listening before anything is opened: a stop during the opening is seen at the transfer's first page.
        TransferStop stop = new TransferStop();
        try (AutoCloseable listening = context.signals().onInterrupt(stop::stop);
             StagedDatabase staged = fresh ? StagedDatabase.beside(to) : null) {
            try (CheckpointStore source = fromPostgres != null ? PostgresCheckpointStore.openReadOnly(fromPostgres)
                        : SqliteCheckpointStore.openReadOnly(from);
                 CheckpointStore target = toPostgres != null ? PostgresCheckpointStore.open(toPostgres)
                        : SqliteCheckpointStore.open(staged != null ? staged.file() : to)) {
                if (source instanceof PostgresCheckpointStore) {
                    stop.waitFor(source, spec.commandLine().getErr(), Messages.of(spec));
                }
                stop.waitFor(target, spec.commandLine().getErr(), Messages.of(spec));
                DbFile.sayUpgraded(target instanceof SqliteCheckpointStore s ? s.schemaUpgrade()
                        : ((PostgresCheckpointStore) target).schemaUpgrade(), spec);
                copied = RunTransfer.copy(source, target, run, stop::asked);
            }
            if (staged != null) {
                if (stop.asked()) {
                    // Stopped after the commit, before the name: the whole copy goes with the partial file.
                    throw interrupted(true, to, "msg.copy.interruptedNew", "msg.copy.interruptedInto");
                }
                staged.putInPlace();
            }
        } catch (TransferStoppedException e) {
            throw interrupted(fresh, toPostgres != null ? toPostgres : to, "msg.copy.interruptedNew",
                    "msg.copy.interruptedInto");
        } catch (StoreException | UncheckedIOException e) {
            if (stop.asked() && e instanceof StoreException) {
                // The wait for a held DEST, ended by the stop: the transaction never began.
                throw interrupted(fresh, toPostgres != null ? toPostgres : to, "msg.copy.interruptedNew",
                        "msg.copy.interruptedInto");
            }
            throw fresh ? notCreated(e, to, "msg.copy.diskFullNew", "msg.copy.fullNew", "msg.copy.failedNew")
                    : to != null ? leftAsItWas(e, to, "msg.copy.diskFullInto") : e;
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
     * A new DEST whose writing failed: the store's words name {@code NAME.partial-PID}, a file the user never asked
     * for, gone with the failure ("everything is saved in NAME.partial-PID", "snapshot --db NAME.partial-PID"). The
     * line names DEST instead and says it was not created: a full disk (also one that kept the WAL of a whole copy
     * from being folded in, so that the file was no database of its own) as such, anything else with the store's
     * reason. Errors that are not about the partial file (the source's) as they are. {@code keys}: the command's
     * words for a full disk while writing, a full disk as the file closed, and any other failure.
     */
    static RuntimeException notCreated(RuntimeException e, Path to, String fullKey, String fullOnCloseKey,
                                       String failedKey) {
        if (e instanceof UncheckedIOException io) {
            // Syncing or naming the whole file failed (putInPlace): the operating system's reason.
            return UserError.of(ExitCodes.ERROR, failedKey, to, OutputFile.reason(io.getCause()));
        }
        if (!(e instanceof StoreException store)) {
            return e;
        }
        List<Object> args = store.phrase().args();
        String partial = StagedDatabase.partialOf(to).toString();
        if (args.size() < 2 || args.stream().noneMatch(a -> partial.equals(String.valueOf(a)))) {
            return e;
        }
        // The store's phrases name the file first and end with SQLite's reason.
        Object reason = args.get(args.size() - 1);
        return switch (store.phrase().key()) {
            case "sqlite.full" -> UserError.of(ExitCodes.DATABASE, fullKey, to, reason);
            // Refused before a row was written: less room than a database needs to work in.
            case "file.diskLow" -> UserError.of(ExitCodes.DATABASE, fullKey, to,
                    Messages.text("msg.copy.diskLowReason", args.get(1), args.get(2)));
            case "sqlite.fullOnClose" -> UserError.of(ExitCodes.DATABASE, fullOnCloseKey, to, reason);
            // The store's advice is for a --db; here the name to choose again is the --to. (A snapshot's OUT never
            // gets here: its partial file is made first, and a read-only folder refused in the system's words.)
            case "file.folderReadOnlyNew" -> UserError.of(ExitCodes.DATABASE, "msg.to.folderReadOnlyNew", to,
                    args.get(1));
            default -> UserError.of(ExitCodes.DATABASE, failedKey, to, reason);
        };
    }

    /**
     * An existing DEST whose disk was full (midway, or too little room to start): the store's line spoke of a run
     * ("go on from a copy ... stride snapshot", "everything saved so far is kept"), where DEST took nothing of the
     * transfer, which is one transaction. The line says so, exit 4 still. Any other failure as it is.
     */
    static RuntimeException leftAsItWas(RuntimeException e, Path to, String fullKey) {
        if (!(e instanceof StoreException store)) {
            return e;
        }
        List<Object> args = store.phrase().args();
        if (args.size() < 2 || !to.toString().equals(String.valueOf(args.get(0)))) {
            return e;
        }
        return switch (store.phrase().key()) {
            case "sqlite.full" -> UserError.of(ExitCodes.DATABASE, fullKey, to, args.get(args.size() - 1));
            case "file.diskLow" -> UserError.of(ExitCodes.DATABASE, fullKey, to,
                    Messages.text("msg.copy.diskLowReason", args.get(1), args.get(2)));
            default -> e;
        };
    }

    /** Exit 130 and one line: DEST was not made ({@code fresh}) or is as it was, nothing of the transfer in it. */
    static UserError interrupted(boolean fresh, Object destination, String freshKey, String intoKey) {
        return UserError.of(ExitCodes.INTERRUPTED, fresh ? freshKey : intoKey, destination,
                ShellWords.quoted(destination));
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
