package dev.stride.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a process did to chosen files, read from {@code strace -f -y -xx} output: every write with its bytes, every
 * truncation and unlink, every sync that succeeded and every open, in the order strace saw them. A change counts from
 * the moment its call returned; a sync covers what had returned before it was called.
 *
 * <p>{@code -xx} prints every byte of a string and of a file name as {@code \xNN}, so no quote, bracket or
 * parenthesis inside the data can be mistaken for the syntax around it. A call on another thread can interleave
 * with a slow one; strace then prints it in two lines ({@code <unfinished ...>}, {@code <... name resumed>}),
 * which are joined here.
 */
final class WriteTrace {
    /** A change to a file's bytes; {@code at} is the trace line where its call returned. */
    sealed interface Change permits Write, Truncate, Unlink, Link {
        String path();

        int at();
    }

    record Write(String path, long offset, byte[] data, int at) implements Change {
    }

    record Truncate(String path, long length, int at) implements Change {
    }

    record Unlink(String path, int at) implements Change {
    }

    /** A hard link that gave an untraced file ({@code from}, written and synced under its own name) this path. */
    record Link(String path, String from, int at) implements Change {
    }

    /** A successful open of a file by its absolute path, returned at line {@code at}. */
    record Open(String path, int at) {
    }

    /** A successful fsync or fdatasync: called at line {@code called}, returned at line {@code returned}. */
    record Sync(String path, int called, int returned) {
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+)\\s+(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. (\\w+) resumed>(.*)$");
    private static final Pattern CALL = Pattern.compile("^(\\w+)\\((.*)$");
    private static final String UNFINISHED = " <unfinished ...>";
    /** The call's result, and with -y the file an fd it returned names ({@code = 5<\\x2f...>}). */
    private static final Pattern RESULT = Pattern.compile("^(.*)\\)\\s+=\\s+(-?\\d+)(?:<[\\\\x0-9a-f]*>)?(?:\\s.*)?$");
    /** Escaped bytes; a plain character class, as a repeated group would recurse once per byte in java.util.regex. */
    private static final String HEX = "([\\\\x0-9a-f]*)";
    private static final Pattern FD = Pattern.compile("^\\d+<" + HEX + ">");
    private static final Pattern PWRITE = Pattern.compile("^\\d+<" + HEX + ">, \"" + HEX + "\", (\\d+), (\\d+)$");
    private static final Pattern FTRUNCATE = Pattern.compile("^\\d+<" + HEX + ">, (\\d+)$");
    private static final Pattern OPENAT =
            Pattern.compile("^(?:AT_FDCWD|\\d+)(?:<[\\\\x0-9a-f]*>)?, \"" + HEX + "\", .*$");
    private static final Pattern UNLINK = Pattern.compile("^(?:AT_FDCWD, )?\"" + HEX + "\"(?:, 0)?$");
    private static final Pattern LINK =
            Pattern.compile("^(?:AT_FDCWD, )?\"" + HEX + "\", (?:AT_FDCWD, )?\"" + HEX + "\"(?:, 0)?$");

    private final Set<String> paths;
    private final List<Change> changes = new ArrayList<>();
    private final List<Sync> syncs = new ArrayList<>();
    private final List<Open> opens = new ArrayList<>();

    private WriteTrace(Set<String> paths) {
        this.paths = paths;
    }

    /** Reads {@code trace}, keeping what touched {@code paths} (absolute, as strace's -y shows them). */
    static WriteTrace read(Path trace, Set<String> paths) throws IOException {
        WriteTrace t = new WriteTrace(paths);
        Map<String, String[]> pending = new HashMap<>(); // pid -> {name, args so far, line called}
        try (BufferedReader in = Files.newBufferedReader(trace, StandardCharsets.US_ASCII)) {
            int n = 0;
            for (String line = in.readLine(); line != null; line = in.readLine(), n++) {
                Matcher m = LINE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                String pid = m.group(1);
                String rest = m.group(2);
                Matcher resumed = RESUMED.matcher(rest);
                if (resumed.matches()) {
                    String[] call = pending.remove(pid);
                    if (call == null || !call[0].equals(resumed.group(1))) {
                        throw new IllegalStateException("line " + n + " resumes a call that never started: " + rest);
                    }
                    t.returned(call[0], call[1] + resumed.group(2), Integer.parseInt(call[2]), n);
                    continue;
                }
                Matcher call = CALL.matcher(rest);
                if (!call.matches()) {
                    continue; // "+++ exited +++", "--- SIGCHLD ---" and the like
                }
                if (rest.endsWith(UNFINISHED)) {
                    String args = call.group(2);
                    pending.put(pid, new String[] {call.group(1), args.substring(0, args.length() - UNFINISHED.length()),
                            Integer.toString(n)});
                } else {
                    t.returned(call.group(1), call.group(2), n, n);
                }
            }
        }
        return t;
    }

    /** A call that returned: {@code argsAndResult} is everything after its opening parenthesis. */
    private void returned(String name, String argsAndResult, int called, int returned) {
        Matcher r = RESULT.matcher(argsAndResult);
        if (!r.matches()) {
            throw new IllegalStateException("no result in line " + returned + ": " + name + "(" + argsAndResult);
        }
        String args = r.group(1);
        long result = Long.parseLong(r.group(2));
        switch (name) {
            case "pwrite64" -> {
                Matcher w = match(PWRITE, args, name);
                String path = text(w.group(1));
                byte[] data = bytes(w.group(2));
                if (paths.contains(path)) {
                    if (data.length != Long.parseLong(w.group(3)) || result != data.length) {
                        throw new IllegalStateException("a short or cut-off write in line " + returned
                                + " (strace -s too small?)");
                    }
                    changes.add(new Write(path, Long.parseLong(w.group(4)), data, returned));
                }
            }
            case "fsync", "fdatasync" -> {
                String path = text(match(FD, args, name).group(1));
                if (paths.contains(path) && result == 0) {
                    syncs.add(new Sync(path, called, returned));
                }
            }
            case "openat" -> {
                String path = text(match(OPENAT, args, name).group(1));
                if (paths.contains(path) && result >= 0) {
                    opens.add(new Open(path, returned));
                }
            }
            case "ftruncate" -> {
                Matcher f = match(FTRUNCATE, args, name);
                String path = text(f.group(1));
                if (paths.contains(path) && result == 0) {
                    changes.add(new Truncate(path, Long.parseLong(f.group(2)), returned));
                }
            }
            case "unlink", "unlinkat" -> {
                String path = text(match(UNLINK, args, name).group(1));
                if (paths.contains(path) && result == 0) {
                    changes.add(new Unlink(path, returned));
                }
            }
            case "link", "linkat" -> {
                Matcher l = match(LINK, args, name);
                String path = text(l.group(2));
                if (paths.contains(path) && result == 0) {
                    changes.add(new Link(path, text(l.group(1)), returned));
                }
            }
            case "write", "writev", "pwritev", "pwritev2", "rename", "renameat", "renameat2" -> {
                // SQLite writes its files with pwrite64 only and never renames them: anything else would change
                // the files in a way this model does not replay.
                if (paths.stream().anyMatch(p -> argsAndResult.contains(hex(p)))) {
                    throw new IllegalStateException("unexpected " + name + " on a traced file in line " + returned);
                }
            }
            default -> {
                // Not a call that changes a file.
            }
        }
    }

    List<Change> changes() {
        return changes;
    }

    List<Sync> syncs() {
        return syncs;
    }

    List<Open> opens() {
        return opens;
    }

    private static Matcher match(Pattern p, String args, String name) {
        Matcher m = p.matcher(args);
        if (!m.matches()) {
            throw new IllegalStateException("cannot read the arguments of " + name + ": " + abbreviate(args));
        }
        return m;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static byte[] bytes(String escaped) {
        if (escaped.length() % 4 != 0) {
            throw new IllegalStateException("not strace -xx escapes: " + abbreviate(escaped));
        }
        byte[] b = new byte[escaped.length() / 4];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(escaped, 4 * i + 2, 4 * i + 4, 16);
        }
        return b;
    }

    private static String text(String escaped) {
        return new String(bytes(escaped), StandardCharsets.UTF_8);
    }

    private static String hex(String text) {
        StringBuilder s = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            s.append(String.format("\\x%02x", b & 0xff));
        }
        return s.toString();
    }
}
