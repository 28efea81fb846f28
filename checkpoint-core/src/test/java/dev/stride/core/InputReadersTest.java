package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputReadersTest {
    /** Real batch files (see SOURCES.md beside them), copied into this module's test resources. */
    static final Path FIXTURES = Path.of("src", "test", "resources", "fixtures").toAbsolutePath();

    @TempDir
    Path dir;

    private static List<InputRecord> readAll(RecordReader reader) {
        List<InputRecord> out = new ArrayList<>();
        try (reader) {
            reader.forEachRemaining(out::add);
        }
        return out;
    }

    private static List<InputRecord> read(Path file, String template) {
        return readAll(InputReaders.open(file, null, "id", template == null ? null : PromptTemplate.parse(template)));
    }

    @Test
    void theFormatComesFromTheExtensionLookingThroughGz() {
        assertThat(InputFormat.of(Path.of("a.jsonl"))).isEqualTo(InputFormat.JSONL);
        assertThat(InputFormat.of(Path.of("a.json.gz"))).isEqualTo(InputFormat.JSON);
        assertThat(InputFormat.of(Path.of("A.CSV"))).isEqualTo(InputFormat.CSV);
        assertThat(InputFormat.of(Path.of("a.tsv.gz"))).isEqualTo(InputFormat.TSV);
        assertThat(InputFormat.of(Path.of("data.txt"))).isEqualTo(InputFormat.JSONL);
        assertThat(InputFormat.named("ndjson")).isEqualTo(InputFormat.JSONL);
        assertThatThrownBy(() -> InputFormat.named("xml")).hasMessageEndingWith("; one of jsonl, json, csv, tsv");
    }

    @Test
    void aGzipFileCutShortIsSaidAsSuchInEveryFormat() throws IOException {
        StringBuilder jsonl = new StringBuilder();
        StringBuilder csv = new StringBuilder("id,question\n");
        for (int i = 0; i < 500; i++) {
            jsonl.append("{\"id\":\"q").append(i).append("\",\"question\":\"question number ").append(i).append("\"}\n");
            csv.append('q').append(i).append(",question number ").append(i).append('\n');
        }
        for (Path whole : List.of(TestFiles.gzip(dir, "q.jsonl.gz", jsonl.toString()),
                TestFiles.gzip(dir, "q.csv.gz", csv.toString()))) {
            byte[] bytes = Files.readAllBytes(whole);
            Path cut = Files.write(dir.resolve("cut-" + whole.getFileName()), Arrays.copyOf(bytes, bytes.length * 2 / 3));
            assertThatThrownBy(() -> read(cut, "{{question}}"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage(cut + ": the gzip file ends before its end marker (cut short while copying or"
                            + " downloading?); check it with gzip -t " + cut + " and copy it again");
        }
    }

    @Test
    void everyFormatGivesTheSameRecordsGzippedOrNot() throws IOException {
        String jsonl = "{\"id\":\"a\",\"question\":\"x, y\"}\n{\"id\":\"b\",\"question\":\"say \\\"hi\\\"\"}\n";
        String json = "[\n  {\"id\": \"a\", \"question\": \"x, y\"},\n  {\"id\": \"b\", \"question\": \"say \\\"hi\\\"\"}\n]";
        String csv = "\uFEFFid,question\r\na,\"x, y\"\r\nb,\"say \"\"hi\"\"\"\r\n";
        String tsv = "id\tquestion\na\tx, y\nb\t\"say \"\"hi\"\"\"\n";
        List<List<InputRecord>> all = List.of(
                read(TestFiles.write(dir, "q.jsonl", jsonl), "{{question}}"), read(TestFiles.gzip(dir, "q.jsonl.gz", jsonl), "{{question}}"),
                read(TestFiles.write(dir, "q.json", json), "{{question}}"), read(TestFiles.gzip(dir, "q.json.gz", json), "{{question}}"),
                read(TestFiles.write(dir, "q.csv", csv), "{{question}}"), read(TestFiles.gzip(dir, "q.csv.gz", csv), "{{question}}"),
                read(TestFiles.write(dir, "q.tsv", tsv), "{{question}}"), read(TestFiles.gzip(dir, "q.tsv.gz", tsv), "{{question}}"));
        for (List<InputRecord> records : all) {
            assertThat(records).extracting(InputRecord::id).containsExactly("a", "b");
            assertThat(records).extracting(InputRecord::json).containsExactly(
                    "{\"id\":\"a\",\"question\":\"x, y\"}", "{\"id\":\"b\",\"question\":\"say \\\"hi\\\"\"}");
            assertThat(records).extracting(InputRecord::seq).containsExactly(0L, 1L);
        }
        assertThat(all.get(2)).extracting(InputRecord::line).containsExactly(2L, 3L);
        assertThat(all.get(4)).extracting(InputRecord::line).containsExactly(2L, 3L);
    }

    /** A spreadsheet's CSV written with semicolons reads as one column; the error says that, and not "no field". */
    @Test
    void aTableSeparatedByAnotherCharacterIsSaidToBeSo() throws IOException {
        Path semicolons = TestFiles.write(dir, "s.csv", "id;question;answer\n1;Which?;B\n");
        assertThatThrownBy(() -> read(semicolons, "{{question}}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(semicolons + " line 2: has no field 'question' but one column named 'id;question;answer':"
                        + " the file seems separated by ';'; stride reads a CSV separated by commas and a TSV by tabs,"
                        + " as its extension or --format says");
        Path tabs = TestFiles.write(dir, "t.csv", "id\tquestion\n1\tWhich?\n");
        assertThatThrownBy(() -> read(tabs, "{{question}}"))
                .hasMessageContaining("the file seems separated by 'tab'");
        // One column that does not hold the field: the plain error.
        Path other = TestFiles.write(dir, "o.csv", "id;prompt\n1;Which?\n");
        assertThatThrownBy(() -> read(other, "{{question}}"))
                .hasMessage(other + " line 2: has no field 'question' used by the template (its fields: id;prompt); add it or change"
                        + " --template");
    }

    @Test
    void csvValuesAreTextAndAMissingColumnOrBadRowNamesTheLine() throws IOException {
        List<InputRecord> rows = read(TestFiles.write(dir, "n.csv", "id,n,question\n1,42,a\n\n2,7,b\n"), "{{question}} {{n}}");
        assertThat(rows).extracting(InputRecord::json)
                .containsExactly("{\"id\":\"1\",\"n\":\"42\",\"question\":\"a\"}", "{\"id\":\"2\",\"n\":\"7\",\"question\":\"b\"}");

        Path missing = TestFiles.write(dir, "m.csv", "id,question\n1,a\n");
        assertThatThrownBy(() -> read(missing, "{{question}} {{specialty}}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(missing + " line 2: has no field 'specialty' used by the template (its fields: id, question); add it or change"
                        + " --template");
        Path wide = TestFiles.write(dir, "w.csv", "id,question\n1,a\n2,b,extra\n");
        assertThatThrownBy(() -> read(wide, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(wide + " line 3, column 5: has more values than the header has columns (2); a value that"
                        + " holds the separator must be in double quotes");
        // A line break inside an unquoted value cuts its row in two: the first half is short.
        Path broken = TestFiles.write(dir, "b.csv", "id,question,answer\n1,a,A\n2,first half\nsecond half,B\n");
        assertThatThrownBy(() -> read(broken, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(broken + " line 3: has fewer values than the header has columns (3); a value that holds"
                        + " a line break must be in double quotes, and an empty value needs its separator");
        Path emptyLast = TestFiles.write(dir, "e.csv", "id,question,answer\n1,a,\n2,\"b\nc\",B\n");
        assertThat(read(emptyLast, null)).extracting(InputRecord::json).containsExactly(
                "{\"id\":\"1\",\"question\":\"a\",\"answer\":\"\"}",
                "{\"id\":\"2\",\"question\":\"b\\nc\",\"answer\":\"B\"}");
    }

    @Test
    void everyCsvAndTsvValueKeepsItsBlanksTheFirstColumnsToo() throws IOException {
        Path csv = TestFiles.write(dir, "s.csv", " id , prompt\n  a  ,  x  \n   \n\n\"  b\",\"y\n\nz\"\n");
        assertThat(read(csv, null)).extracting(InputRecord::json).containsExactly(
                "{\"id\":\"  a  \",\"prompt\":\"  x  \"}", "{\"id\":\"  b\",\"prompt\":\"y\\n\\nz\"}");
        assertThat(read(csv, null)).extracting(InputRecord::line).containsExactly(2L, 5L);
        Path tsv = TestFiles.write(dir, "s.tsv", "prompt\tid\n  x  \t  a  \n");
        assertThat(read(tsv, null)).extracting(InputRecord::json)
                .containsExactly("{\"prompt\":\"  x  \",\"id\":\"  a  \"}");
        // Columns in another order are the same records.
        Path swapped = TestFiles.write(dir, "w.csv", "prompt,id\n  x  ,  a  \n\"y\n\nz\",\"  b\"\n");
        assertThat(read(swapped, null)).extracting(InputRecord::contentHash)
                .isEqualTo(read(csv, null).stream().map(InputRecord::contentHash).toList());
    }

    @Test
    void aNamedIdFieldTheFirstRecordLacksIsRefusedWhileTheDefaultOneFallsBackToLineNumbers() throws IOException {
        Path file = TestFiles.write(dir, "q.jsonl", "{\"qid\":\"a\",\"prompt\":\"x\"}\n{\"prompt\":\"y\"}\n");
        assertThat(readAll(InputReaders.open(file, null, "qid", null))).extracting(InputRecord::id)
                .as("a later record without it is numbered by its line").containsExactly("a", "2");
        assertThat(read(file, null)).extracting(InputRecord::id).containsExactly("1", "2");

        for (String typo : new String[] {"qdi", "prompt_id"}) {
            assertThatThrownBy(() -> readAll(InputReaders.open(file, null, typo, null)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage(file + " line 1: has no value in field '" + typo + "' to take its id from (its fields:"
                            + " qid, prompt); name the field that identifies a record with --id-field, or leave"
                            + " --id-field out to number records by line");
        }
        // The field there in another case: named, with the option that takes it.
        assertThatThrownBy(() -> readAll(InputReaders.open(file, null, "QID", null)))
                .hasMessage(file + " line 1: has no field 'QID' to take its id from, but has 'qid' (field names are"
                        + " matched exactly): give --id-field qid");
        Path nullId = TestFiles.write(dir, "n.jsonl", "{\"qid\":null,\"prompt\":\"x\"}\n");
        assertThatThrownBy(() -> readAll(InputReaders.open(nullId, null, "qid", null)))
                .hasMessageStartingWith(nullId + " line 1: has no value in field 'qid'");
        // An empty cell is refused as null is: stored, it would be a record no one can name in an export.
        Path emptyId = TestFiles.write(dir, "e.csv", "qid,prompt\na,x\n,y\n");
        assertThatThrownBy(() -> readAll(InputReaders.open(emptyId, null, "qid", null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(emptyId + " line 3: has an empty id in field 'qid'; give the record an id, or leave the"
                        + " field out (of a CSV or TSV file, the whole column) to have records numbered by their lines");
    }

    @Test
    void aJsonFileMustBeAnArrayOfObjects() throws IOException {
        Path object = TestFiles.write(dir, "o.json", "{\"id\": 1}");
        assertThatThrownBy(() -> read(object, null)).hasMessageContaining("is not a JSON array");
        Path notObject = TestFiles.write(dir, "n.json", "[{\"id\": 1},\n 2]");
        assertThatThrownBy(() -> read(notObject, null)).hasMessage(notObject + " line 2: is not a JSON object;"
                + " each record must be one object such as {\"id\": 1, \"prompt\": \"…\"}");
        Path broken = TestFiles.write(dir, "b.json", "[{\"id\": 1},\n {\"id\": ]");
        assertThatThrownBy(() -> read(broken, null)).hasMessage(broken + " line 2, column 9: is not valid JSON: found"
                + " ']' where a value was expected");
    }

    @Test
    void aNamedPipeIsReadInEveryFormat() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")), "mkfifo is needed");
        Map<String, String> texts = Map.of("p.jsonl", "{\"id\": \"a\"}\n", "p.json", "[{\"id\": \"a\"}]",
                "p.csv", "id,question\na,x\n");
        for (Map.Entry<String, String> e : texts.entrySet()) {
            // As `stride run <(cat a.jsonl b.jsonl)`: a pipe, whose channel cannot tell how much is available.
            Path fifo = dir.resolve(e.getKey());
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            Thread writer = new Thread(() -> {
                try {
                    Files.writeString(fifo, e.getValue(), StandardCharsets.UTF_8);
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
            });
            writer.start();
            try {
                assertThat(read(fifo, null)).as(e.getKey()).extracting(InputRecord::id).containsExactly("a");
            } finally {
                writer.join(10_000);
            }
        }
    }

    @Test
    void standardInputIsReadInTheFormatGiven() {
        var in = new ByteArrayInputStream("id\tprompt\nx\thello\n".getBytes(StandardCharsets.UTF_8));
        List<InputRecord> records = readAll(InputReaders.open("standard input", in, InputFormat.TSV, "id",
                PromptTemplate.parse("{{prompt}}")));
        assertThat(records).extracting(InputRecord::json).containsExactly("{\"id\":\"x\",\"prompt\":\"hello\"}");
    }

    @Test
    void batchRequestFilesFromOpenAiAndVllmAreReadWithCustomIdsAndBodies() {
        for (String name : List.of("openai_batch_input.jsonl", "openai_batch_input_doc.jsonl",
                "vllm_run_batch_input.jsonl")) {
            List<InputRecord> records = read(FIXTURES.resolve(name), "{{prompt}}");
            assertThat(records).as(name).isNotEmpty();
            for (InputRecord r : records) {
                var node = TestFiles.json(r.json());
                assertThat(r.id()).isEqualTo(node.get("custom_id").asText());
                Prompt p = PromptTemplate.parse("{{prompt}}").prompt(r.id(), node);
                assertThat(p.endpoint()).isEqualTo(Endpoint.CHAT);
                assertThat(TestFiles.json(p.bodyJson())).isEqualTo(node.get("body"));
            }
        }
        assertThat(read(FIXTURES.resolve("openai_batch_input.jsonl"), null)).extracting(InputRecord::id)
                .containsExactly("0", "1", "2");
    }

    @Test
    void batchLinesStrideCannotSendAreRefusedWithTheirLine() throws IOException {
        Path embeddings = TestFiles.write(dir, "e.jsonl", "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
                + "\"body\":{\"input\":\"x\"}}\n");
        assertThatThrownBy(() -> read(embeddings, null)).hasMessage(embeddings + " line 1: has url '/v1/embeddings';"
                + " stride sends /v1/chat/completions and /v1/completions requests");
        Path get = TestFiles.write(dir, "g.jsonl", "{\"custom_id\":\"a\",\"method\":\"GET\",\"url\":\"/v1/completions\","
                + "\"body\":{}}\n");
        assertThatThrownBy(() -> read(get, null)).hasMessageContaining("line 1: has method 'GET'");
    }

    @Test
    void recordsWithMessagesNeedNoTemplateFieldsAndAreSentAsTheyAre() throws IOException {
        Path file = TestFiles.write(dir, "m.jsonl", "{\"id\":\"c1\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}\n");
        List<InputRecord> records = read(file, "{{question}}");
        Prompt p = PromptTemplate.parse("{{question}}").prompt("c1", TestFiles.json(records.get(0).json()));
        assertThat(p.messagesJson()).isEqualTo("[{\"role\":\"user\",\"content\":\"Hi\"}]");
        assertThat(p.userMessage()).isNull();
        Path bad = TestFiles.write(dir, "bad.jsonl", "{\"id\":\"c1\",\"messages\":[]}\n");
        assertThatThrownBy(() -> read(bad, null)).hasMessageContaining("line 1: has 'messages' that are not");
    }

    @Test
    void anIdFieldInAnotherCaseIsFoundInEveryFormatAndTheRecordsAreStillNumberedByLine() throws IOException {
        Map<String, String> files = Map.of(
                "cap.csv", "ID,question\nA1,hi?\n",
                "cap.tsv", "Id\tquestion\nA1\thi?\n",
                "cap.jsonl", "{\"ID\":\"A1\",\"question\":\"hi?\"}\n",
                "cap.json", "[{\"iD\":\"A1\",\"question\":\"hi?\"}]\n");
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            Files.writeString(file, f.getValue());
            try (RecordReader reader = InputReaders.open(file, null, "id", null)) {
                List<InputRecord> records = readAll(reader);
                assertThat(records).extracting(InputRecord::id).as(f.getKey()).doesNotContain("A1");
                String header = f.getValue().substring(0, f.getValue().indexOf("A1"));
                assertThat(reader.likelyIdField()).as(f.getKey())
                        .hasValueSatisfying(found -> assertThat(header).contains(found));
            }
        }
    }

    /** Records numbered by line whose first one has a field named like an id: that field is named to say so. */
    @Test
    void aFieldNamedLikeAnIdIsFoundWhenTheRecordsHaveNoIdField() throws IOException {
        Map<String, String> found = new java.util.LinkedHashMap<>();
        found.put("{\"question\":\"hi?\",\"question_id\":\"q1\"}", "question_id");
        found.put("{\"custom_id\":7,\"text\":\"hi?\"}", "custom_id");
        found.put("{\"questionId\":\"q1\"}", "questionId");
        found.put("{\"id_num\":\"q1\"}", "id_num");
        found.put("{\"text\":\"hi?\",\"uid\":\"u1\"}", "uid");
        found.put("{\"QID\":\"q1\"}", "QID");
        found.put("{\"uuid\":\"0b6e\"}", "uuid");
        found.put("{\"text\":\"hi?\",\"_id\":\"65f0\"}", "_id");
        // Not ids: words that only hold the letters, and a value no id can be.
        found.put("{\"video_ideas\":\"x\",\"userIdentity\":\"y\",\"valid\":\"z\"}", null);
        // Nor ids of something else, which records share: the run would refuse them as duplicates.
        found.put("{\"question\":\"a\",\"label_id\":1,\"user_id\":\"u\",\"doc_id\":\"d\",\"key\":\"k\"}", null);
        found.put("{\"question_id\":{\"a\":1},\"qid\":\"\"}", null);
        int n = 0;
        for (Map.Entry<String, String> f : found.entrySet()) {
            Path file = dir.resolve("like" + n++ + ".jsonl");
            Files.writeString(file, f.getKey() + "\n");
            try (RecordReader reader = InputReaders.open(file, null, "id", null)) {
                assertThat(readAll(reader)).extracting(InputRecord::id).containsExactly("1");
                assertThat(reader.likelyIdField()).as(f.getKey()).isEqualTo(Optional.ofNullable(f.getValue()));
            }
        }
        // With its own id, or an --id-field given, there is nothing to say.
        Path own = dir.resolve("own.jsonl");
        Files.writeString(own, "{\"id\":\"a\",\"question_id\":\"q1\"}\n");
        Path named = dir.resolve("named-like.jsonl");
        Files.writeString(named, "{\"uid\":\"u1\",\"question_id\":\"q1\"}\n");
        for (RecordReader reader : List.of(InputReaders.open(own, null, "id", null),
                InputReaders.open(named, null, "uid", null))) {
            readAll(reader);
            assertThat(reader.likelyIdField()).isEmpty();
        }
    }

    @Test
    void anIdFieldOfItsOwnCaseOrNoneLikeItIsNothingToSay() throws IOException {
        Path own = dir.resolve("own.csv");
        Files.writeString(own, "id,ID,question\nA1,B1,hi?\n");
        Path none = dir.resolve("none.jsonl");
        Files.writeString(none, "{\"question\":\"hi?\"}\n");
        Path named = dir.resolve("named.jsonl");
        Files.writeString(named, "{\"QID\":\"A1\",\"qid\":\"B1\"}\n");
        for (RecordReader reader : List.of(InputReaders.open(own, null, "id", null),
                InputReaders.open(none, null, "id", null), InputReaders.open(named, null, "qid", null))) {
            readAll(reader);
            assertThat(reader.likelyIdField()).isEmpty();
        }
    }
}
