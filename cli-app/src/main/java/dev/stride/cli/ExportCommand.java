package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.ShellWords;
import dev.stride.core.ShownState;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.SqliteCheckpointStore;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stride export}: a run's records with their outcomes, to standard output or to a file ({@code -o}) that is
 * written beside it and named only when whole, replacing one that was there. Ctrl+C, SIGTERM or SIGHUP gives the
 * export up and exits 130 with one line: a file is not created, or left as it was; standard output, which cannot be
 * taken back, has only part of the run.
 */
@Command(name = "export", mixinStandardHelpOptions = true)
final class ExportCommand implements Callable<Integer> {
    enum Format { jsonl, csv, batch, parquet }

    private final CliContext context;

    ExportCommand(CliContext context) {
        this.context = context;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOrConfig database;

    /** The database as messages name it: the file, or the URL without its password. */
    private Object where() {
        return database.named();
    }

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    /** As given; null when left out, to be taken from the output file's name. */
    @Option(names = "--format", paramLabel = "FORMAT")
    Format format;

    @Option(names = "--include-input")
    boolean includeInput;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE")
    Path output;

    /** Whether someone watches the export's progress: as a test says, or (null) whether there is a terminal. */
    Boolean watched;
    /** The clock the progress is shown by: a test's, or the system's. */
    LongSupplier nanoTime = System::nanoTime;

    @Override
    public Integer call() throws Exception {
        database.resolve(Set.of("db", "run")); // run's file: its other keys mean other things here
        boolean toStandardOutput = output == null || OutputFile.isStandardOutput(output);
        if (format == null) {
            format = toStandardOutput ? Format.jsonl : formatNamedBy(output);
        }
        return InterruptibleOutput.run(context.signals(), output, new InterruptibleOutput.Words(
                "msg.export.interruptedStdout", "msg.export.interruptedStream", "msg.export.interruptedNew",
                "msg.export.interruptedInto"), stop -> export(toStandardOutput, stop::asked));
    }

    private int export(boolean toStandardOutput, BooleanSupplier stop) throws IOException {
        if (!toStandardOutput) {
            OutputFile.refuseAnyDatabase(output, database.file); // before anything is read
        }
        if (database.file != null) {
            DbFile.requireExists(database.file);
            DbFile.upgradeIfOlder(database.file, spec);
            DbFile.warnIfLeftBehind(database.file, spec, false);
        } else {
            DbFile.upgradeIfOlder(database.postgres, spec);
        }
        try (CheckpointStore store = database.postgres != null ? PostgresCheckpointStore.openReadOnly(database.postgres)
                : SqliteCheckpointStore.openReadOnly(database.file)) {
            RunInfo chosen = chooseRun(store);
            if (!toStandardOutput) {
                OutputFile.refuseInput(output, store, database.named());
            }
            if (format == Format.parquet && toStandardOutput) {
                // Parquet is binary and its footer is written last: a file, not a terminal or a pipe.
                throw UserError.usageOf("msg.export.parquetNeedsFile");
            }
            if (toStandardOutput) {
                Writer w = spec.commandLine().getOut();
                try {
                    new ResultFormats(store, chosen, includeInput, stop).write(format, w);
                } finally {
                    w.flush(); // what was written before a stop, whole lines, before the line that says so
                }
            } else {
                ResultFormats formats = new ResultFormats(store, chosen, includeInput, stop);
                ExportProgress progress = ExportProgress.on(watched != null ? watched : ExportProgress.watched(context.env()),
                        spec.commandLine().getErr(),
                        Messages.of(spec), chosen.name(), output, chosen.total(), formats.passes(format),
                        nanoTime);
                formats.showing(progress);
                boolean live = isGoing(store, chosen); // as the rows are about to be read
                ResultFormats.Written rows;
                try {
                    rows = OutputFile.write(output, database.file, file -> {
                        ResultFormats.Written written;
                        if (format == Format.parquet) {
                            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                                written = formats.writeParquet(out);
                            }
                        } else {
                            // The file's stream is closed on its own: a writer whose last flush fails (a full disk)
                            // leaves it open, and the partial file, deleted, kept its room while this process lived.
                            try (OutputStream raw = Files.newOutputStream(file);
                                 BufferedWriter w = new BufferedWriter(new OutputStreamWriter(raw,
                                         StandardCharsets.UTF_8.newEncoder()))) {
                                written = formats.write(format, w);
                            }
                        }
                        // Asked after the whole was written, before its name: it goes, as a stop asks.
                        formats.checkNotStopped();
                        return written;
                    });
                } finally {
                    if (progress != null) {
                        progress.done(); // before the line that follows, this one or the one a stop or error says
                    }
                }
                // On standard error, as the line of every command that wrote a file: a script that runs export
                // -o reads the file, and standard output stays as it was, empty.
                PrintWriter err = spec.commandLine().getErr();
                err.println(wrote(Messages.of(spec), rows, live, chosen));
                String left = OutputFile.leftBehindSaid(output, Messages.of(spec));
                if (left != null) {
                    err.println(left);
                }
                err.flush();
            }
        }
        return ExitCodes.OK;
    }

    private RunInfo chooseRun(CheckpointStore store) {
        if (run != null) {
            return store.findRun(run).orElseThrow(() -> UserError.usageOf("msg.noSuchRun", where(), run,
                    ClearCommand.knownRuns(store, run)));
        }
        List<RunInfo> runs = store.listRuns();
        if (runs.size() == 1) {
            return runs.get(0);
        }
        if (runs.isEmpty()) {
            throw UserError.usageOf("msg.noRunYet", database.named(), ShellWords.quoted(database.named().toString()));
        }
        throw UserError.usageOf("msg.export.nameTheRun", ClearCommand.knownRuns(store));
    }

    /**
     * The format a file's name asks for when --format is left out: {@code -o answers.csv} wrote JSON lines into a
     * file every program then opened as CSV, and the only word of it was the "jsonl" of the line after.
     */
    static Format formatNamedBy(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return Format.csv;
        }
        return name.endsWith(".parquet") ? Format.parquet : Format.jsonl;
    }

    /**
     * Whether the run is going, as {@code status} would show it running: a live worker, or (a run without workers on
     * record) a cursor saved within {@link ShownState#STALE_AFTER}.
     */
    private static boolean isGoing(CheckpointStore store, RunInfo run) {
        return ShownState.of(run, store.workersAllGone(run.id()), Instant.now()) == RunState.RUNNING;
    }

    /**
     * The line that says what the file holds: its rows, and, of a run that is not over, how many of them are pending
     * (in the Batch format, left out) and whether it is still going, so that nobody takes a part for the whole.
     */
    private String wrote(Messages m, ResultFormats.Written rows, boolean live, RunInfo chosen) {
        String note = null;
        if (rows.pending() > 0) {
            String key = rows.pendingLeftOut() ? live ? "msg.export.pendingLeftOutLive" : "msg.export.pendingLeftOut"
                    : live ? "msg.export.pendingLive" : "msg.export.pending";
            note = m.get(key, rows.pending());
        } else if (live) {
            note = m.get("msg.export.live");
        }
        return note == null ? m.get("msg.export.wrote", output, rows.rows(), format.name(), chosen.name())
                : m.get("msg.export.wroteWithNote", output, rows.rows(), format.name(), chosen.name(), note);
    }
}
