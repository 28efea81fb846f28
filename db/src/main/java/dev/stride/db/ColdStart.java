package dev.stride.db;

import dev.stride.db.schema.DefaultSchema;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.sqlite.SQLiteJDBCLoader;

/**
 * What the first store opened in a process pays for whichever database it is: sqlite-jdbc's native library loaded,
 * jOOQ's data types (every dialect's, built by its class initializers) and the generated schema's tables. Done ahead,
 * on a thread of its own while the command line is parsed, it is off the way to a run's first request.
 *
 * <p>Only while no other thread uses jOOQ: its class initializers deadlock when two threads first touch it at once
 * from different classes (jOOQ issues 19529 and 19550), so the caller waits for this to end before it opens a store.
 */
public final class ColdStart {
    private ColdStart() {
    }

    /**
     * Initializes what it can; a part that fails is left for the store to fail on, and to report, as it would have.
     * Call after {@link NativeSqliteLibrary#keepInFirstOf}, which decides which library file sqlite-jdbc loads.
     */
    public static void prepare() {
        try {
            SQLiteJDBCLoader.initialize();
        } catch (Exception | LinkageError e) {
            // Opening the store loads it again, and says why it cannot.
        }
        DSL.using(SQLDialect.SQLITE);
        DefaultSchema.DEFAULT_SCHEMA.getTables();
    }
}
