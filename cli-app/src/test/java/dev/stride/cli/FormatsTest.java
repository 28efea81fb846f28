package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every input kind in, every output kind out, through real files, real HTTP and a real SQLite file. */
class FormatsTest {
    /** Real batch files (see SOURCES.md beside them), copied into this module's test resources. */
    static final Path FIXTURES = Path.of("src", "test", "resources", "fixtures").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private String url() {
        return stride.url();
    }

    private Cli.Result run(String input, Path db, String... more) {
        return stride.run(input, db).noProgress().with(more);
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private Path gzip(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private List<JsonNode> jsonLines(String text) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void everyInputKindRunsToTheSameAnswers() throws Exception {
        String csv = "id,question,meta\nq1,\"What, exactly?\",x\nq2,Why <b>&</b>?,y\n";
        List<Path> inputs = List.of(
                write("in.jsonl", "{\"id\":\"q1\",\"question\":\"What, exactly?\"}\n{\"id\":\"q2\",\"question\":\"Why <b>&</b>?\"}\n"),
                write("in.json", "[{\"id\":\"q1\",\"question\":\"What, exactly?\"},\n {\"id\":\"q2\",\"question\":\"Why <b>&</b>?\"}]"),
                write("in.csv", csv),
                write("in.tsv", csv.replace(",x", "\tx").replace(",y", "\ty").replace("q1,", "q1\t")
                        .replace("q2,", "q2\t").replace("id,question,meta", "id\tquestion\tmeta")
                        .replace("\"What, exactly?\"", "What, exactly?")),
                gzip("in.csv.gz", csv));
        for (Path input : inputs) {
            Path db = dir.resolve(input.getFileName() + ".db");
            Cli.Result r = run(input.toString(), db, "--template", "Q: {{question}}");
            assertThat(r.exitCode()).as(input + ": " + r.all()).isZero();
            assertThat(query(db, "SELECT id, output FROM results")).as(input.toString()).containsExactly(
                    Map.of("id", "q1", "output", "echo: Q: What, exactly?"),
                    Map.of("id", "q2", "output", "echo: Q: Why <b>&</b>?"));
        }
    }

    @Test
    void standardInputIsReadWithTheFormatGiven() throws Exception {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream("id\tprompt\na\thello\n".getBytes(StandardCharsets.UTF_8)));
            Path db = dir.resolve("stdin.db");
            Cli.Result r = run("-", db, "--format", "tsv");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(query(db, "SELECT id, output FROM results")).containsExactly(
                    Map.of("id", "a", "output", "echo: hello"));
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void templateAndSystemFromFilesAndMessagesSentAsTheyAre() throws Exception {
        Path template = write("t.txt", "Topic {{meta.topic}}: {{question}}\n");
        Path system = write("s.txt", "Be brief.\n");
        Path input = write("in.jsonl", String.join("\n",
                "{\"id\":\"a\",\"question\":\"x?\",\"meta\":{\"topic\":\"<cardio>\"}}",
                "{\"id\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\","
                        + "\"content\":\"Hello\"},{\"role\":\"user\",\"content\":\"And now?\"}]}"));
        Path db = dir.resolve("t.db");
        Cli.Result r = run(input.toString(), db, "--template-file", template.toString(), "--system-file",
                system.toString(), "--concurrency", "1");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(query(db, "SELECT id, output FROM results")).containsExactly(
                Map.of("id", "a", "output", "echo: Topic <cardio>: x?"),
                Map.of("id", "b", "output", "echo: And now?"));
        assertThat(query(db, "SELECT template, params FROM runs").get(0))
                .containsEntry("template", "Topic {{meta.topic}}: {{question}}")
                .containsEntry("params", "{\"system\":\"Be brief.\"}");
        stride.server.takeRequest();
        JsonNode second = JSON.readTree(stride.server.takeRequest().getBody().utf8());
        assertThat(second.path("messages")).hasSize(4);
        assertThat(second.path("messages").get(0).path("content").asText()).isEqualTo("Be brief.");
    }

    @Test
    void aRecordWithItsOwnMessagesIsRefusedOnTheCompletionsEndpointBeforeARunIsStored() throws Exception {
        Path input = write("in.jsonl", "{\"id\":\"a\",\"question\":\"x?\"}\n"
                + "{\"id\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}\n");
        Path db = dir.resolve("c.db");
        Cli.Result r = run(input.toString(), db, "--template", "{{question}}", "--endpoint", "completions");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + input + " line 2: has 'messages', which only the chat endpoint"
                + " sends, and this run uses --endpoint completions; leave out --endpoint completions for a new run,"
                + " or give the record fields for --template instead\n");
        assertThat(stride.server.getRequestCount()).isZero();
        // Nothing stored: the same command without --endpoint completions starts the run afresh, on chat.
        Cli.Result chat = run(input.toString(), db, "--template", "{{question}}");
        assertThat(chat.exitCode()).as(chat.all()).isZero();
        assertThat(chat.out()).contains("Starting new run");
        assertThat(query(db, "SELECT id, output FROM results")).containsExactly(
                Map.of("id", "a", "output", "echo: x?"), Map.of("id", "b", "output", "echo: Hi"));
    }

    /**
     * A batch request line is sent as its body says. Options that would otherwise go with every request were kept
     * as the run's settings, and {@code status} showed them ("temperature":0.0), while no request carried them: the
     * answers looked made at settings they were not made at. A new run refuses them, naming the line and the options.
     */
    @Test
    void optionsABatchBodyIsNotSentWithAreRefusedBeforeARunIsStored() throws Exception {
        Path input = write("batch.jsonl", "{\"id\":\"a\",\"question\":\"x?\"}\n"
                + "{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                + "\"body\":{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}\n");
        Path db = dir.resolve("b.db");
        Cli.Result r = run(input.toString(), db, "--template", "{{question}}", "--temperature", "0", "--system",
                "Be brief.", "--param", "top_k=5");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + input + " line 2: is an OpenAI Batch request, whose body is sent"
                + " as it is: --system, --temperature, --param top_k would be kept as the run's settings but sent with"
                + " no request; set them in the file's bodies and leave the options out\n");
        assertThat(stride.server.getRequestCount()).isZero();
        assertThat(db).doesNotExist();

        // Without them the run goes, each line as its body says, the other records with the template.
        Cli.Result plain = run(input.toString(), db, "--template", "{{question}}");
        assertThat(plain.exitCode()).as(plain.all()).isZero();
        assertThat(query(db, "SELECT id, output FROM results")).containsExactly(
                Map.of("id", "a", "output", "echo: x?"), Map.of("id", "r1", "output", "echo: Hi"));
        assertThat(query(db, "SELECT params FROM runs").get(0).get("params").toString())
                .doesNotContain("temperature");
    }

    /**
     * A column named messages is text, as every CSV value is: it was taken for a record's own conversation, so the
     * whole file was refused ("has 'messages' that are not a non-empty array ..."), whatever the template used. Only an
     * array of messages carries a conversation; text of that name is a field like any other.
     */
    @Test
    void aCsvColumnOrATextFieldNamedMessagesIsAFieldLikeAnyOther() throws Exception {
        Path csv = write("tickets.csv", "id,messages,question\na,\"Hi, my order is late\",Which team?\n");
        Path db = dir.resolve("t.db");
        Cli.Result r = run(csv.toString(), db, "--template", "{{question}} Ticket: {{messages}}");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(stride.model.promptList()).containsExactly("Which team? Ticket: Hi, my order is late");
        assertThat(query(db, "SELECT id, output FROM results")).containsExactly(
                Map.of("id", "a", "output", "echo: Which team? Ticket: Hi, my order is late"));

        Path jsonl = write("log.jsonl", "{\"id\":\"b\",\"messages\":\"a log\",\"question\":\"Who?\"}\n"
                + "{\"id\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}\n");
        Cli.Result j = run(jsonl.toString(), dir.resolve("j.db"), "--template", "{{question}}");
        assertThat(j.exitCode()).as(j.all()).isZero();
        assertThat(stride.model.promptList()).containsExactlyInAnyOrder("Which team? Ticket: Hi, my order is late",
                "Who?", "Hello");
    }

    @Test
    void aCsvWrittenWithSemicolonsIsSaidToBeSoBeforeAnyRequest() throws Exception {
        Path input = write("in.csv", "id;question\na;x\nb;y\n");
        Cli.Result r = run(input.toString(), dir.resolve("s.db"), "--template", "{{question}}");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + input + " line 2: has no field 'question' but one column named"
                + " 'id;question': the file seems separated by ';'; stride reads a CSV separated by commas and a TSV"
                + " by tabs, as its extension or --format says\n");
        assertThat(stride.server.getRequestCount()).isZero();
    }

    @Test
    void aMissingPlaceholderFailsBeforeAnyRequestNamingFieldAndLine() throws Exception {
        Path input = write("in.csv", "id,question\na,x\nb,y\n");
        Cli.Result r = run(input.toString(), dir.resolve("m.db"), "--template", "{{question}} ({{specialty}})");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains(input + " line 2: has no field 'specialty' used by the template");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void openAiAndVllmBatchRequestFilesRoundTripIntoBatchOutputThatReadsLikeOpenAis() throws Exception {
        for (String name : List.of("openai_batch_input.jsonl", "vllm_run_batch_input.jsonl",
                "openai_batch_input_doc.jsonl")) {
            Path db = dir.resolve(name + ".db");
            Cli.Result r = run(FIXTURES.resolve(name).toString(), db);
            assertThat(r.exitCode()).as(name + ": " + r.all()).isZero();

            Path out = dir.resolve(name + ".out.jsonl");
            Cli.Result export = stride.cli.run("export", "--db", db.toString(), "--format", "batch", "-o",
                    out.toString());
            assertThat(export.exitCode()).as(export.all()).isZero();

            List<JsonNode> requests = jsonLines(Files.readString(FIXTURES.resolve(name)));
            List<JsonNode> ours = jsonLines(Files.readString(out));
            List<JsonNode> theirs = jsonLines(Files.readString(FIXTURES.resolve("openai_batch_output.jsonl")));
            assertThat(ours).hasSameSizeAs(requests);
            for (int i = 0; i < ours.size(); i++) {
                JsonNode line = ours.get(i);
                assertThat(fieldNames(line)).isEqualTo(fieldNames(theirs.get(0)));
                assertThat(fieldNames(line.get("response"))).isEqualTo(fieldNames(theirs.get(0).get("response")));
                assertThat(line.get("custom_id").asText()).isEqualTo(requests.get(i).get("custom_id").asText());
                JsonNode messages = requests.get(i).at("/body/messages");
                assertThat(answerOf(line)).isEqualTo("echo: " + messages.get(messages.size() - 1).get("content")
                        .asText());
            }
        }
        // The body was sent as it is (messages, max_completion_tokens), but to the run's model, not the file's.
        JsonNode sent = JSON.readTree(stride.server.takeRequest().getBody().utf8());
        assertThat(sent.get("model").asText()).isEqualTo("m");
        assertThat(sent.has("stream")).isFalse();
    }

    /** Reads a batch output line the way a script written for OpenAI's output would. */
    private static String answerOf(JsonNode line) {
        assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
        assertThat(line.get("error").isNull()).isTrue();
        return line.at("/response/body/choices/0/message/content").asText();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void exportsToCsvAndJsonlWithTheInputJoinedReadBackByJackson() throws Exception {
        Path input = write("in.jsonl", "{\"id\":\"a\",\"question\":\"x, \\\"y\\\"\\nz\",\"n\":3}\n"
                + "{\"id\":\"b\",\"question\":\"w\",\"tags\":[\"t\"]}\n");
        Path db = dir.resolve("e.db");
        assertThat(run(input.toString(), db, "--template", "{{question}}").exitCode()).isZero();

        Path csv = dir.resolve("out.csv");
        assertThat(stride.cli.run("export", "--db", db.toString(), "--format", "csv", "--include-input", "-o",
                csv.toString()).exitCode()).isZero();
        MappingIterator<Map<String, String>> rows = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(csv.toFile());
        List<Map<String, String>> all = rows.readAll();
        assertThat(all).hasSize(2);
        assertThat(all.get(0)).containsEntry("id", "a").containsEntry("output", "echo: x, \"y\"\nz")
                .containsEntry("status", "done").containsEntry("input.question", "x, \"y\"\nz")
                .containsEntry("input.n", "3").containsEntry("input.tags", "");
        assertThat(all.get(1)).containsEntry("input.tags", "[\"t\"]");

        Cli.Result jsonl = stride.cli.run("export", "--db", db.toString(), "--include-input");
        List<JsonNode> lines = jsonLines(jsonl.out());
        assertThat(lines.get(0).get("output").asText()).isEqualTo("echo: x, \"y\"\nz");
        assertThat(lines.get(0).get("input")).isEqualTo(JSON.readTree(Files.readAllLines(input).get(0)));
    }

    @Test
    void aRefusedRecordIsABatchErrorResponseAndPendingOnesAreLeftOut() throws Exception {
        Path input = write("in.jsonl", "{\"id\":\"ok\",\"prompt\":\"fine\"}\n{\"id\":\"bad\",\"prompt\":\"too long\"}\n");
        stride.model.answering(p -> p.equals("too long")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt too long\"}}") : null);
        Path db = dir.resolve("f.db");
        assertThat(run(input.toString(), db).exitCode()).isEqualTo(ExitCodes.FAILED_RECORDS);
        List<JsonNode> lines = jsonLines(stride.cli.run("export", "--db", db.toString(), "--format", "batch").out());
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1).get("custom_id").asText()).isEqualTo("bad");
        // As OpenAI writes a request its server refused: the response with the status and an error body.
        assertThat(lines.get(1).get("error").isNull()).isTrue();
        assertThat(lines.get(1).at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(lines.get(1).at("/response/body/error/message").asText()).contains("prompt too long");
    }
}
