package dev.stride.cli;

import dev.stride.core.RunInfo;
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
 * already hold other runs, and is written in one transaction.
 */
@Command(name = "copy", mixinStandardHelpOptions = true)
final class CopyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--from", required = true, paramLabel = "SRC")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "DEST")
    Path to;

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Override
    public Integer call() {
        DbFile.requireExists(from);
        List<RunInfo> copied;
        // A DEST this command creates and then writes nothing to (a refusal) is removed again.
        try (FreshDatabase fresh = FreshDatabase.at(to)) {
            try (SqliteCheckpointStore source = SqliteCheckpointStore.openReadOnly(from);
                 SqliteCheckpointStore target = SqliteCheckpointStore.open(to)) {
                copied = RunTransfer.copy(source, target, run);
            }
            fresh.keepIf(true);
        }
        PrintWriter out = spec.commandLine().getOut();
        Messages m = Messages.of(spec);
        for (RunInfo r : copied) {
            out.println(m.get("msg.copy.copied", r.name(), r.done(), r.total(), r.failed(), from, to));
        }
        out.println(m.get("msg.copy.goOn", to));
        out.flush();
        return ExitCodes.OK;
    }
}
