package dev.stride.cli;

import dev.stride.core.KnownRuns;
import dev.stride.dashboard.DashboardReport;
import dev.stride.db.Board;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private final CliContext context;

    ReportCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        return InterruptibleOutput.run(context.signals(), output, new InterruptibleOutput.Words(
                "msg.report.interruptedStdout", "msg.report.interruptedStream", "msg.report.interruptedNew",
                "msg.report.interruptedInto"), this::report);
    }

    private int report(InterruptibleOutput.Stop stop) {
        if (database.postgres == null) {
            DbFile.requireExists(database.file);
        }
        boolean toStandardOutput = OutputFile.isStandardOutput(output);
        if (!toStandardOutput) {
            // as export's and compare's -o: a missing folder is refused, not made (a typo would make one)
            OutputFile.check(output, database.file);
        }
        if (database.postgres == null) {
            DbFile.upgradeIfOlder(database.file, spec);
        }
        Object source = database.named();
        boolean existed = !toStandardOutput && Files.exists(output);
        Optional<List<String>> written;
        try (Board board = database.board()) {
            written = toStandardOutput ? print(board, source, stop) : DashboardReport.write(board, run,
                    source.toString(), output, stop::check).map(DashboardReport.Written::runs);
            if (written.isEmpty()) {
                throw UserError.usageOf("msg.noSuchRun", source, run, KnownRuns.of(board.runs(
                        board.clock().instant()).stream().map(r -> r.info().name()).toList(), run));
            }
        } catch (IOException e) {
            throw OutputFile.cannotWrite(output, e, existed);
        }
        if (!toStandardOutput) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(Messages.of(spec).get("msg.report.written", output, written.get().size()));
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** The report on standard output, alone there (no "Wrote" line) so that it can be piped or redirected. */
    private Optional<List<String>> print(Board board, Object source, InterruptibleOutput.Stop stop)
            throws IOException {
        // Streamed as it is read, as the file is: a stop leaves standard output with the part written so far.
        return DashboardReport.print(board, run, source.toString(), spec.commandLine().getOut(), stop::check);
    }
}
