package dev.stride.cli;

import dev.stride.app.WholeFile;
import dev.stride.core.CheckpointStore;
import dev.stride.core.InputDigest;
import dev.stride.core.InputFormat;
import dev.stride.core.InputReaders;
import dev.stride.core.InvalidInputException;
import dev.stride.core.RunInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The file a command's {@code -o} names, written whole ({@link WholeFile}), with its troubles said in one line that
 * names it: a folder that is not there or a folder given for a file before anything is read, and a failure while
 * writing (permission, a full disk) as the operating system words it, never a hidden temporary file's name.
 */
final class OutputFile {
    /** The first 16 bytes of every SQLite 3 database file (sqlite.org, "Database File Format"). */
    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private OutputFile() {
    }

    /**
     * Whether {@code -o} names standard output: "-", as {@code stride run -} reads standard input, never a file
     * named "-" (a script that pipes the output would find it empty and a stray file beside it).
     */
    static boolean isStandardOutput(Path output) {
        return output != null && output.toString().equals("-");
    }

    /**
     * Refuses, exit 2, an output that is the SQLite database the command reads ({@code database}, null for
     * PostgreSQL) or one of its -wal, -shm, -journal files, by the file it reaches, not by its name: writing it would
     * replace the runs (and a run writing them would go on into a file nobody can open). Call before reading.
     */
    static void refuseDatabase(Path output, Path database) {
        if (database == null) {
            return;
        }
        SameFile.partOfDatabase(output, database).ifPresent(part -> {
            throw part.isEmpty() ? UserError.usageOf("msg.output.isDatabase", output, database)
                    : UserError.usageOf("msg.output.isDatabaseSideFile", output, database, part);
        });
    }

    /**
     * {@link #refuseDatabase}, and refuses, exit 2, an output that is any other SQLite database (by its header, not its
     * name) or a -wal, -shm or -journal name beside one: {@code export -o victim.db} replaced another stride
     * database's runs with JSON lines, without a word. An earlier export (JSON lines, CSV, Parquet) is replaced as
     * before. Call before reading.
     */
    static void refuseAnyDatabase(Path output, Path database) {
        refuseDatabase(output, database);
        if (isSqlite(output)) {
            throw UserError.usageOf("msg.output.isSqlite", output);
        }
        // as given first, so that the database is named as the user spells it; then where a link leads
        Set<Path> names = new LinkedHashSet<>(List.of(output, SameFile.real(output)));
        for (Path name : names) {
            String file = name.getFileName() == null ? "" : name.getFileName().toString();
            for (String suffix : SameFile.SQLITE_SIDE_FILES) {
                Path owner = file.endsWith(suffix) ? name.resolveSibling(file.substring(0, file.length()
                        - suffix.length())) : null;
                if (owner != null && isSqlite(owner)) {
                    throw UserError.usageOf("msg.output.isSqliteSideFile", output, owner, suffix);
                }
            }
        }
    }

    /** Whether {@code file} is a regular file that begins as every SQLite database does; a pipe is never read. */
    static boolean isSqlite(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        byte[] head = new byte[SQLITE_HEADER.length];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, SQLITE_HEADER);
        } catch (IOException unreadable) {
            return false; // then it cannot be told; writing it says its own trouble
        }
    }

    /**
     * Refuses, exit 2, an output that is the input file a run of the database read its records from: {@code stride
     * export -o q.jsonl} after {@code stride run q.jsonl} would replace the dataset with the answers. The file is
     * known by the digest each run keeps of its input, taken as a run takes it by default (the format its name says,
     * the default id field, the run's template); an input read with another --format or --id-field goes unrecognised.
     * Only an existing regular file is read, once, whatever the number of runs and templates.
     */
    static void refuseInput(Path output, CheckpointStore store, Object database) {
        if (output == null || !Files.isRegularFile(output)) {
            return;
        }
        Map<RunInfo, String> kept = new LinkedHashMap<>();
        for (RunInfo run : store.listRuns()) {
            store.inputDigest(run.name()).ifPresent(digest -> kept.put(run, digest));
        }
        if (kept.isEmpty()) {
            return;
        }
        Map<String, String> file; // by template: one read of the file, however many runs
        try {
            file = InputDigest.ofEach(output, InputFormat.of(output), InputReaders.DEFAULT_ID_FIELD,
                    kept.keySet().stream().map(RunInfo::template).toList());
        } catch (InvalidInputException unreadable) {
            return; // then writing it fails too, and says why
        }
        kept.forEach((run, digest) -> {
            if (digest.equals(file.get(run.template()))) {
                throw UserError.usageOf("msg.output.isInput", output, run.name(), database);
            }
        });
    }

    /** {@link #refuseAnyDatabase}, then {@link #check(Path)}. */
    static void check(Path output, Path database) {
        refuseAnyDatabase(output, database);
        check(output);
    }

    /** Refuses an {@code -o} that cannot be a file to write: exit 2. Call before the work that fills it. */
    static void check(Path output) {
        if (output.toString().isEmpty()) {
            // Path.of("") is the current folder: "is a folder" would puzzle whoever wrote -o "$OUT" with OUT unset
            throw UserError.usageOf("msg.output.empty");
        }
        Path target;
        try {
            target = WholeFile.target(output);
        } catch (IOException e) {
            throw UserError.of(ExitCodes.ERROR, "msg.output.cannotWrite", output, reason(e));
        }
        if (Files.isDirectory(target)) {
            throw UserError.usageOf("msg.output.isFolder", output);
        }
        checkFolder(output, target);
    }

    /**
     * Refuses, exit 2, a file to write whose folder is missing or is a file ({@code a.jsonl/out.db}). {@code target}
     * is where {@code output} is written ({@link WholeFile#target}, or {@code output} itself).
     */
    static void checkFolder(Path output, Path target) {
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || Files.isDirectory(folder)) {
            return;
        }
        // The first part of the path that is there but not a folder: that is what to name.
        for (Path up = folder; up != null; up = up.getParent()) {
            if (Files.exists(up)) {
                if (!Files.isDirectory(up)) {
                    throw UserError.usageOf("msg.output.notAFolder", output, up);
                }
                break;
            }
        }
        throw UserError.usageOf("msg.output.noFolder", output, folder);
    }

    /**
     * Checks {@code output} (also against {@code database}, the SQLite file the content is read from, or null), then
     * writes it whole; a failure to write is exit 1, naming the file and the reason.
     */
    static <T> T write(Path output, Path database, WholeFile.Content<T> content) {
        check(output, database);
        boolean existed = Files.exists(output);
        try {
            return WholeFile.write(output, content);
        } catch (IOException e) {
            throw cannotWrite(output, e, existed);
        }
    }

    /**
     * After {@code output} was written: the line that names the hidden files a stride killed while writing it left
     * beside it a moment ago (kill -9 of an export), which the write kept as it keeps any changed within the minute
     * ({@link WholeFile#leftBehind}); null when there are none. Unsaid, they lay out of sight, as large as the output.
     */
    static String leftBehindSaid(Path output, Messages m) {
        List<Path> left;
        try {
            left = WholeFile.leftBehind(output);
        } catch (IOException e) {
            return null; // a look that fails changes nothing that was written
        }
        if (left.isEmpty()) {
            return null;
        }
        String names = String.join(", ", left.stream().map(file -> file.getFileName().toString()).toList());
        return m.get("msg.output.leftBehind", output, names, left.size());
    }

    /**
     * The line for a file that could not be written whole ({@code existed}: whether it was there before, left as it
     * was). A full disk is said as such, with what to do, and exits 4 as a copy to a full disk does: the OS's bare
     * "No space left on device" left the user to guess that nothing usable was written. Anything else in the
     * operating system's words, exit 1.
     */
    static UserError cannotWrite(Path output, IOException e, boolean existed) {
        if (isDiskFull(e)) {
            return UserError.of(ExitCodes.DATABASE, existed ? "msg.output.diskFullInto" : "msg.output.diskFullNew",
                    output, reason(e));
        }
        return UserError.of(ExitCodes.ERROR, "msg.output.cannotWrite", output, reason(e));
    }

    /** Whether the write failed for want of room (ENOSPC), however deep the I/O error was wrapped. */
    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String words = t instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : t.getMessage();
            if (words != null && words.contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    /** The operating system's words, without the paths Java puts in front of them. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            // Its message is only the path, which may be a hidden temporary file's (a folder like /proc).
            return "no such file or directory";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
