package dev.stride.cli;

import dev.stride.core.RunInfo;
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

@Command(name = "snapshot",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a consistent copy of the database to OUT, also while a run is writing it: every answer committed"
                    + " when the copy starts, as one self-contained file (no -wal beside it).",
            "Copy OUT to another machine and finish the run there with: stride run --db OUT"
        },
        footerHeading = "%nExamples:%n",
        footer = {"  stride snapshot --db runs.db runs-copy.db",
                  "  scp runs-copy.db gpu2: && ssh gpu2 stride run --db runs-copy.db --base-url http://localhost:8000/v1"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the copy is written",
            "1:an error (I/O trouble)",
            "2:bad usage (OUT exists, no such database)",
            "4:the database cannot be used (not stride's, damaged, from a newer stride)",
        })
final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--db", required = true, paramLabel = "FILE", description = "The run database to copy.")
    Path db;

    @Parameters(index = "0", paramLabel = "OUT", descriptionKey = "OUT", description = "The copy to write; must not exist yet.")
    Path target;

    @Override
    public Integer call() {
        DbFile.requireExists(db);
        if (target.toFile().exists()) {
            throw UserError.usageOf("msg.snapshot.exists", target);
        }
        long started = System.nanoTime();
        List<RunInfo> runs = SqliteCheckpointStore.snapshot(db, target);
        long ms = (System.nanoTime() - started) / 1_000_000;
        PrintWriter out = spec.commandLine().getOut();
        Messages messages = Messages.of(spec);
        out.println(messages.get("msg.snapshot.written", db, target, Durations.human(ms)));
        for (RunInfo run : runs) {
            out.println(messages.get("msg.snapshot.run", run.name(), run.done(), run.total(), run.failed()));
        }
        out.println(messages.get("msg.snapshot.resume", target));
        out.flush();
        return ExitCodes.OK;
    }
}
