package dev.stride.cli;

import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/**
 * A command's set-up that does not depend on its arguments (where sqlite-jdbc's library is kept, the library loaded,
 * jOOQ's classes initialized), run on a thread of its own while picocli builds and parses the command line, which
 * leaves a core free on the machines stride runs on: measured with the string concatenations compiled inline, a run's
 * first request 0.035 s sooner and {@code stride status} 0.034 s (BENCHMARKS.md).
 *
 * <p>The command starts only once the set-up is over, so that no command code runs beside it: jOOQ deadlocks when
 * two threads first use it at once. Parsing and its errors, help and the version do not wait.
 */
final class StartAhead {
    /** Commands that open no database: nothing to set up for them. */
    private static final Set<String> WITHOUT_DATABASE = Set.of("serve-sim", "help", "generate-completion");
    private static final Set<String> ANSWERED_BY_PICOCLI = Set.of("-h", "--help", "-V", "--version");

    private final Thread setUp;

    private StartAhead(Thread setUp) {
        this.setUp = setUp;
    }

    /**
     * Starts {@code setUp} on its own thread when the command line names a command that may open a database; a
     * failure there is left for the command to meet (and to report) as it would have without it.
     */
    static StartAhead begin(List<String> args, Runnable setUp) {
        if (!opensDatabase(args)) {
            return new StartAhead(null);
        }
        Thread thread = new Thread(() -> {
            try {
                setUp.run();
            } catch (RuntimeException | LinkageError e) {
                // The command does the same work again, and words what stops it.
            }
        }, "stride-start-ahead");
        thread.setDaemon(true); // an early exit (a parse error) does not wait for it
        thread.start();
        return new StartAhead(thread);
    }

    static boolean opensDatabase(List<String> args) {
        return !args.isEmpty() && !WITHOUT_DATABASE.contains(args.get(0))
                && args.stream().noneMatch(ANSWERED_BY_PICOCLI::contains);
    }

    /** Makes {@code cl}'s command (whichever subcommand) wait for the set-up before it runs. */
    void holdCommandsOf(CommandLine cl) {
        if (setUp == null) {
            return;
        }
        CommandLine.IExecutionStrategy execute = cl.getExecutionStrategy();
        cl.setExecutionStrategy(parsed -> {
            awaitSetUp();
            return execute.execute(parsed);
        });
    }

    private void awaitSetUp() {
        boolean interrupted = false;
        while (true) {
            try {
                setUp.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // still wait: the command must not touch jOOQ beside it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
