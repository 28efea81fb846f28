package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --db} is declared once ({@link DbOption}) for the commands that need a database: each still requires it,
 * reads a PostgreSQL URL without showing its password, and describes it in its own words in both languages, a
 * PostgreSQL URL among them.
 */
class DbOptionTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
    private static final Map<String, String> DESCRIBED = Map.of(
            "status", "The run database: a SQLite file", "clear", "The run database: a SQLite file",
            "export", "The run database: a SQLite file", "sql", "The database to query: a SQLite file",
            "snapshot", "The run database to copy: a SQLite file", "score", "The run database: a SQLite file",
            "compare", "The run database: a SQLite file or postgresql://USER@HOST:PORT/DBNAME.",
            "dashboard", "The run database (a SQLite file or a postgresql:// URL).",
            "report", "The run database (a SQLite file or a postgresql:// URL).");

    private static String optionLine(String help) {
        return help.lines().filter(l -> l.stripLeading().startsWith("--db=FILE ")).findFirst().orElse("");
    }

    @Test
    void everyCommandRequiresItAndDescribesItInItsOwnWords() {
        DESCRIBED.forEach((command, description) -> {
            // What else a command requires is given: picocli says that first, and their --db may come from --config.
            Cli.Result missing = switch (command) {
                case "compare" -> EN.run(command, "a", "b");
                case "score" -> EN.run(command, "--label-field", "answer");
                default -> EN.run(command);
            };
            assertThat(missing.exitCode()).as(command).isEqualTo(ExitCodes.USAGE);
            assertThat(missing.err()).as(command).startsWith("stride: missing").contains("--db");

            // The option's line in the list (not the usage line): its own words, the start of them where it wraps.
            String described = optionLine(EN.run(command, "--help").out());
            assertThat(described).as(command).contains(description.substring(0, Math.min(24, description.length())));
            assertThat(optionLine(ZH.run(command, "--help").out())).as(command).doesNotContain("database").isNotBlank();
            // Every one of them takes a PostgreSQL URL as well (README's "Many machines"): its help says so.
            assertThat(EN.run(command, "--help").out()).as(command).contains("postgresql://");
            assertThat(ZH.run(command, "--help").out()).as(command).contains("postgresql://");

            Cli.Result badUrl = EN.run(command, "--db", "postgresql://bob:hunter2@host:notaport/runs");
            assertThat(badUrl.exitCode()).as(command).isEqualTo(ExitCodes.USAGE);
            assertThat(badUrl.err()).as(command)
                    .startsWith("stride: --db postgresql://bob:***@host:notaport/runs is not a PostgreSQL URL")
                    .doesNotContain("hunter2");
        });
    }
}
