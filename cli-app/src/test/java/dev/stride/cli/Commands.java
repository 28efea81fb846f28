package dev.stride.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A machine's command run by a test (mount, chmod, sqlite3): its exit code, its output read and dropped. */
final class Commands {
    private Commands() {
    }

    /** Runs {@code command} to its end, at most a minute; -1 when it took longer and was killed. */
    static int exitCode(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
