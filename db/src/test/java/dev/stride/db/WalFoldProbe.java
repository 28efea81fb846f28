package dev.stride.db;

import java.nio.file.Path;

/**
 * Another stride process starting on a file, for {@link LocksKeptTest}: it folds the WAL of a file nobody has open
 * (POSIX locks are per process, so only another process can tell whether this one still holds its own).
 */
public final class WalFoldProbe {
    private WalFoldProbe() {
    }

    public static void main(String[] args) {
        System.out.println(WalFold.ifLeftBehind(Path.of(args[0])).isPresent() ? "folded" : "left alone");
    }
}
