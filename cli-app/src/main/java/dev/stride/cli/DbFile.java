package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.core.ShownState;
import dev.stride.core.UnfoldedLog;
import dev.stride.db.FileAlone;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.PostgresLocation;
import dev.stride.db.SchemaUpgrade;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.db.StoreException;
import dev.stride.db.WalFold;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** Small facts about a database file and its runs that several commands need. */
final class DbFile {
    /** A run whose writer has not saved for this long is not running any more (its process died). */
    static final Duration STALE_AFTER = ShownState.STALE_AFTER;

    private DbFile() {
    }

    static void requireExists(Path db) {
        if (!Files.exists(db)) {
            // A '~' quoted in a script reaches stride as it is: the shell that expands it never did.
            throw db.toString().startsWith("~") ? UserError.usageOf("msg.noSuchDatabaseTilde", db)
                    : UserError.usageOf("msg.noSuchDatabase", db, ShellWords.quoted(db));
        }
    }

    /**
     * Refuses, exit 2, a database file to write whose folder is missing: a mistyped path is a usage error, as an
     * {@code -o} in a missing folder is, not a database that cannot be used (exit 4). The words are SQLite's own
     * refusal's, so the message is the same whichever check meets the path first.
     */
    static void requireFolder(Path db) {
        Path folder = db.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            throw UserError.usageOf(db.toString().startsWith("~") ? "msg.db.noFolderTilde" : "msg.db.noFolder", db,
                    folder);
        }
    }

    /**
     * The state to show: a run stored as running that nobody works on any more was killed, so it is interrupted. At
     * once when every worker of it the store knows is gone, as the workers status lists say ({@link ShownState}).
     */
    static String shownState(RunInfo run, boolean workersAllGone, Instant now) {
        return ShownState.of(run, workersAllGone, now).label();
    }

    /**
     * For a command that reads {@code db}: when its WAL holds commits that a stopped stride left there, says so on
     * stderr in one line, with the safe way to copy it. {@code snapshot} is for the command that is that safe way.
     * Best effort: a file that cannot be read is the command's own to report, in its words.
     */
    static void warnIfLeftBehind(Path db, CommandSpec spec, boolean snapshot) {
        FileAlone alone;
        try {
            alone = FileAlone.look(db, Instant.now(), STALE_AFTER);
        } catch (StoreException e) {
            return;
        }
        if (alone.state() == FileAlone.State.LEFT_BEHIND) {
            PrintWriter err = spec.commandLine().getErr();
            Messages m = Messages.of(spec);
            err.println(snapshot
                    ? m.get("msg.wal.leftBehindInSnapshot", db, alone.answersOnlyInWal().orElse(0), alone.wal())
                    : leftBehind(alone, m));
            err.flush();
        }
    }

    /**
     * For a command that writes {@code db}: folds into it the commits that a stopped stride left in its WAL, before
     * anything else, and says so on stderr in one line. Opening the store would fold them too, silently; this is
     * the same fold, done first so the user hears of it. Nothing happens while another process has the file open.
     */
    static void foldIfLeftBehind(Path db, CommandSpec spec) {
        WalFold.ifLeftBehind(db).ifPresent(fold -> {
            PrintWriter err = spec.commandLine().getErr();
            err.println(Messages.of(spec).get("msg.wal.folded", db, fold.answers().orElse(0), fold.wal()));
            err.flush();
        });
    }

    /**
     * For a command that reads {@code db}: a file an older stride wrote is first brought up to this build's schema,
     * as {@code stride run} would (the same upgrade, see {@link SqliteCheckpointStore#upgradeIfOlder}), and said on
     * stderr in one line, with what its WAL held folded in first and said too. A user who upgraded stride expects the
     * new one to open the file; a file at this build's schema is only read. One that cannot be written here is
     * refused (exit 4) with what to do.
     */
    static void upgradeIfOlder(Path db, CommandSpec spec) {
        sayUpgraded(SqliteCheckpointStore.upgradeIfOlder(db, () -> foldIfLeftBehind(db, spec)), spec);
    }

    /**
     * As {@link #upgradeIfOlder(Path, CommandSpec)}, for a PostgreSQL database: brought up to this build's schema
     * as a run would ({@link PostgresCheckpointStore#upgradeIfOlder}), and said in the same line.
     */
    static void upgradeIfOlder(PostgresLocation db, CommandSpec spec) {
        sayUpgraded(PostgresCheckpointStore.upgradeIfOlder(db), spec);
    }

    /**
     * Says on stderr, in one line, the upgrade that opening a database to write it made (run, copy and merge into an
     * existing one): the same line the reading commands print, since an older stride no longer opens it after.
     * Nothing for a database that was current, new, or upgraded by another stride at the same moment.
     */
    static void sayUpgraded(Optional<SchemaUpgrade> upgrade, CommandSpec spec) {
        upgrade.ifPresent(u -> {
            PrintWriter err = spec.commandLine().getErr();
            err.println(Messages.of(spec).get("msg.schema.upgraded", u.database(), u.from(), u.to()));
            err.flush();
        });
    }

    /**
     * For a command that wrote a file and closed it: when the close could not fold the WAL in because another
     * connection kept a read transaction open, says in one line that the file alone is not whole, why, and how to
     * copy it meanwhile. A clean end used to say nothing, and the file alone was copied as if whole. Nothing when it
     * is whole, or gone (a new file that kept no run is removed as it closes).
     */
    static void sayIfUnfolded(Optional<UnfoldedLog> unfolded, PrintWriter out, Messages m) {
        unfolded.filter(u -> Files.exists(u.file())).ifPresent(u -> {
            out.println(m.get("msg.run.notWholeAtClose", u.file(), u.log(), Numbers.bytes(u.bytes())));
            out.flush();
        });
    }

    /** What {@code stride status} says of the file: whether it alone holds everything right now. */
    static String describe(FileAlone alone, Messages m) {
        return switch (alone.state()) {
            case WHOLE -> m.get("msg.fileAlone.whole", alone.file());
            case BEING_WRITTEN -> m.get("msg.fileAlone.beingWritten", alone.file(), alone.wal(),
                    Numbers.bytes(alone.walBytes()));
            case LEFT_BEHIND -> leftBehind(alone, m);
            case HELD_ELSEWHERE -> m.get(noRoomToFold(alone) ? "msg.fileAlone.diskFull"
                    : "msg.fileAlone.heldElsewhere", alone.file(), alone.wal(), Numbers.bytes(alone.walBytes()));
        };
    }

    /**
     * Whether the WAL stayed because its disk has no room to fold it in: a stride that stopped on a full disk (or a
     * copy that filled it) closed without folding, which neither a sqlite3 shell nor a kill is to blame for.
     */
    private static boolean noRoomToFold(FileAlone alone) {
        try {
            Path folder = alone.file().toAbsolutePath().getParent();
            return folder != null && Files.getFileStore(folder).getUsableSpace() < alone.walBytes();
        } catch (IOException e) {
            return false;
        }
    }

    private static String leftBehind(FileAlone alone, Messages m) {
        if (noRoomToFold(alone)) {
            return m.get("msg.fileAlone.diskFull", alone.file(), alone.wal(), Numbers.bytes(alone.walBytes()));
        }
        return m.get("msg.wal.leftBehind", alone.file(), alone.answersOnlyInWal().orElse(0), alone.wal());
    }
}
