package dev.stride.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;

/**
 * PostgreSQL's schema, kept by Flyway like SQLite's, from its own migrations with the same version numbers (so
 * {@link Schema#LATEST} means the same on both). They sit in {@code db/postgresql}, not under {@code db/migration}:
 * Flyway looks into subfolders of a location, so a folder inside SQLite's would hand SQLite PostgreSQL's files.
 */
final class PostgresSchema {
    static final String LOCATION = "classpath:db/postgresql";
    private static final String SCHEMA_LOCK = "stride schema";

    private PostgresSchema() {
    }

    /** This build's schema, read from the history with one query, without Flyway's scan of the jar. */
    static boolean isCurrent(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)), bool_and(success)"
                     + " FROM flyway_schema_history WHERE version IS NOT NULL")) {
            return rs.next() && rs.getInt(1) == Schema.LATEST && rs.getBoolean(2);
        } catch (SQLException e) {
            // A user not allowed to read stride's tables would see a database without runs (status, export and a
            // snapshot all empty); said as what it is instead.
            if (PostgresErrors.isNotAllowed(e)) {
                throw e;
            }
            return false;
        } finally {
            try {
                if (!connection.getAutoCommit()) {
                    connection.rollback(); // a failed query leaves the transaction aborted
                }
            } catch (SQLException ignored) {
                // The caller's next statement says what is wrong.
            }
        }
    }

    /**
     * Creates or upgrades the schema; refuses a database of another program or of a newer stride.
     *
     * @return the version the database had when this call upgraded it; empty when it was current, another stride
     *         upgraded it first, or it was new
     */
    static Optional<Integer> migrate(PostgresLocation location, Connection connection) throws SQLException {
        if (isCurrent(connection)) {
            return Optional.empty();
        }
        // Two workers started together on a new database: without this lock, the second looked while the first's
        // Flyway was halfway, found tables and no finished history, and took the database for another program's.
        // Held by this session until it has looked again and migrated, so the second finds the schema done.
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT pg_advisory_lock(hashtext('" + SCHEMA_LOCK + "'))");
        }
        try {
            return isCurrent(connection) ? Optional.empty() : migrateLocked(location, connection);
        } finally {
            try (Statement st = connection.createStatement()) {
                st.execute("SELECT pg_advisory_unlock(hashtext('" + SCHEMA_LOCK + "'))");
            }
        }
    }

    /** Migrates; returns the version the database had, empty for a new one (no history: nothing to upgrade). */
    private static Optional<Integer> migrateLocked(PostgresLocation location, Connection connection) {
        try {
            Flyway flyway = flyway(location);
            MigrationInfoService info = flyway.info();
            MigrationInfo[] future = Arrays.stream(info.all())
                    .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS
                            || m.getState() == MigrationState.FUTURE_FAILED)
                    .toArray(MigrationInfo[]::new);
            if (future.length > 0) {
                throw new StoreException(DbPhrase.of("pg.newer", location,
                        future[future.length - 1].getVersion().getVersion(), Schema.LATEST));
            }
            if (info.applied().length == 0 && !isBlank(connection)) {
                throw new StoreException(DbPhrase.of("pg.notStride", location));
            }
            MigrationInfo current = info.current();
            Optional<Integer> from = current == null || current.getVersion() == null ? Optional.empty()
                    : Optional.of(Integer.valueOf(current.getVersion().getVersion()));
            if (from.isPresent()) {
                // An older stride does not take the schema lock: one that joins after this look is not seen.
                Workforce.refuseUpgradeWhileAtWork(connection, Workforce.POSTGRES_NOW, location, from.get());
            }
            // Flyway validates as it migrates: a history row of a file edited after it shipped would refuse it.
            EarlierChecksums.adopt(connection, info, EarlierChecksums.POSTGRES);
            flyway.migrate();
            return from;
        } catch (SQLException e) {
            throw PostgresErrors.translate(location, e);
        } catch (FlywayException e) {
            SQLException sql = PostgresErrors.sqlCause(e);
            if (sql != null && PostgresErrors.isNotAllowed(sql)) {
                // Not the readers' "grant SELECT on stride's tables": there are none yet, or they must change. Since
                // PostgreSQL 15 only the database's owner may create in its schema public, so a user made for
                // stride alone and given someone else's database hits this first.
                throw new StoreException(DbPhrase.of("pg.cannotCreate", location.hostAndPort(), location.user(),
                        location.database(), PostgresErrors.detail(sql)), e);
            }
            if (sql != null) {
                throw PostgresErrors.translate(location, sql);
            }
            throw new StoreException(DbPhrase.of("pg.cannotUpgrade", location, PostgresErrors.detail(e)), e);
        }
    }

    /**
     * Checks, without writing, that the database has this build's schema, or no tables at all: a new database
     * stride has not written to yet holds no runs, as a reader should say, rather than another program's tables.
     *
     * @return true for such a new, empty database
     */
    static boolean checkCurrent(PostgresLocation location, Connection connection) {
        try {
            if (isCurrent(connection)) {
                return false;
            }
            if (isBlank(connection)) {
                return true;
            }
        } catch (SQLException e) {
            throw PostgresErrors.translate(location, e);
        }
        throw new StoreException(DbPhrase.of("pg.older", location, storedVersion(location, connection)));
    }

    /**
     * The version of a stride database whose schema is older than this build's, read without writing; empty for one
     * with this build's schema, or a new one without tables.
     *
     * @throws StoreException for one of a newer stride or of another program
     */
    static Optional<Integer> olderVersion(PostgresLocation location, Connection connection) {
        try {
            if (isCurrent(connection) || isBlank(connection)) {
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw PostgresErrors.translate(location, e);
        }
        return Optional.of(storedVersion(location, connection));
    }

    /** The version in stride's history table, at most this build's; refused as a newer stride's or another's. */
    private static int storedVersion(PostgresLocation location, Connection connection) {
        int version;
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")) {
            rs.next();
            version = rs.getInt(1);
        } catch (SQLException e) {
            throw new StoreException(DbPhrase.of("pg.notStride", location), e);
        }
        if (version > Schema.LATEST) {
            throw new StoreException(DbPhrase.of("pg.newer", location, version, Schema.LATEST));
        }
        return version;
    }

    /** No table in the schema stride uses (the user's current one): a new database, nothing stored in it yet. */
    static boolean isBlank(Connection connection) throws SQLException {
        return userTables(connection) == 0;
    }

    private static Flyway flyway(PostgresLocation location) {
        var props = location.connectionProperties();
        SqliteCheckpointStore.quietLibraries(); // Flyway's steps at INFO on stderr otherwise, as Schema says
        return Flyway.configure(PostgresSchema.class.getClassLoader())
                .dataSource(location.jdbcUrl(), props.getProperty("user"), props.getProperty("password"))
                .locations(LOCATION)
                .load();
    }

    private static int userTables(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables"
                     + " WHERE table_schema = current_schema()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
