package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlReaderTest {
    @TempDir
    Path dir;

    private List<InputRecord> readAll(Path file, String template) {
        List<InputRecord> records = new ArrayList<>();
        try (RecordReader r = InputReaders.open(file, InputFormat.JSONL, "id",
                template == null ? null : PromptTemplate.parse(template))) {
            r.forEachRemaining(records::add);
        }
        return records;
    }

    private static List<InputRecord> readAllOf(Path file) {
        List<InputRecord> records = new ArrayList<>();
        try (RecordReader r = InputReaders.open(file, null, "id", null)) {
            r.forEachRemaining(records::add);
        }
        return records;
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve("in.jsonl");
        Files.write(file, bytes);
        return file;
    }

    private Path write(String text) throws IOException {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsIdsLinesAndPositionsSkippingBlankLinesWithBomCrlfAndNoFinalNewline() throws IOException {
        Path file = write("\uFEFF{\"id\":\"a\",\"prompt\":\"x\"}\r\n\r\n{\"prompt\":\"y\"}\n  \n{\"id\":7,\"prompt\":\"z\"}");
        List<InputRecord> records = readAll(file, "{{prompt}}");
        assertThat(records).extracting(InputRecord::id).containsExactly("a", "3", "7");
        assertThat(records).extracting(InputRecord::line).containsExactly(1L, 3L, 5L);
        assertThat(records).extracting(InputRecord::seq).containsExactly(0L, 1L, 2L);
        assertThat(records.get(0).json()).isEqualTo("{\"id\":\"a\",\"prompt\":\"x\"}");
    }

    @Test
    void storedJsonAndHashesAreTheSameBytesAsEverForEachRecordOfAFile() throws IOException {
        // What a run stores must not change between builds (a database written by one resumes with another): the
        // compact JSON and its SHA-256, for several records read by one reader (its digest is reused). The first
        // record's keys are not in order, so its hash is that of its keys sorted (ContentHash); a database stored
        // before that holds the hash of the JSON as written, which a sync matches by reading it (SameRecords).
        Path file = write("{\"id\": 7, \"prompt\" : \"caf\\u00e9 \uD83D\uDE00\", \"n\": 1.50, \"e\": 1e3,"
                + " \"big\": 12345678901234567890, \"x\": {\"a\": [1, null, true, \"\\\"q\\\"\"]}}\n"
                + "{\"id\":\"b\",\"prompt\":\"y\"}\n"
                + "{\"id\": \"c\", \"prompt\": \"line\\nbreak\\ttab\\u0001\"}\n");
        List<InputRecord> records = readAll(file, null);
        assertThat(records).extracting(InputRecord::json).containsExactly(
                "{\"id\":7,\"prompt\":\"caf\u00e9 \uD83D\uDE00\",\"n\":1.5,\"e\":1000.0,\"big\":12345678901234567890,"
                        + "\"x\":{\"a\":[1,null,true,\"\\\"q\\\"\"]}}",
                "{\"id\":\"b\",\"prompt\":\"y\"}",
                "{\"id\":\"c\",\"prompt\":\"line\\nbreak\\ttab\\u0001\"}");
        assertThat(records).extracting(InputRecord::contentHash).containsExactly(
                "166484d29298a9ea2623908c73db1c848d47187b008ac5381f3b99ba95f42b31",
                "66a12e0bc95df0a7bd5d6bf03f7e4fe4caf7ff055c24a421c389aaf08df991bf",
                "137e3745fb3ca072e79068eedcc8cec669a8b77f22f14f66b83571162a84d7a0");
    }

    @Test
    void theHashFollowsContentNotFormatting() throws IOException {
        String a = readAll(write("{\"id\":1, \"prompt\" : \"x\"}\n"), null).get(0).contentHash();
        String b = readAll(write("{\"id\":1,\"prompt\":\"x\"}\n"), null).get(0).contentHash();
        String c = readAll(write("{\"id\":1,\"prompt\":\"y\"}\n"), null).get(0).contentHash();
        assertThat(a).isEqualTo(b).hasSize(64).isNotEqualTo(c);
    }

    @Test
    void keysInAnyOrderAreTheSameRecordAndAreStoredAsWritten() throws IOException {
        List<InputRecord> records = readAll(write("{\"id\":1,\"prompt\":\"x\",\"o\":{\"b\":[2,1],\"a\":0}}\n"
                + "{\"o\":{\"a\":0,\"b\":[2,1]},\"prompt\":\"x\",\"id\":1}\n"
                + "{\"o\":{\"a\":0,\"b\":[1,2]},\"prompt\":\"x\",\"id\":1}\n"), null);
        assertThat(records.get(1).contentHash()).isEqualTo(records.get(0).contentHash());
        assertThat(records.get(2).contentHash()).as("an array's order is content").isNotEqualTo(
                records.get(0).contentHash());
        assertThat(records.get(1).json()).isEqualTo("{\"o\":{\"a\":0,\"b\":[2,1]},\"prompt\":\"x\",\"id\":1}");
        // The hash a stored record of an older stride is compared by, from its stored text.
        assertThat(ContentHash.ofStored(records.get(1).json())).contains(records.get(0).contentHash());
        assertThat(ContentHash.ofStored("not json")).isEmpty();
    }

    @Test
    void anIdThatIsNotAStringOrAFiniteNumberIsRefusedWithItsLine() throws IOException {
        Path bool = write("{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":true,\"prompt\":\"x\"}\n");
        assertThatThrownBy(() -> readAll(bool, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(bool + " line 2: has an id field 'id' that is not a string or a number");
        Path huge = write("{\"id\":1e400,\"prompt\":\"x\"}\n");
        assertThatThrownBy(() -> readAll(huge, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(huge + " line 1: has a number in id field 'id' too large to read as a number (past"
                        + " 1.8e308); write the id in quotes, as a string");
        Path hugeField = write("{\"id\":\"a\",\"f\":\"Infinity\"}\n{\"id\":\"b\",\"o\":{\"l\":[1,-2e999]}}\n");
        assertThatThrownBy(() -> readAll(hugeField, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(hugeField + " line 2: has a number in field 'o.l[1]' too large to read as a number (past"
                        + " 1.8e308): it would be sent and stored as Infinity; write it in quotes, as a string");
        Path nullId = write("{\"id\":1,\"prompt\":\"x\"}\n{\"id\":null,\"prompt\":\"x\"}\n{\"id\":2,\"prompt\":\"x\"}\n");
        assertThatThrownBy(() -> readAll(nullId, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(nullId + " line 2: has null in id field 'id'; give the record an id, or leave the field"
                        + " out to have the record numbered by its line");
        assertThat(readAll(write("{\"id\":12345678901234567890,\"prompt\":\"x\"}\n{\"id\":1.5}\n"), null))
                .extracting(InputRecord::id).containsExactly("12345678901234567890", "1.5");
    }

    @Test
    void aKeyWrittenTwiceInAnObjectIsRefusedWithItsLineAndKey() throws IOException {
        Path twice = write("{\"id\":\"a\",\"prompt\":\"x\"}\n\n{\"id\":\"a\",\"id\":\"b\",\"prompt\":\"x\"}\n");
        assertThatThrownBy(() -> readAll(twice, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(twice + " line 3: has the key 'id' twice in one object, and the second value would"
                        + " silently replace the first; keep one of them");
        Path nested = write("{\"id\":\"a\",\"o\":{\"k\":1,\"k\":2}}\n");
        assertThatThrownBy(() -> readAll(nested, null)).hasMessage(nested + " line 1: has the key 'k' twice in one"
                + " object, and the second value would silently replace the first; keep one of them");
        Path array = dir.resolve("a.json");
        Files.writeString(array, "[\n{\"id\":\"a\",\n \"prompt\":\"x\", \"prompt\":\"y\"}\n]\n");
        assertThatThrownBy(() -> readAllOf(array)).isInstanceOf(InvalidInputException.class)
                .hasMessage(array + " line 2: has the key 'prompt' twice in one object, and the second value would"
                        + " silently replace the first; keep one of them");
    }

    @Test
    void halfACharacterWrittenAloneAsAnEscapeIsRefusedWhereItStandsAndAWholePairIsKept() throws IOException {
        Path pair = write("{\"id\":\"p\",\"prompt\":\"pair \\ud83d\\uDE00, \\\\ud800 as text\"}\n");
        assertThat(readAll(pair, null)).singleElement().satisfies(r ->
                assertThat(r.json()).contains("pair \uD83D\uDE00, \\\\ud800 as text"));

        String[][] alone = {
                {"lone \\ud800 high", "\\ud800", "26"},
                {"lone \\uDC00 low", "\\uDC00", "26"},
                {"\\ud83d then text", "\\ud83d", "21"},
                {"two highs \\ud83d\\ud83d", "\\ud83d", "31"},
                {"a high then \\ud83d\\n", "\\ud83d", "33"},
                {"a high at the end \\ud83d", "\\ud83d", "39"},
                {"a high then \\ud83d\\u0041", "\\ud83d", "33"}};
        for (String[] c : alone) {
            Path file = write("{\"id\":\"ok\",\"prompt\":\"fine\"}\n{\"id\":\"b\",\"prompt\":\"" + c[0] + "\"}\n");
            assertThatThrownBy(() -> readAll(file, null)).as(c[0]).isInstanceOf(InvalidInputException.class)
                    .hasMessage(file + " line 2, column " + c[2] + ": the string holds " + c[1] + ", half of a"
                            + " character (a lone surrogate) that UTF-8 cannot carry: it would reach the server as"
                            + " '?'; remove it or write the whole pair");
        }
        Path array = dir.resolve("a.json");
        Files.writeString(array, "[\n{\"id\":\"a\",\n \"prompt\":\"x \\udfff\"}\n]\n");
        assertThatThrownBy(() -> readAllOf(array)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(array + " line 3, column 14: ").hasMessageContaining("\\udfff, half of a character");
    }

    @Test
    void aMalformedLineNamesFileAndLine() throws IOException {
        Path file = write("{\"prompt\":\"ok\"}\n{\"prompt\": \"broken\"\n");
        assertThatThrownBy(() -> readAll(file, null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(file + " line 2, column 20: is not valid JSON: the line ends before the object that starts"
                        + " at column 1 is closed (expected ',' or '}'); each line must hold one whole JSON object");
    }

    @Test
    void aLineThatIsNotAnObjectIsRefused() throws IOException {
        Path file = write("{\"prompt\":\"ok\"}\n[1,2]\n");
        assertThatThrownBy(() -> readAll(file, null)).hasMessageContaining("line 2: is not a JSON object");
    }

    @Test
    void aFileThatIsOneJsonArraySaysHowToReadIt() throws IOException {
        String said = ": starts a JSON array, not JSON Lines (one object a line): read a file that is one array of"
                + " records with --format json, or name it .json";
        // Spread over lines, as a JSON array usually is; after a blank line and indented.
        Path spread = write("\n  [\n  {\"id\": \"1\", \"prompt\": \"a\"},\n  {\"id\": \"2\", \"prompt\": \"b\"}\n]\n");
        assertThatThrownBy(() -> readAll(spread, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(spread + " line 2" + said);
        // On one line.
        Path oneLine = write("[{\"id\": \"1\", \"prompt\": \"a\"}, {\"id\": \"2\", \"prompt\": \"b\"}]\n");
        assertThatThrownBy(() -> readAll(oneLine, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage(oneLine + " line 1" + said);
    }

    @Test
    void aMissingTemplateFieldIsNamedWithItsLine() throws IOException {
        Path file = write("{\"question\":\"a\"}\n{\"q\":\"b\"}\n");
        assertThatThrownBy(() -> readAll(file, "Answer: {{question}}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("line 2: has no field 'question' used by the template");
    }

    @Test
    void aRecordWithoutTheDefaultTemplatesPromptNamesItsFieldsAndATemplateThatUsesOne() throws IOException {
        Path file = write("{\"id\": \"q1\", \"n\": 3, \"question\": \"a\", \"gold\": \"4\"}\n");
        assertThatThrownBy(() -> readAll(file, "{{prompt}}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(file + " line 1: has no field 'prompt', which the default template {{prompt}} sends (its"
                        + " fields: id, n, question, gold); give --template with the fields to send, e.g. --template"
                        + " '{{question}}'");
        // Never the label as the example, whichever comes first: pasted, it would send the answer to the model.
        Path labelled = write("{\"id\": 1, \"answer\": \"B\", \"stem\": \"2+2?\", \"question\": \"What is 2+2?\"}\n"
                + "{\"id\": 2, \"label\": \"B\", \"stem\": \"2+2?\"}\n");
        assertThatThrownBy(() -> readAll(labelled, "{{prompt}}")).hasMessageEndingWith("e.g. --template '{{question}}'");
        Path second = write("{\"id\": 2, \"label\": \"B\", \"stem\": \"2+2?\"}\n");
        assertThatThrownBy(() -> readAll(second, "{{prompt}}")).hasMessageEndingWith("e.g. --template '{{stem}}'");
        Path onlyLabel = write("{\"id\": 3, \"Answer\": \"B\"}\n");
        assertThatThrownBy(() -> readAll(onlyLabel, "{{prompt}}")).hasMessageEndingWith(
                "has no field 'prompt' used by the template (its fields: id, Answer); add it or change --template");
        // A template of the user's own that misses a field: the record's fields, cut after eight.
        Path wide = write("{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"i\":1}\n");
        assertThatThrownBy(() -> readAll(wide, "Q: {{question}}"))
                .hasMessage(wide + " line 1: has no field 'question' used by the template (its fields: a, b, c, d, e, f,"
                        + " g, h, \u2026); add it or change --template");
    }

    @Test
    void invalidUtf8IsReportedOnItsOwnLine() throws IOException {
        byte[] good = "{\"prompt\":\"fine\"}\n".repeat(3000).getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 'p', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        byte[] all = new byte[good.length + bad.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(bad, 0, all, good.length, bad.length);
        Path file = write(all);
        assertThatThrownBy(() -> readAll(file, null)).hasMessage(file + " line 3001, column 7: is not valid UTF-8; save"
                + " the file as UTF-8");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.jsonl");
        assertThatThrownBy(() -> InputReaders.open(missing, InputFormat.JSONL, "id", null))
                .isInstanceOf(InvalidInputException.class).hasMessage(missing + ": no such file");
    }

    @Test
    void aTenMegabyteRecordIsReadWhole() throws IOException {
        String big = "a".repeat(10 * 1024 * 1024);
        Path file = write("{\"id\":\"small\",\"prompt\":\"x\"}\n{\"id\":\"big\",\"prompt\":\"" + big
                + "\"}\n{\"id\":\"after\",\"prompt\":\"y\"}\n");
        List<InputRecord> records = readAll(file, "{{prompt}}");
        assertThat(records).extracting(InputRecord::id).containsExactly("small", "big", "after");
        assertThat(records.get(1).json()).hasSize(big.length() + "{\"id\":\"big\",\"prompt\":\"\"}".length());
        assertThat(records.get(2).line()).isEqualTo(3);
    }

    @Test
    void anEmptyFileAndAFileOfBlankLinesHoldNoRecords() throws IOException {
        assertThat(readAll(write(""), null)).isEmpty();
        assertThat(readAll(write("\n\r\n   \n\t\n"), null)).isEmpty();
        assertThat(readAll(write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}), null)).isEmpty();
    }
}
