package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets given any way (the user-info and a key parameter of a base URL, the API key variable, a header) reach the
 * server and nothing else: not the database file, its WAL, a snapshot, an export, a log line or anything printed.
 */
class SecretsTest {
    private static final String URL_PASSWORD = "UrlPass7731";
    private static final String QUERY_KEY = "QueryKey5521";
    private static final String API_KEY = "sk-ApiKey9042";
    private static final String HEADER_VALUE = "HeaderTok3318";
    private static final List<String> SECRETS = List.of(URL_PASSWORD, QUERY_KEY, API_KEY, HEADER_VALUE);

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture(new Cli(Map.of("OPENAI_API_KEY", API_KEY, "PROXY_TOKEN", HEADER_VALUE)));

    /** {@code http://user:PASSWORD@host:port/v1?api-version=...&key=KEY}, the fixture's server. */
    private String secretUrl() {
        String plain = stride.url();
        return plain.replace("://", "://user:" + URL_PASSWORD + "@") + "?api-version=2024-10-21&key=" + QUERY_KEY;
    }

    private String shownUrl() {
        return stride.url().replace("://", "://user:***@") + "?api-version=2024-10-21&key=***";
    }

    @Test
    void secretsReachTheServerAndAreNeverStoredLoggedOrPrinted() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 12);
        // A server that echoes what it was sent in an error: the stored error must not carry it either.
        stride.model.answering(prompt -> prompt.equals("question 3") ? FakeModelServer.json(400,
                "{\"error\":{\"message\":\"rejected " + QUERY_KEY + " " + HEADER_VALUE + " " + API_KEY + "\"}}")
                : null);
        List<String> printed = new ArrayList<>();

        Cli.Result run = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", secretUrl(), "--header", "X-Proxy-Token: ${PROXY_TOKEN}", "--template", "{{question}}",
                "--keep-raw", "-v");
        printed.add(run.all());
        assertThat(run.exitCode()).as(run.all()).isEqualTo(3);

        List<RecordedRequest> requests = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            requests.add(stride.server.takeRequest());
        }
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
            assertThat(r.getUrl().queryParameter("api-version")).isEqualTo("2024-10-21");
            assertThat(r.getUrl().queryParameter("key")).isEqualTo(QUERY_KEY);
            assertThat(r.getHeaders().get("X-Proxy-Token")).isEqualTo(HEADER_VALUE);
            // The URL's user:password is the more specific word than the key variable: it goes as Basic.
            assertThat(r.getHeaders().get("Authorization")).isEqualTo("Basic " + java.util.Base64.getEncoder()
                    .encodeToString(("user:" + URL_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        });

        for (String[] command : new String[][] {{"status", "--db", db.toString()},
                {"status", "--db", db.toString(), "--run", "m"}, {"status", "--db", db.toString(), "--json"},
                {"status", "--db", db.toString(), "--run", "m", "--json"},
                {"export", "--db", db.toString(), "--include-input"},
                {"export", "--db", db.toString(), "--format", "csv"},
                {"snapshot", "--db", db.toString(), dir.resolve("copy.db").toString()}}) {
            Cli.Result r = stride.cli.run(command);
            assertThat(r.exitCode()).as(String.join(" ", command) + r.all()).isZero();
            printed.add(r.all());
        }
        String detail = stride.cli.run("status", "--db", db.toString(), "--run", "m").out();
        assertThat(detail).contains(shownUrl());

        for (String text : printed) {
            assertThat(text).doesNotContain(SECRETS);
        }
        assertThat(run.err()).as("-v logs each request, masked").contains("?api-version=2024-10-21&key=***");
        assertThat(Datasets.query(db, "SELECT DISTINCT server FROM predictions WHERE server IS NOT NULL"))
                .extracting(row -> row.get("server")).containsExactly(shownUrl());
        assertNoFileHolds(dir);
    }

    @Test
    void aRotatedSecretIsNotAChangedSettingAndAMaskedOneIsAskedForAgain() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 4);
        assertThat(stride.run(input, db).template("{{question}}").with("--base-url", secretUrl()).exitCode())
                .isIn(0, 3);
        Files.writeString(input, "{\"id\":\"q9\",\"question\":\"question 9\"}\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);

        // The stored URL holds no secret to send: the user is asked for it, in one line, and nothing is sent.
        int before = stride.model.requests.get();
        Cli.Result again = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--template", "{{question}}");
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err().strip()).doesNotContain("\n").contains("--base-url", shownUrl());
        assertThat(stride.model.requests.get()).isEqualTo(before);

        String rotated = secretUrl().replace(URL_PASSWORD, "Rotated1").replace(QUERY_KEY, "Rotated2");
        Cli.Result resumed = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", rotated);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.all()).doesNotContain("Rotated1", "Rotated2", "other settings");
        assertNoFileHolds(dir, "Rotated1", "Rotated2");
        assertNoFileHolds(dir);
    }

    @Test
    void aBaseUrlWithAQueryIsUsedAndOneWithAFragmentIsRefusedBeforeADatabaseExists() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 2);
        String azure = stride.server.url("/openai/deployments/gpt4o").toString() + "?api-version=2024-10-21";

        Cli.Result refused = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", azure + "&sig=" + QUERY_KEY + "#frag");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err().strip()).doesNotContain("\n", QUERY_KEY, "Exception")
                .contains("--base-url", "#fragment", "sig=***");
        assertThat(db).doesNotExist();

        Cli.Result ok = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--template", "{{question}}", "--base-url", azure, "--header", "api-key: ${PROXY_TOKEN}");
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        RecordedRequest first = stride.server.takeRequest();
        assertThat(first.getUrl().encodedPath()).isEqualTo("/openai/deployments/gpt4o/chat/completions");
        assertThat(first.getUrl().encodedQuery()).isEqualTo("api-version=2024-10-21");
        assertThat(first.getHeaders().get("api-key")).isEqualTo(HEADER_VALUE);
        assertNoFileHolds(dir);
    }

    @Test
    void aHeaderThatCannotBeSentIsRefusedInOneLineNamingItBeforeADatabaseExists() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 2);

        Cli.Result missing = stride.run(input, db).template("{{question}}")
                .with("--header", "api-key: ${AZURE_OPENAI_API_KEY}");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().strip()).doesNotContain("\n").contains("api-key", "AZURE_OPENAI_API_KEY");

        Cli.Result malformed = stride.run(input, db).template("{{question}}")
                .with("--header", "api-key=" + HEADER_VALUE);
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err().strip()).doesNotContain("\n", HEADER_VALUE).contains("NAME: VALUE");
        assertThat(db).doesNotExist();
    }

    @Test
    void headersComeFromTheConfigFileToo() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 1);
        Path config = dir.resolve("stride.yaml");
        Files.writeString(config, "headers: {HTTP-Referer: https://example.org/app, X-Title: \"${PROXY_TOKEN}\"}\n");

        Cli.Result r = stride.run(input, db).template("{{question}}").with("--config", config.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        RecordedRequest sent = stride.server.takeRequest();
        assertThat(sent.getHeaders().get("HTTP-Referer")).isEqualTo("https://example.org/app");
        assertThat(sent.getHeaders().get("X-Title")).isEqualTo(HEADER_VALUE);
        assertNoFileHolds(dir);
    }

    /** No file in {@code dir} but the input and config (the .db, its -wal and -shm, copies, exports) holds a secret. */
    private static void assertNoFileHolds(Path dir, String... more) throws IOException {
        List<String> secrets = new ArrayList<>(SECRETS);
        secrets.addAll(List.of(more));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().matches("q\\.jsonl|stride\\.yaml"))
                    .toList()) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(file.toString()).doesNotContain(secrets);
            }
        }
    }
}
