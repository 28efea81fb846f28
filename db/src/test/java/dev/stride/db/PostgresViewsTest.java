package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The progress view on PostgreSQL says what ViewsTest shows it saying on SQLite. */
class PostgresViewsTest {
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    /** WaitingViewCase on PostgreSQL. */
    @Test
    void aRunningRunWhoseLiveWorkersAllWaitForTheirServerIsShownWaiting() throws Exception {
        String url = PG.newDatabase();
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(url))) {
            WaitingViewCase.storeRuns(store);
        }
        try (Connection c = PostgresCluster.connect(url); Statement s = c.createStatement()) {
            assertThat(WaitingViewCase.shown(s, seconds -> "to_char((now() AT TIME ZONE 'UTC') + interval '" + seconds
                    + " seconds', 'YYYY-MM-DD HH24:MI:SS.MS')")).containsExactlyElementsOf(WaitingViewCase.SHOWN);
        }
    }
}
