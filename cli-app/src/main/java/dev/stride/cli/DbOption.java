package dev.stride.cli;

import dev.stride.db.Board;
import dev.stride.db.PostgresLocation;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --db DB}, required, for every command that reads or writes a run database: a SQLite file or a PostgreSQL
 * URL ({@link DbArgument}). Its description is the bundle's {@code stride.COMMAND.db}, so each command's help says
 * what the database is for there ("The database to query.", "The run database to copy.").
 *
 * <p>{@code stride run} (where {@code --db} may come from {@code --config}) and {@code stride demo} (a file with a
 * default) declare their own.
 */
final class DbOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** The SQLite file, or null when {@code --db} names a PostgreSQL database. */
    Path file;
    /** The PostgreSQL database, or null when {@code --db} names a SQLite file. */
    PostgresLocation postgres;

    @Option(names = "--db", required = true, paramLabel = "FILE")
    void db(String text) {
        postgres = DbArgument.postgres(mixee.commandLine(), text);
        file = postgres == null ? Path.of(text) : null;
    }

    /** The database as messages name it: the file, or the URL without its password. */
    Object named() {
        return postgres != null ? postgres : file;
    }

    /** What the dashboard, the report and status read the database through ({@link Board}), on either vendor. */
    Board board() {
        return postgres != null ? Board.postgres(postgres) : Board.sqlite(file);
    }
}
