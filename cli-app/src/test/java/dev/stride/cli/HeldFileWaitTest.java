package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.DatabaseOutage;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The line a clear, copy or merge says once while a PostgreSQL lock another session holds keeps it waiting. */
class HeldFileWaitTest {
    @TempDir
    Path dir;

    private String told(Messages messages, DatabaseOutage outage) {
        StringWriter err = new StringWriter();
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("any.db"))) {
            HeldFileWait wait = HeldFileWait.on(store, new PrintWriter(err), messages);
            wait.databaseUnreachable(outage);
            wait.databaseUnreachable(outage); // said once
        }
        return err.toString();
    }

    @Test
    void theHoldersSeenAreNamedAndOtherwiseTheLineIsSaidWithoutThem() {
        String held = told(Messages.ENGLISH, DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(3),
                "lock timeout", "pid 1234 (psql, idle in transaction)"));
        String unseen = told(Messages.ENGLISH, DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(3),
                "lock timeout", null));
        String zh = told(Messages.of(Locale.CHINESE), DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(3),
                "lock timeout", "pid 1234 (psql, idle in transaction)"));

        assertThat(held).isEqualTo("waiting for a lock on PostgreSQL db:5432 that another session holds (pid 1234"
                + " (psql, idle in transaction): another stride command syncing a changed input or clearing, LOCK"
                + " TABLE, VACUUM FULL, a long transaction? see pg_locks and pg_stat_activity) for 3.0s; nothing is"
                + " changed until it lets go, Ctrl+C stops and leaves the database as it was" + System.lineSeparator());
        assertThat(unseen).startsWith("waiting for a lock on PostgreSQL db:5432 that another session holds (another"
                + " stride command").doesNotContain("pid");
        assertThat(zh).contains("正在等待 PostgreSQL db:5432 上另一个会话持有的锁（pid 1234 (psql, idle in transaction)：")
                .contains("3.0s");
    }
}
