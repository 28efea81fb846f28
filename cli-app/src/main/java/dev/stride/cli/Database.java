package dev.stride.cli;

import dev.stride.db.Board;
import dev.stride.db.PostgresLocation;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The run database a command names with {@code --db}: a SQLite file or a PostgreSQL URL ({@link DbArgument}). The
 * mixins declare the option: {@link DbOption} requires it, {@link DbOrConfig} also takes it from {@code --config}.
 */
abstract class Database {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** The SQLite file, or null when {@code --db} names a PostgreSQL database. */
    Path file;
    /** The PostgreSQL database, or null when {@code --db} names a SQLite file. */
    PostgresLocation postgres;

    void set(String text) {
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
