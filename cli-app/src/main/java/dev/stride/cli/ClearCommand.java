package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.KnownRuns;
import dev.stride.core.Phrase;
import dev.stride.core.RunInfo;
import dev.stride.db.OrphanWorkers;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.db.StoreException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Forgets one run or all of a database. What it deletes may be hours of paid work, so it first names what will go and
 * asks on the terminal; {@code --yes} goes on without asking, and without a terminal (a script, cron, CI) it refuses
 * unless {@code --yes} is given, rather than read an answer from whatever stdin holds. A run that live workers are
 * writing is refused (exit 2, nothing deleted): they would go on writing into a run that is gone.
 */
@Command(name = "clear", mixinStandardHelpOptions = true)
final class ClearCommand implements Callable<Integer> {
    /** Free pages worth telling the user of after a clear (see {@link #sayWhatTheFileKeeps}). */
    static final long WORTH_A_COPY = 32L << 20;

    private final CliContext context;

    ClearCommand(CliContext context) {
        this.context = context;
    }

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

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    @Option(names = {"-y", "--yes"})
    boolean yes;

    /** Where the question is asked: the one a test hands this command, or (null) the process's terminal. */
    Terminal terminal;


    static final class Which {
        @Option(names = "--run", paramLabel = "NAME")
        String run;

        @Option(names = "--all")
        boolean all;
    }

    @Override
    public Integer call() throws Exception {
        if (database.file != null) {
            DbFile.requireExists(database.file);
        }
        PrintWriter out = spec.commandLine().getOut();
        Messages messages = Messages.of(spec);
        if (database.file != null) {
            DbFile.foldIfLeftBehind(database.file, spec);
            DbFile.upgradeIfOlder(database.file, spec); // the store would upgrade it as it opens, unsaid
            // A file copied while its run was going names that run's workers, leased still, though none of them
            // works on the copy (no process has it open): they do not keep its runs from being cleared.
            OrphanWorkers.endIfFileAlone(database.file);
        } else {
            DbFile.upgradeIfOlder(database.postgres, spec);
        }
        boolean blank = database.postgres != null ? PostgresCheckpointStore.isBlank(database.postgres)
                : SqliteCheckpointStore.isBlank(database.file);
        if (blank) {
            // A new database with no tables (or an empty file): nothing to clear, and no reason to create stride's
            // tables to say so.
            if (!which.all) {
                throw UserError.usageOf("msg.noSuchRun", where(), which.run, KnownRuns.of(List.of(), which.run));
            }
            out.println(messages.get("msg.clear.all", 0, where()));
            out.flush();
            return ExitCodes.OK;
        }
        try (CheckpointStore store = database.postgres != null ? PostgresCheckpointStore.open(database.postgres)
                : SqliteCheckpointStore.open(database.file)) {
            PrintWriter err = spec.commandLine().getErr();
            HeldFileWait wait = HeldFileWait.on(store, err, messages);
            List<RunInfo> going = lookUp(store, wait);
            // An empty database loses nothing: there is nothing to ask about.
            if (!yes && !going.isEmpty() && !confirmed(going, messages)) {
                out.println(messages.get("msg.clear.kept", where()));
                out.flush();
                return ExitCodes.ERROR;
            }
            // Listening again only now: a Ctrl+C at the question ends the process as ever. A wait for a file another
            // connection holds is ended by it, nothing begun. Past that, a clear is one transaction that no stop can
            // cut short, and a big run's takes a while: the JVM ended it at Ctrl+C with no word. Said here, then ended
            // at once: the database rolls back what was not committed. (A signal in the instant between the commit
            // and the flag below is told "nothing was cleared" wrongly.)
            AtomicBoolean cleared = new AtomicBoolean();
            String stopped = messages.get("msg.clear.interrupted", where());
            try (AutoCloseable listening = context.signals().onInterrupt(() -> {
                if (wait.waiting()) {
                    wait.stop();
                } else if (!cleared.get()) {
                    err.println(stopped);
                    err.flush();
                    if (store instanceof PostgresCheckpointStore pg) {
                        // Waiting for a lock, not told yet: the backend would wait on after the process ended.
                        pg.endLockWaitsNow();
                    }
                    Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
                }
            })) {
                if (which.all) {
                    int n = store.clearAll();
                    cleared.set(true);
                    out.println(messages.get("msg.clear.all", n, where()));
                } else {
                    RunInfo run = going.get(0);
                    store.clearRun(run.name());
                    cleared.set(true);
                    out.println(messages.get("msg.clear.run", run.name(), run.total(), run.done(), run.failed(),
                            where()));
                }
            } catch (StoreException e) {
                if (wait.stopped()) {
                    throw UserError.of(ExitCodes.INTERRUPTED, "msg.clear.interruptedWaiting", where());
                }
                throw e;
            }
        }
        if (database.file != null) {
            sayWhatTheFileKeeps(out, messages);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * A cleared run's pages stay in the file as free pages, for the runs to come: a user who cleared a big run to get
     * the disk back found the file as big as before (285 MB after a run of a million records), without a word.
     * Said when they are worth a copy: a quarter of the file and 32 MB at least.
     */
    private void sayWhatTheFileKeeps(PrintWriter out, Messages messages) {
        SqliteCheckpointStore.FileSpace space = SqliteCheckpointStore.space(database.file);
        if (space != null && space.freeBytes() >= WORTH_A_COPY && space.freeBytes() * 4 >= space.bytes()) {
            out.println(messages.get("msg.clear.spaceKept", database.file, Numbers.bytes(space.bytes()),
                    Numbers.bytes(space.freeBytes())));
        }
    }

    /**
     * The runs to clear; a run that live workers are writing is never cleared: refused before asking, and again by
     * the store in the transaction that deletes (a worker may join in between). With --all, one such run keeps them
     * all. Listened for while it looks: on PostgreSQL a lock another session holds (LOCK TABLE runs, a long
     * transaction) kept the look-up waiting without a word, and a Ctrl+C then ended the process by the JVM's default
     * action. The wait is said as the delete's is, and a Ctrl+C ends it, or the look-up once done, nothing cleared.
     */
    private List<RunInfo> lookUp(CheckpointStore store, HeldFileWait wait) throws Exception {
        List<RunInfo> going;
        try (AutoCloseable listening = context.signals().onInterrupt(wait::stop)) {
            going = which.all ? store.listRuns()
                    : List.of(store.findRun(which.run).orElseThrow(() -> UserError.usageOf("msg.noSuchRun", where(),
                            which.run, knownRuns(store, which.run))));
            if (!going.isEmpty()) {
                store.requireNoLiveWorkers(going.stream().map(RunInfo::name).toList());
            }
        } catch (StoreException e) {
            if (wait.stopped()) {
                throw UserError.of(ExitCodes.INTERRUPTED, "msg.clear.interruptedWaiting", where());
            }
            throw e;
        }
        if (wait.stopped()) {
            throw UserError.of(ExitCodes.INTERRUPTED, "msg.clear.interruptedLookingUp", where());
        }
        return going;
    }

    /**
     * Asks on the terminal whether {@code going} may be deleted, naming the runs and their answers, failed and pending
     * records; true only for a yes in the reader's language. Without a terminal: a usage error saying to add --yes.
     */
    private boolean confirmed(List<RunInfo> going, Messages messages) {
        String what = describe(going, messages);
        Terminal asker = terminal != null ? terminal : Terminal.system(spec.commandLine().getOut());
        if (!asker.present()) {
            throw UserError.usageOf("msg.clear.noTerminal", what, where());
        }
        String answer = asker.ask(messages.get("msg.clear.ask", what, where()));
        if (answer == null) {
            // End of input (Ctrl+D) leaves the cursor after the question: end its line.
            spec.commandLine().getOut().println();
            return false;
        }
        return isYes(answer, messages);
    }

    /** "run 'm' (1,234 answers, 5 failed, 100 pending)" or "2 runs 'a', 'b' (...)", totals over them. */
    static String describe(List<RunInfo> going, Messages messages) {
        long answers = going.stream().mapToLong(RunInfo::done).sum();
        long failed = going.stream().mapToLong(RunInfo::failed).sum();
        long pending = going.stream().mapToLong(RunInfo::pending).sum();
        String names = going.stream().map(r -> "'" + r.name() + "'").collect(Collectors.joining(", "));
        return messages.get("msg.clear.what", going.size(), names, Numbers.grouped(answers), Numbers.grouped(failed),
                Numbers.grouped(pending));
    }

    /** Whether {@code answer} is one of the bundle's words for yes (yes and y; in Chinese also 是, 是的, 确定, 好). */
    static boolean isYes(String answer, Messages messages) {
        String typed = answer.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(messages.get("msg.clear.yesWords").split(","))
                .anyMatch(word -> word.strip().equals(typed));
    }

    /** The runs a database holds, to end a message about a run it lacks. */
    static Phrase knownRuns(CheckpointStore store) {
        return knownRuns(store, null);
    }

    /** As {@link #knownRuns(CheckpointStore)}, those nearest {@code typed} named first among many. */
    static Phrase knownRuns(CheckpointStore store, String typed) {
        return KnownRuns.of(store.listRuns().stream().map(RunInfo::name).toList(), typed);
    }
}
