package dev.stride.cli;

import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * {@code --db DB}, or the {@code db} of a {@code --config FILE} written for {@code stride run}: the file that runs a
 * dataset names the database (and the run, the prices) that the commands looking at it then need, and typing them
 * again was the user's to get right. The command's own options the file sets are taken from it, an option given on
 * the command line winning; run's settings that the command has no use for (model, template, ...) are passed over;
 * a key neither has is refused with the file's line, as run refuses it.
 */
final class DbOrConfig extends Database {
    @Option(names = "--db", paramLabel = "FILE")
    void db(String text) {
        set(text);
    }

    @Option(names = "--config", paramLabel = "FILE")
    Path config;

    /** Applies {@code --config}, if given, to the command's options; then requires the database named somewhere. */
    void resolve() {
        resolve(null);
    }

    /**
     * As {@link #resolve()}, taking from the file only the options named in {@code taken} (without dashes); run's
     * other settings are passed over, even those the command has an option of the same name for.
     */
    void resolve(Set<String> taken) {
        if (config != null) {
            new ConfigFile(config).applyTo(mixee, input -> { }, RunCommand.settings(), taken);
        }
        if (file == null && postgres == null) {
            throw UserError.usageOf("msg.db.nameIt");
        }
    }
}
