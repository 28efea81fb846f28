package dev.stride.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The writer's two commit levels, switched around every cursor save (FULL for its commit, NORMAL again after it):
 * kept prepared, as the save's other statements are, instead of compiling two PRAGMA statements each save, thousands
 * of times in a long run.
 */
final class SyncLevels implements AutoCloseable {
    private final PreparedStatement full;
    private final PreparedStatement normal;

    SyncLevels(Connection writer) throws SQLException {
        this.full = writer.prepareStatement("PRAGMA synchronous = FULL");
        this.normal = writer.prepareStatement("PRAGMA synchronous = NORMAL");
    }

    /** The next commits fsync the WAL (and with it every commit before them). */
    void full() throws SQLException {
        full.execute();
    }

    /** The next commits survive a crash of the process without an fsync. */
    void normal() throws SQLException {
        normal.execute();
    }

    @Override
    public void close() throws SQLException {
        full.close();
        normal.close();
    }
}
