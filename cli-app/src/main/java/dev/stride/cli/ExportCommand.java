package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.SqliteCheckpointStore;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true)
final class ExportCommand implements Callable<Integer> {
    enum Format { jsonl, csv, batch, parquet }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOption database;

    /** The database as messages name it: the file, or the URL without its password. */
    private Object where() {
        return database.named();
    }

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl")
    Format format;

    @Option(names = "--include-input")
    boolean includeInput;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE")
    Path output;

    @Override
    public Integer call() throws IOException {
        boolean toStandardOutput = output == null || OutputFile.isStandardOutput(output);
        if (!toStandardOutput) {
            OutputFile.refuseDatabase(output, database.file); // before anything is read
        }
        if (database.file != null) {
            DbFile.requireExists(database.file);
            DbFile.warnIfLeftBehind(database.file, spec, false);
        }
        try (CheckpointStore store = database.postgres != null ? PostgresCheckpointStore.openReadOnly(database.postgres)
                : SqliteCheckpointStore.openReadOnly(database.file)) {
            RunInfo chosen = chooseRun(store);
            if (format == Format.parquet && toStandardOutput) {
                // Parquet is binary and its footer is written last: a file, not a terminal or a pipe.
                throw UserError.usageOf("msg.export.parquetNeedsFile");
            }
            if (toStandardOutput) {
                Writer w = spec.commandLine().getOut();
                write(store, chosen, w);
                w.flush();
            } else {
                OutputFile.write(output, database.file, file -> {
                    if (format == Format.parquet) {
                        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                            new ResultFormats(store, chosen, includeInput).writeParquet(out);
                        }
                    } else {
                        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                            write(store, chosen, w);
                        }
                    }
                    return null;
                });
            }
        }
        return ExitCodes.OK;
    }

    private RunInfo chooseRun(CheckpointStore store) {
        if (run != null) {
            return store.findRun(run).orElseThrow(() -> UserError.usageOf("msg.noSuchRun", where(), run,
                    ClearCommand.knownRuns(store)));
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

    private void write(CheckpointStore store, RunInfo chosen, Writer w) throws IOException {
        ResultFormats.RowWriter rows = new ResultFormats(store, chosen, includeInput).writer(format, w);
        try {
            store.forEachResult(chosen.id(), row -> {
                try {
                    rows.write(row);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
