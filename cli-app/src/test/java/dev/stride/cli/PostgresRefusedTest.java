package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A PostgreSQL server that answers but refuses: the database named in the URL does not exist, or the user is not let
 * in. Each is one line that says what to do about it (exit code 4), not only the server's words.
 */
class PostgresRefusedTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @Test
    void aMissingDatabaseOrAnUnknownUserIsOneLineSayingWhatToDo() throws Exception {
        String db = pg.url();
        String server = db.substring("postgresql://postgres@".length(), db.lastIndexOf('/'));
        String port = server.substring(server.indexOf(':') + 1);

        Cli.Result noDatabase = EN.run("status", "--db", "postgresql://postgres@" + server + "/nosuchdb");
        assertThat(noDatabase.exitCode()).as(noDatabase.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(noDatabase.err()).isEqualTo("stride: PostgreSQL at " + server + " has no database nosuchdb:"
                + " create it (createdb -h 127.0.0.1 -p " + port + " -U postgres nosuchdb), or check the database"
                + " name in the URL\n");

        String stranger = "postgresql://nosuchuser:hunter2@" + server + "/postgres";
        Cli.Result notLetIn = EN.run("status", "--db", stranger);
        assertThat(notLetIn.exitCode()).as(notLetIn.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(notLetIn.err()).startsWith("stride: PostgreSQL at " + server + " did not let stride in (")
                .contains("nosuchuser")
                .endsWith("): check the user in postgresql://nosuchuser@" + server + "/postgres and the password"
                        + " (in the URL or in PGPASSWORD)\n")
                .doesNotContain("hunter2");
        assertThat(notLetIn.err().lines().count()).isEqualTo(1);
    }
}
