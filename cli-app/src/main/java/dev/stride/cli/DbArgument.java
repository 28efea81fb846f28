package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import dev.stride.db.PostgresLocation;
import dev.stride.db.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The one place that reads {@code --db}: a PostgreSQL URL ({@code postgresql://USER@HOST:PORT/DBNAME}, also
 * {@code jdbc:postgresql://...}) or else a SQLite file. The password (in the URL or {@code PGPASSWORD}) stays inside
 * the {@link PostgresLocation}, whose text never shows it.
 */
final class DbArgument {
    private DbArgument() {
    }

    /**
     * @return the PostgreSQL database {@code text} names, or null when it names a SQLite file
     * @throws ParameterException a blank name, or a bad URL in one line without its password (exit 2, as any bad
     *                            option)
     */
    static PostgresLocation postgres(CommandLine commandLine, String text) {
        return postgres(commandLine, text, "--db");
    }

    /** As {@link #postgres(CommandLine, String)}, for the option named {@code option} (copy's --from, ...). */
    static PostgresLocation postgres(CommandLine commandLine, String text, String option) {
        if (text.isEmpty()) {
            // An unset variable in a script ("--db $DB"): said as the option it is, not as a folder named "".
            throw new BadDbArgument(commandLine, Messages.text("msg.db.blank", option));
        }
        if (!PostgresLocation.looksLike(text)) {
            return null;
        }
        try {
            return PostgresLocation.parse(text, System.getenv());
        } catch (StoreException e) {
            throw new BadDbArgument(commandLine, e.phrase());
        }
    }

    /** picocli prints a ParameterException as a usage error; this one in the reader's language. */
    static final class BadDbArgument extends ParameterException implements Phrased {
        private static final long serialVersionUID = 1L;

        private final transient Phrase phrase;

        BadDbArgument(CommandLine commandLine, Phrase phrase) {
            super(commandLine, phrase.english());
            this.phrase = phrase;
        }

        @Override
        public Phrase phrase() {
            return phrase;
        }
    }
}
