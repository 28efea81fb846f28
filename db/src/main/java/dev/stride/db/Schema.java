package dev.stride.db;

import dev.stride.core.ShellWords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/** The schema's version, kept by Flyway in flyway_schema_history; migrations ship in the jar. */
final class Schema {
    static final String LOCATION = "classpath:db/migration";
    /** The tables, indexes, views and triggers of whoever made the file: all but SQLite's own. */
    private static final String USER_OBJECTS = " FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

    /** The newest migration this build ships (SchemaVersionTest keeps it equal to the newest V*.sql). */
    static final int LATEST = 26;

    private Schema() {
    }

    /**
     * Whether the database already has exactly this build's schema, read from Flyway's history table with one
     * query. Flyway itself scans the whole jar for migrations (hundreds of milliseconds) before it can tell; this
     * answers for the common case, and anything else goes through Flyway.
     */
    static boolean isCurrent(Connection connection) {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)), min(success)"
                     + " FROM flyway_schema_history WHERE version IS NOT NULL")) {
            return rs.next() && rs.getInt(1) == LATEST && rs.getInt(2) == 1;
        } catch (SQLException e) {
            return false; // no history table yet, or not readable: let Flyway say what it is
        }
    }

    /**
     * Brings a database up to this build's schema; refuses one made by a newer stride or by another program.
     *
     * <p>The whole upgrade is one IMMEDIATE transaction on the writer's connection ({@link OneTransaction}): strides
     * started together on a new file wait for each other at its BEGIN (busy timeout), and the ones after the first
     * find the schema whole instead of a file with Flyway's history table and nothing in it yet, which looks like
     * another program's database.
     *
     * @return the version an existing file had when this call upgraded it; empty when it was current, another stride
     *         upgraded it first, or it was new (nothing in it yet: created, not upgraded)
     */
    static Optional<Object> migrate(Connection connection, Path file) {
        if (isCurrent(connection)) {
            return Optional.empty();
        }
        try {
            connection.setAutoCommit(false); // BEGIN IMMEDIATE: waits here while another stride upgrades the file
            try {
                Optional<Object> from = Optional.empty();
                if (!isCurrent(connection)) { // the other one may have done it meanwhile
                    from = upgrade(new OneTransaction(connection), connection, file);
                }
                connection.commit();
                return from;
            } catch (RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /** Migrates; returns the version an existing file had, empty for a new one. */
    private static Optional<Object> upgrade(DataSource source, Connection connection, Path file) {
        try {
            if (userObjects(connection, file) == 0) {
                // A new file: no history to read (no newer stride's, no other program's tables), nothing applied to
                // validate. Flyway's info() and its validation would scan and parse the migrations once more each.
                flywayConfiguration(source).validateOnMigrate(false).load().migrate();
                return Optional.empty();
            }
            Flyway flyway = flyway(source);
            MigrationInfoService info = flyway.info();
            refuseNewer(info, file);
            if (info.applied().length == 0 && userObjects(connection, file) > 0) {
                throw notStride(file);
            }
            Object from = version(info.current());
            // Under this transaction's lock, so no older stride joins between this look and the upgrade.
            Workforce.refuseUpgradeWhileAtWork(connection, Workforce.SQLITE_NOW, file, from);
            flyway.migrate();
            return Optional.of(from);
        } catch (FlywayException e) {
            SQLException sql = SqliteFiles.sqlCause(e);
            if (sql != null) {
                throw SqliteFiles.translate(file, sql); // disk full, read-only, damaged: said as such
            }
            throw new StoreException(DbPhrase.of("schema.cannotUpgrade", file, SqliteFiles.detail(e)), e);
        }
    }

    /** Refuses an empty file where an existing checkpoint is wanted: it is none (yet). */
    static void refuseEmpty(Path file) {
        if (SqliteFiles.isEmptyFile(file)) {
            throw notStride(file);
        }
    }

    /**
     * Refuses another program's database before stride opens a connection that writes: the writer's connection sets
     * the file to WAL mode as it opens, and an upgrade's refusal came after that, so a file stride would not touch was
     * changed all the same. A file with tables of its own and no history of stride's is another program's; a new or
     * empty file is stride's to make, and one SQLite cannot read is left for the writer's open to say what it is.
     */
    static void refuseForeign(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                return;
            }
        } catch (IOException e) {
            return; // the writer's open says why it cannot be read
        }
        SqliteFiles.openedBySqlite(file);
        try (Connection c = SqliteFiles.readerSource(file).getConnection()) {
            if (foreign(c)) {
                throw notStride(file);
            }
        } catch (SQLException e) {
            // Not SQLite, damaged or locked: the writer's open tells which, in its words.
        }
    }

    /** Tables of its own and no history of stride's: another program's database. */
    private static boolean foreign(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(*) FILTER (WHERE name = 'flyway_schema_history')"
                     + USER_OBJECTS)) {
            return rs.next() && rs.getInt(1) > 0 && rs.getInt(2) == 0;
        }
    }

    /** Checks, without writing, that a database has exactly this build's schema. */
    static void checkCurrent(DataSource readOnlySource, Path file) {
        olderVersion(readOnlySource, file).ifPresent(version -> {
            throw new StoreException(DbPhrase.of("schema.older", file, version, ShellWords.quoted(file)));
        });
    }

    /**
     * The version of a stride database with an older schema than this build's, read without writing; empty for one
     * with exactly this build's.
     *
     * @throws StoreException for one of a newer stride, another program's, or one that cannot be read
     */
    static Optional<Object> olderVersion(DataSource readOnlySource, Path file) {
        try (Connection c = readOnlySource.getConnection()) {
            if (isCurrent(c)) {
                return Optional.empty();
            }
            if (foreign(c)) {
                throw notStride(file); // before Flyway, which logs what it finds as it looks
            }
        } catch (SQLException e) {
            // Not even readable: Flyway's look below reports it in its words.
        }
        try {
            MigrationInfoService info = flyway(readOnlySource).info();
            refuseNewer(info, file);
            if (info.applied().length == 0) {
                throw notStride(file);
            }
            return info.pending().length > 0 ? Optional.of(version(info.current())) : Optional.empty();
        } catch (FlywayException e) {
            SQLException sql = SqliteFiles.sqlCause(e);
            if (sql != null) {
                throw SqliteFiles.translate(file, sql);
            }
            throw new StoreException(DbPhrase.of("schema.cannotReadVersion", file, SqliteFiles.detail(e)), e);
        }
    }

    /** Checks, without writing, that a database is stride's (any schema version this build or an older one made). */
    static void checkStride(DataSource readOnlySource, Path file) {
        try (Connection c = readOnlySource.getConnection()) {
            if (foreign(c)) {
                throw notStride(file); // before Flyway, which logs what it finds as it looks
            }
        } catch (SQLException e) {
            // Not even readable: Flyway's look below reports it in its words.
        }
        try {
            MigrationInfoService info = flyway(readOnlySource).info();
            refuseNewer(info, file);
            if (info.applied().length == 0) {
                throw notStride(file);
            }
        } catch (FlywayException e) {
            SQLException sql = SqliteFiles.sqlCause(e);
            if (sql != null) {
                throw SqliteFiles.translate(file, sql);
            }
            throw new StoreException(DbPhrase.of("schema.cannotReadVersion", file, SqliteFiles.detail(e)), e);
        }
    }

    private static Flyway flyway(DataSource source) {
        return flywayConfiguration(source).load();
    }

    private static FluentConfiguration flywayConfiguration(DataSource source) {
        // Flyway logs each step at INFO to stderr unless told otherwise; a look at an older file's version from a
        // command's first touch of it (a WAL folded in) came before any store had quietened it.
        SqliteCheckpointStore.quietLibraries();
        FluentConfiguration configuration = Flyway.configure(Schema.class.getClassLoader())
                .dataSource(source)
                .locations(LOCATION)
                // All pending migrations as one group: they are in one transaction anyway (OneTransaction), and
                // Flyway otherwise re-reads its history and re-resolves every migration after each one it applies.
                .group(true);
        ShippedMigrations shipped = ShippedMigrations.ifComplete();
        // Flyway skips its classpath scan only when it is given both the scripts and the Java migrations (none).
        return shipped == null ? configuration
                : configuration.resourceProvider(shipped).javaMigrationClassProvider(List::of);
    }

    /*
     * Flyway's default ignoreMigrationPatterns ("*:future") lets migrate() pass over versions it does not know, so a
     * database from a newer stride would be written by code that does not understand it. Refused here instead.
     */
    private static void refuseNewer(MigrationInfoService info, Path file) {
        MigrationInfo[] future = Arrays.stream(info.all())
                .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS
                        || m.getState() == MigrationState.FUTURE_FAILED)
                .toArray(MigrationInfo[]::new);
        if (future.length > 0) {
            MigrationInfo newest = future[future.length - 1];
            throw new StoreException(DbPhrase.of("schema.newer", file, version(newest), knownVersion(info)));
        }
    }

    /** The newest version this build ships, as text, or the phrase for "none". */
    private static Object knownVersion(MigrationInfoService info) {
        Object known = DbPhrase.of("schema.noVersion");
        for (MigrationInfo m : info.all()) {
            MigrationState state = m.getState();
            if (m.getVersion() != null && state != MigrationState.FUTURE_SUCCESS
                    && state != MigrationState.FUTURE_FAILED) {
                known = m.getVersion().getVersion();
            }
        }
        return known;
    }

    /** The version of {@code migration} as text, or the phrase for "none". */
    private static Object version(MigrationInfo migration) {
        return migration == null || migration.getVersion() == null
                ? DbPhrase.of("schema.noVersion") : migration.getVersion().getVersion();
    }

    private static int userObjects(Connection connection, Path file) {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*)" + USER_OBJECTS)) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    private static StoreException notStride(Path file) {
        return new StoreException(DbPhrase.of("schema.notStride", file));
    }
}
