package dev.stride.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

/**
 * Flyway's checksums of PostgreSQL migrations as an earlier stride shipped them, before the file was edited in place.
 * Flyway's validation refuses a database whose history holds one of them ("Migration checksum mismatch"), so that no
 * newer stride could open a database an older one made; {@link #adopt} brings such history rows to the current file's
 * checksum before Flyway validates. Only these: any other mismatch means someone edited the history or a file by hand,
 * and Flyway still refuses it. The schema those files made is the current one (V18) or is made so by V26 (V21).
 * ShippedChecksumsTest fails when a shipped migration is edited again; SQLite's never were.
 */
final class EarlierChecksums {
    /** By version: the checksums of that version's file in earlier strides, computed by Flyway from each file. */
    static final Map<String, Set<Integer>> POSTGRES = Map.of(
            // V18__tokens_of_a_run.sql as e9725d32 shipped it; 4da94093 added a LOCK TABLE (the same schema).
            "18", Set.of(-2120704404),
            // V21__score_counts.sql as 2a483cc4 wrote it (row triggers; on the accuracy branch, merged to main with
            // 1381107f in 82a954e3) and as 1381107f shipped it (statement triggers; d1d784f8 then made their functions
            // return at once over no rows). V26 makes the triggers and functions of both the current ones.
            "21", Set.of(-1577061197, -1958245379));

    private EarlierChecksums() {
    }

    /**
     * Sets the checksum of each applied migration whose file an earlier stride shipped with a checksum in
     * {@code earlier} to the current file's, on {@code connection} (committed, for Flyway's own connection to see),
     * under the caller's schema lock. Nothing is changed when another applied migration differs from its file in a way
     * no stride shipped: Flyway refuses the database, which stays as it was.
     *
     * @return how many history rows were brought to the current checksum
     */
    static int adopt(Connection connection, MigrationInfoService info, Map<String, Set<Integer>> earlier)
            throws SQLException {
        List<MigrationInfo> shipped = new ArrayList<>();
        for (MigrationInfo m : info.applied()) {
            Integer applied = m.getAppliedChecksum();
            Integer current = m.getResolvedChecksum();
            if (m.getVersion() == null || applied == null || current == null || applied.equals(current)) {
                continue;
            }
            if (!earlier.getOrDefault(m.getVersion().getVersion(), Set.of()).contains(applied)) {
                return 0;
            }
            shipped.add(m);
        }
        int adopted = 0;
        for (MigrationInfo m : shipped) {
            try (PreparedStatement st = connection.prepareStatement("UPDATE flyway_schema_history SET checksum = ?"
                    + " WHERE version = ? AND checksum = ?")) {
                st.setInt(1, m.getResolvedChecksum());
                st.setString(2, m.getVersion().getVersion());
                st.setInt(3, m.getAppliedChecksum());
                adopted += st.executeUpdate();
            }
        }
        if (adopted > 0 && !connection.getAutoCommit()) {
            connection.commit();
        }
        return adopted;
    }
}
