package dev.stride.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One file rebuilt from a {@link WriteTrace}: its changes are replayed in order up to a chosen trace line, so the
 * same file can be had as a process left it at any moment (everything that returned) or as a disk kept it after a
 * power loss (only what a completed sync had covered). The line only ever moves forward.
 */
final class FileReplay {
    private final List<WriteTrace.Change> changes;
    private final Function<WriteTrace.Link, byte[]> linked;
    private int next;
    private byte[] bytes = new byte[0];
    private int length;
    private boolean exists;

    /** {@code linked} gives the bytes a traced link put at the path (written under a name strace did not see). */
    FileReplay(WriteTrace trace, String path, Function<WriteTrace.Link, byte[]> linked) {
        this.changes = trace.changes().stream().filter(c -> c.path().equals(path)).toList();
        this.linked = linked;
    }

    /** Applies every change that returned before trace line {@code line}. */
    void advanceTo(int line) {
        while (next < changes.size() && changes.get(next).at() < line) {
            apply(changes.get(next++));
        }
    }

    /** Writes the file as it now is to {@code target}, or leaves none there if it does not exist or is empty. */
    void writeTo(Path target) throws IOException {
        if (exists && length > 0) {
            Files.write(target, Arrays.copyOf(bytes, length));
        }
    }

    private void apply(WriteTrace.Change change) {
        if (change instanceof WriteTrace.Write w) {
            int end = Math.toIntExact(w.offset() + w.data().length);
            grow(end);
            System.arraycopy(w.data(), 0, bytes, (int) w.offset(), w.data().length);
            length = Math.max(length, end);
            exists = true;
        } else if (change instanceof WriteTrace.Truncate t) {
            int to = Math.toIntExact(t.length());
            grow(to);
            if (to < length) {
                Arrays.fill(bytes, to, length, (byte) 0); // a file extended later reads zeros there
            }
            length = to;
            exists = true;
        } else if (change instanceof WriteTrace.Link l) {
            byte[] data = linked.apply(l);
            grow(data.length);
            System.arraycopy(data, 0, bytes, 0, data.length);
            length = data.length;
            exists = true;
        } else {
            Arrays.fill(bytes, 0, length, (byte) 0);
            length = 0;
            exists = false;
        }
    }

    private void grow(int size) {
        if (size > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(size, bytes.length * 2));
        }
    }
}
