package dev.stride.cli;

import picocli.CommandLine.Option;

/**
 * {@code --db DB}, required, for every command that reads or writes a run database: a SQLite file or a PostgreSQL
 * URL ({@link DbArgument}). Its description is the bundle's {@code stride.COMMAND.db}, so each command's help says
 * what the database is for there ("The database to query.", "The run database to copy.").
 *
 * <p>{@code stride run} (where {@code --db} may come from {@code --config}) and {@code stride demo} (a file with a
 * default) declare their own; {@code stride status} takes {@link DbOrConfig}.
 */
final class DbOption extends Database {
    @Option(names = "--db", required = true, paramLabel = "FILE")
    void db(String text) {
        set(text);
    }
}
