package dev.stride.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;

/**
 * A command-line tool a test cannot do without (strace, the sqlite3 shell). On a developer's machine a missing one
 * skips the test, saying so; in CI (env {@code CI=true}) it fails it, because a check that silently stops running is
 * a check nobody has (.ci/run installs both).
 */
final class RequiredTool {
    private RequiredTool() {
    }

    /** Returns if {@code command} runs and exits 0; otherwise skips the test, or fails it in CI. */
    static void require(String why, String... command) {
        if (runs(command)) {
            return;
        }
        String message = command[0] + " is not installed here, so " + why + " cannot be checked";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + " (CI=true: .ci/run must install it)");
        }
        assumeTrue(false, message + ": skipped (CI installs it, see .ci/run)");
    }

    private static boolean runs(String... command) {
        try {
            return Commands.exitCode(command) == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
