package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** --db as a PostgreSQL URL: what is read from it, and that its password shows nowhere. */
class PostgresLocationTest {
    @Test
    void theUrlGivesUserHostPortAndDatabaseAndThePasswordOnlyToConnect() {
        PostgresLocation l = PostgresLocation.parse("postgresql://stride:s%40cret@db1:6543/runs", Map.of());

        assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:6543/runs");
        assertThat(l.connectionProperties()).containsEntry("user", "stride").containsEntry("password", "s@cret");
        assertThat(l.shown()).isEqualTo("postgresql://stride@db1:6543/runs");
        assertThat(l.toString()).isEqualTo(l.shown()).doesNotContain("cret");
        assertThat(l.hostAndPort()).isEqualTo("db1:6543");
    }

    @Test
    void theJdbcFormTheDefaultPortAndPgpasswordAreUnderstood() {
        PostgresLocation l = PostgresLocation.parse("jdbc:postgresql://stride@db1/runs",
                Map.of("PGPASSWORD", "fromEnv9"));

        assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5432/runs");
        assertThat(l.connectionProperties()).containsEntry("password", "fromEnv9");
        assertThat(l.shown()).doesNotContain("fromEnv9");
        // The URL's own password wins over the environment's.
        assertThat(PostgresLocation.parse("postgresql://u:inUrl@h/d", Map.of("PGPASSWORD", "env"))
                .connectionProperties()).containsEntry("password", "inUrl");
        assertThat(PostgresLocation.parse("postgresql://u@h/d", Map.of()).connectionProperties())
                .doesNotContainKey("password");
    }

    @Test
    void theUrlsSslParametersGoToTheDriverAndNowhereElse() {
        PostgresLocation l = PostgresLocation.parse(
                "postgresql://u@h/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&sslpassword=key-XY7", Map.of());

        assertThat(l.connectionProperties()).containsEntry("sslmode", "verify-full")
                .containsEntry("sslrootcert", "/etc/ca.pem").containsEntry("sslpassword", "key-XY7");
        assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/d");
        assertThat(l.shown()).isEqualTo("postgresql://u@h/d".replace("@h/", "@h:5432/"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u@h/d?sslmod=require", "postgresql://u@h/d?sslmode=require&connect_timeout=3",
        "postgresql://u@h/d?sslmode", "postgresql://u@h/d?password=pw-XY7"})
    void aUrlParameterStrideDoesNotPassOnIsRefusedByName(String url) {
        String name = url.substring(url.lastIndexOf(url.contains("&") ? '&' : '?') + 1).split("=")[0];
        assertThatThrownBy(() -> PostgresLocation.parse(url, Map.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("sslmode")
                .hasMessageNotContaining("pw-XY7");
    }

    @Test
    void aBadUrlShowsNoneOfItsQuery() {
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://u@h:port/d?sslpassword=key-XY7", Map.of()))
                .hasMessageContaining("is not a PostgreSQL URL")
                .hasMessageNotContaining("key-XY7");
    }

    /** libpq lets the user be left out; the secret in the query is hidden all the same. */
    @Test
    void aBadUrlWithoutAUserShowsNoneOfItsQueryEither() {
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://db1:port/stride?sslmode=verify-full"
                + "&sslpassword=hunter2", Map.of()))
                .hasMessageContaining("is not a PostgreSQL URL")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> PostgresLocation.parse("jdbc:postgresql://h:port/db?user=u&password=s3cret",
                Map.of()))
                .hasMessageNotContaining("s3cret");
        assertThat(PostgresLocation.maskedText("postgresql://u:pa?ss@h/d?sslpassword=k9")).isEqualTo(
                "postgresql://u:***@h/d?...");
    }

    @Test
    void onlyPostgresqlUrlsAreTakenForOne() {
        assertThat(PostgresLocation.looksLike("postgresql://u@h/d")).isTrue();
        assertThat(PostgresLocation.looksLike("JDBC:postgresql://u@h/d")).isTrue();
        assertThat(PostgresLocation.looksLike("runs.db")).isFalse();
        assertThat(PostgresLocation.looksLike("/data/postgresql/runs.db")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u:pw-XY7@/d", "postgresql://u:pw-XY7@h", "postgresql://u:pw-XY7@h/",
        "postgresql://h:5432/d", "postgresql://u:pw-XY7@h/d/e", "postgresql://u:pw-XY7@h/d#x",
        "postgresql://u:pw-XY7@h:port/d"})
    void aBadUrlIsOneLineWithoutItsPassword(String url) {
        assertThatThrownBy(() -> PostgresLocation.parse(url, Map.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("is not a PostgreSQL URL")
                .hasMessageNotContaining("pw-XY7");
    }

    /** A raw @ / ? # or % in the password breaks the URL: the line says to encode them, and shows none of it. */
    @ParameterizedTest
    @ValueSource(strings = {"p@ss-XY7", "pa/ss-XY7", "pa?ss-XY7", "pa#ss-XY7", "p%zz-XY7"})
    void aPasswordWithCharactersAUrlReservesIsToldHowToWriteThem(String password) {
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://stride:" + password + "@db1:5432/runs",
                Map.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("is not a PostgreSQL URL")
                .hasMessageContaining("percent-encoded (@ as %40")
                .hasMessageContaining("PGPASSWORD")
                .hasMessageNotContaining("XY7");
        // Encoded, the same password is read as it is.
        String encoded = java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(PostgresLocation.parse("postgresql://stride:" + encoded + "@db1:5432/runs", Map.of())
                .connectionProperties()).containsEntry("password", password);
        // A colon needs no encoding: the password starts at the user info's first one.
        assertThat(PostgresLocation.parse("postgresql://stride:a:b@db1/runs", Map.of()).connectionProperties())
                .containsEntry("password", "a:b");
    }

    @Test
    void aBadUrlWithoutAPasswordSaysNothingOfEncodingOne() {
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://stride@db1:port/runs", Map.of()))
                .hasMessageContaining("is not a PostgreSQL URL")
                .hasMessageNotContaining("percent-encoded");
    }

    /** Schema.LATEST means the same on both vendors: PostgreSQL's newest migration has that number. */
    @Test
    void postgresqlMigrationsEndAtTheSameVersionAsSqlites() throws Exception {
        URL folder = PostgresLocationTest.class.getClassLoader().getResource("db/postgresql");
        assertThat(folder).isNotNull();
        try (Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
            int newest = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElse(0);
            assertThat(newest).isEqualTo(Schema.LATEST);
        }
    }

    /** The same database on the same server whoever connects: what copy refuses as its own destination. */
    @Test
    void theSameDatabaseIsKnownHoweverItsServerIsSpelled() {
        PostgresLocation source = PostgresLocation.parse("postgresql://stride:pw@localhost/runs", Map.of());
        for (String same : List.of("postgresql://other@127.0.0.1:5432/runs", "jdbc:postgresql://stride@[::1]/runs",
                "postgres://stride:another@LOCALHOST:5432/runs", "postgresql://x@127.0.0.2/runs")) {
            assertThat(source.sameDatabaseAs(PostgresLocation.parse(same, Map.of()))).as(same).isTrue();
        }
        for (String other : List.of("postgresql://stride@localhost:5433/runs", "postgresql://stride@localhost/Runs",
                "postgresql://stride@localhost/runs2", "postgresql://stride@db.invalid/runs")) {
            assertThat(source.sameDatabaseAs(PostgresLocation.parse(other, Map.of()))).as(other).isFalse();
        }
        PostgresLocation remote = PostgresLocation.parse("postgresql://a@db.invalid:6543/runs", Map.of());
        assertThat(remote.sameDatabaseAs(PostgresLocation.parse("postgresql://b@DB.invalid:6543/runs", Map.of())))
                .as("a host that does not resolve, by its spelling").isTrue();
    }
}
