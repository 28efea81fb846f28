package dev.stride.cli;

import dev.stride.dashboard.DashboardReport;
import dev.stride.db.Board;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stride report}: the dashboard's charts and summaries in one HTML file that opens offline. */
@Command(name = "report", mixinStandardHelpOptions = true)
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOption database;

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE")
    Path output;

    @Override
    public Integer call() {
        if (database.postgres == null) {
            DbFile.requireExists(database.file);
        }
        // as export's and compare's -o: a missing folder is refused, not made (a typo would make one)
        OutputFile.check(output, database.file);
        Object source = database.named();
        Optional<DashboardReport.Written> written;
        try (Board board = database.postgres != null ? Board.postgres(database.postgres)
                : Board.sqlite(database.file)) {
            written = DashboardReport.write(board, run, source.toString(), output);
            if (written.isEmpty()) {
                String known = board.runs(java.time.Instant.now()).stream().map(r -> "'" + r.info().name() + "'")
                        .collect(java.util.stream.Collectors.joining(", "));
                throw UserError.usageOf("msg.noSuchRun", source, run, known.isEmpty()
                        ? Messages.text("msg.knownRuns.none") : Messages.text("msg.knownRuns", known));
            }
        } catch (IOException e) {
            throw UserError.of(ExitCodes.ERROR, "msg.output.cannotWrite", output, OutputFile.reason(e));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(Messages.of(spec).get("msg.report.written", output, written.get().runs().size()));
        out.flush();
        return ExitCodes.OK;
    }
}
