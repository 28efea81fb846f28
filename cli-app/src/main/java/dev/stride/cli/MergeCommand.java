package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stride merge --to OUT.db SHARD.db...}: the runs that {@code stride run --shard I/N} made on separate
 * machines, joined into one run over the whole input. Refuses, writing nothing, whatever would not add up to that run.
 * A new OUT gets its name only when whole, and Ctrl+C, SIGTERM or SIGHUP leaves OUT as it was, exit 130 (as in
 * {@link CopyCommand}).
 */
@Command(name = "merge", mixinStandardHelpOptions = true)
final class MergeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private final CliContext context;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--to", required = true, paramLabel = "OUT")
    String toText;

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    // Zero files is RunTransfer's to refuse, with an example, rather than picocli's bare "missing parameter".
    @Parameters(arity = "0..*", paramLabel = "SHARD", descriptionKey = "SHARD")
    List<String> shardTexts = new ArrayList<>();

    MergeCommand(CliContext context) {
        this.context = context;
    }

    /**
     * Shards and the merged run are files: a PostgreSQL URL is refused in one line (without its password), with the
     * way there: merge into a file, then stride copy it.
     */
    private Path sqliteFile(String text, String option) {
        PostgresLocation postgres = DbArgument.postgres(spec.commandLine(), text, option);
        if (postgres != null) {
            throw UserError.usageOf("msg.merge.sqliteOnly", postgres, ShellWords.quoted(postgres));
        }
        return Path.of(text);
    }

    @Override
    public Integer call() throws Exception {
        Path to = sqliteFile(toText, "--to");
        List<Path> shards = shardTexts.stream().map(text -> sqliteFile(text, "SHARD")).toList();
        shards.forEach(DbFile::requireExists);
        shards.forEach(shard -> CopyCommand.refuseSameFile(shard, to, "msg.merge.sameFile"));
        DbFile.requireFolder(to);
        shards.forEach(shard -> DbFile.upgradeIfOlder(shard, spec));
        RunInfo merged;
        List<SqliteCheckpointStore> opened = new ArrayList<>();
        boolean fresh = !Files.exists(to);
        TransferStop stop = new TransferStop();
        try (AutoCloseable listening = context.signals().onInterrupt(stop::stop);
             StagedDatabase staged = fresh ? StagedDatabase.beside(to) : null) {
            try {
                for (Path shard : shards) {
                    opened.add(SqliteCheckpointStore.openReadOnly(shard));
                }
                opened.forEach(shard -> shard.requireNoLiveWorkersToMerge(run));
                try (SqliteCheckpointStore target = SqliteCheckpointStore.open(staged != null ? staged.file() : to)) {
                    stop.waitFor(target, spec.commandLine().getErr(), Messages.of(spec));
                    DbFile.sayUpgraded(target.schemaUpgrade(), spec);
                    merged = RunTransfer.merge(opened, target, run, stop::asked);
                }
            } finally {
                opened.forEach(SqliteCheckpointStore::close);
            }
            if (staged != null) {
                if (stop.asked()) {
                    // Stopped after the commit, before the name: the whole merge goes with the partial file.
                    throw CopyCommand.interrupted(true, to, "msg.merge.interruptedNew", "msg.merge.interruptedInto");
                }
                staged.putInPlace();
            }
        } catch (TransferStoppedException e) {
            throw CopyCommand.interrupted(fresh, to, "msg.merge.interruptedNew", "msg.merge.interruptedInto");
        } catch (StoreException | UncheckedIOException e) {
            if (stop.asked() && e instanceof StoreException) {
                // The wait for a held --to, ended by the stop: the transaction never began.
                throw CopyCommand.interrupted(fresh, to, "msg.merge.interruptedNew", "msg.merge.interruptedInto");
            }
            throw fresh ? CopyCommand.notCreated(e, to, "msg.merge.diskFullNew", "msg.merge.fullNew",
                    "msg.merge.failedNew") : CopyCommand.leftAsItWas(e, to, "msg.merge.diskFullInto");
        }
        PrintWriter out = spec.commandLine().getOut();
        Messages m = Messages.of(spec);
        out.println(m.get("msg.merge.merged", shards.size(), merged.name(), to, merged.done(), merged.total(),
                merged.failed(), merged.state().label()));
        if (merged.pending() > 0) {
            out.println(m.get("msg.merge.goOn", ShellWords.quoted(to)));
        }
        out.flush();
        return ExitCodes.OK;
    }
}
