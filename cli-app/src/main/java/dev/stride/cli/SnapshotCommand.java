package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.db.PostgresLocation;
import dev.stride.db.PostgresSnapshot;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "snapshot", mixinStandardHelpOptions = true)
final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    Path db; // --db naming a SQLite file
    PostgresLocation postgres; // --db naming a PostgreSQL database

    @Option(names = "--db", required = true, paramLabel = "FILE")
    void db(String text) {
        postgres = DbArgument.postgres(spec.commandLine(), text);
        db = postgres == null ? Path.of(text) : null;
    }

    @Parameters(index = "0", paramLabel = "OUT", descriptionKey = "OUT")
    Path target;

    @Override
    public Integer call() {
        if (db != null) {
            DbFile.requireExists(db);
        }
        if (target.toFile().exists()) {
            throw UserError.usageOf("msg.snapshot.exists", target);
        }
        long started = System.nanoTime();
        List<RunInfo> runs = postgres != null ? PostgresSnapshot.write(postgres, target)
                : SqliteCheckpointStore.snapshot(db, target);
        long ms = (System.nanoTime() - started) / 1_000_000;
        PrintWriter out = spec.commandLine().getOut();
        Messages messages = Messages.of(spec);
        out.println(messages.get("msg.snapshot.written", postgres != null ? postgres : db, target, Durations.human(ms)));
        for (RunInfo run : runs) {
            out.println(messages.get("msg.snapshot.run", run.name(), run.done(), run.total(), run.failed()));
        }
        out.println(messages.get("msg.snapshot.resume", target));
        out.flush();
        if (db != null) {
            DbFile.warnIfLeftBehind(db, spec, true);
        }
        return ExitCodes.OK;
    }
}
