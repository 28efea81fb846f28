package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A broken input says what is wrong in its writer's terms, whichever reader finds it: the file, the line, the column
 * and a plain description with what was expected; never a word of the parser's (Jackson's) own.
 */
class InputErrorsTest {
    /** Words of Jackson's messages: none may reach a person. */
    static final String[] PARSER_WORDS = {"Source:", "StreamReadFeature", "marker", "REDACTED", "[line:", "Unexpected",
        "Unrecognized", "(code ", "CTRL-CHAR", "Illegal", "end-of-input", "JsonParse", "Too many entries",
        "Missing closing quote", "Expected column separator"};

    @TempDir
    Path dir;

    private List<InputRecord> read(Path file) {
        List<InputRecord> out = new ArrayList<>();
        try (RecordReader reader = InputReaders.open(file, null, "id", null)) {
            reader.forEachRemaining(out::add);
        }
        return out;
    }

    private InvalidInputException errorOf(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> read(file));
        assertThat(e).as("reading %s", name).isNotNull();
        assertThat(e.getMessage()).doesNotContain(PARSER_WORDS).doesNotContain("\n");
        assertThat(e.phrase().in(Locale.CHINESE)).doesNotContain(PARSER_WORDS).doesNotContain("\n");
        return e;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code before}, then bytes that are not UTF-8 (an é cut in half: 0xC3 then '('), then {@code after}. */
    private static byte[] withBadUtf8(String before, String after) {
        byte[] a = utf8(before);
        byte[] b = utf8(after);
        byte[] all = new byte[a.length + 2 + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        all[a.length] = (byte) 0xC3;
        all[a.length + 1] = '(';
        System.arraycopy(b, 0, all, a.length + 2, b.length);
        return all;
    }

    private static final String OK_LINE = "{\"id\": \"q1\", \"question\": \"fine\"}\n";
    private static final String EACH_LINE = "; each line must hold one whole JSON object";

    static Stream<Arguments> jsonlLines() {
        return Stream.of(
                Arguments.of("unclosed object", "{\"id\": \"q2\", \"question\": \"a\"",
                        "line 2, column 29: is not valid JSON: the line ends before the object that starts at column 1"
                                + " is closed (expected ',' or '}')" + EACH_LINE),
                Arguments.of("unclosed string", "{\"id\": \"q2\", \"question\": \"a}",
                        "line 2, column 29: is not valid JSON: the line ends before the string that starts at column 26"
                                + " is closed (expected the closing '\"')" + EACH_LINE),
                Arguments.of("trailing garbage", "{\"id\": \"q2\"} and more",
                        "line 2, column 14: is not valid JSON: found 'a' after the end of the JSON value" + EACH_LINE),
                Arguments.of("a second object on the line", "{\"id\": \"q2\"}{\"id\": \"q3\"}",
                        "line 2, column 13: is not valid JSON: found '{' after the end of the JSON value" + EACH_LINE),
                Arguments.of("bare word", "{\"a\": yes}",
                        "line 2, column 7: is not valid JSON: found yes, which is not a JSON value: write text in double"
                                + " quotes (\"yes\"); only true, false and null go without" + EACH_LINE),
                Arguments.of("missing comma", "{\"a\": 1 \"b\": 2}",
                        "line 2, column 9: is not valid JSON: found '\"' where ',' or '}' was expected: a comma may"
                                + " be missing before it" + EACH_LINE),
                Arguments.of("trailing comma", "{\"a\": 1,}",
                        "line 2, column 9: is not valid JSON: found '}' right after a comma: remove the trailing comma"
                                + EACH_LINE),
                Arguments.of("single quotes", "{'a': 1}",
                        "line 2, column 2: is not valid JSON: found a single quote where a field name in double quotes"
                                + " or '}' was expected: JSON takes double quotes" + EACH_LINE),
                Arguments.of("Python's True", "{\"a\": True}",
                        "line 2, column 7: is not valid JSON: found True: JSON writes true in lower case" + EACH_LINE),
                Arguments.of("a leading zero", "{\"a\": 007}",
                        "line 2, column 7: is not valid JSON: found 007, which is not a JSON number" + EACH_LINE),
                Arguments.of("a raw tab in a string", "{\"a\": \"x\ty\"}",
                        "line 2, column 9: is not valid JSON: the string holds a raw control character (U+0009); write"
                                + " it escaped, such as \\t for a tab" + EACH_LINE),
                Arguments.of("an escape JSON does not know", "{\"a\": \"C:\\data\"}",
                        "line 2, column 10: is not valid JSON: the string holds \\d, which is not a JSON escape (a"
                                + " backslash itself is written \\\\)" + EACH_LINE),
                Arguments.of("a comment", "{\"a\": 1} // the first",
                        "line 2, column 10: is not valid JSON: found '/': JSON has no comments" + EACH_LINE),
                Arguments.of("a pretty-printed object", "{\n  \"id\": \"q2\"\n}",
                        "line 2, column 2: is not valid JSON: the line ends before the object that starts at column 1 is"
                                + " closed (expected a field name in double quotes or '}')" + EACH_LINE));
    }

    @ParameterizedTest(name = "JSONL: {0}")
    @MethodSource("jsonlLines")
    void aBrokenJsonlLine(String name, String line, String message) throws IOException {
        InvalidInputException e = errorOf("q.jsonl", utf8(OK_LINE + line + "\n" + OK_LINE));

        assertThat(e).hasMessage(dir.resolve("q.jsonl") + " " + message);
    }

    @Test
    void aBrokenLineOfABatchFileIsSaidTheSameWay() throws IOException {
        String ok = "{\"custom_id\": \"r1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {\"model\":"
                + " \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}}\n";
        InvalidInputException e = errorOf("batch.jsonl", utf8(ok + ok.replace("r1", "r2").replace("}]}}", "}]}")));

        assertThat(e).hasMessage(dir.resolve("batch.jsonl") + " line 2, column 141: is not valid JSON: the line ends"
                + " before the object that starts at column 1 is closed (expected ',' or '}')" + EACH_LINE);
    }

    @Test
    void jsonlInChinese() throws IOException {
        InvalidInputException e = errorOf("q.jsonl", utf8(OK_LINE + "{\"id\": \"q2\", \"question\": \"a\"\n"));

        assertThat(e.phrase().in(Locale.CHINESE)).isEqualTo(dir.resolve("q.jsonl") + " 第 2 行第 29 列：不是有效的"
                + " JSON：该行在第 1 列开始的对象闭合之前就结束了（应为 ',' 或 '}'）；每行必须是一个完整的 JSON 对象");
    }

    @Test
    void anEmptyLineInTheMiddleIsSkippedAndLinesKeepTheirNumbers() throws IOException {
        Path file = TestFiles.write(dir, "q.jsonl", OK_LINE + "\n   \n" + OK_LINE.replace("q1", "q2"));

        assertThat(read(file)).extracting(InputRecord::line).containsExactly(1L, 4L);
    }

    @Test
    void aByteOrderMarkOnLineOneIsSkippedAndColumnsCountFromAfterIt() throws IOException {
        Path fine = TestFiles.write(dir, "fine.jsonl", "\uFEFF" + OK_LINE);
        assertThat(read(fine)).extracting(InputRecord::id).containsExactly("q1");

        InvalidInputException e = errorOf("q.jsonl", utf8("\uFEFF{\"a\": yes}\n"));
        assertThat(e).hasMessageStartingWith(dir.resolve("q.jsonl") + " line 1, column 7: is not valid JSON: found yes,");
    }

    @Test
    void bytesThatAreNotUtf8AreNamedByLineAndColumn() throws IOException {
        InvalidInputException e = errorOf("q.jsonl", withBadUtf8(OK_LINE + "{\"a\": \"caf", "\"}\n"));

        assertThat(e).hasMessage(dir.resolve("q.jsonl") + " line 2, column 11: is not valid UTF-8; save the file as"
                + " UTF-8");
    }

    static Stream<Arguments> jsonArrays() {
        return Stream.of(
                Arguments.of("unclosed object at the end of the file", "[\n  {\"id\": \"q1\"},\n  {\"id\": \"q2\"\n",
                        "line 4, column 1: is not valid JSON: the file ends before the object that starts at line 3,"
                                + " column 3 is closed (expected ',' or '}')"),
                Arguments.of("unclosed array", "[\n  {\"id\": \"q1\"}\n",
                        "line 3, column 1: is not valid JSON: the file ends before the array that starts at line 1,"
                                + " column 1 is closed (expected ',' or ']')"),
                Arguments.of("unclosed string", "[{\"id\": \"q1}]\n",
                        "line 1, column 14: is not valid JSON: the string that starts at column 9 is not closed before"
                                + " the line ends (a line break inside a string is written \\n)"),
                Arguments.of("trailing garbage after the array", "[{\"id\": \"q1\"}]\n]\n",
                        "line 2, column 1: is not valid JSON: found ']' after the end of the JSON value"),
                Arguments.of("bare word", "[\n  {\"id\": \"q1\", \"a\": yes}\n]",
                        "line 2, column 21: is not valid JSON: found yes, which is not a JSON value: write text in double"
                                + " quotes (\"yes\"); only true, false and null go without"),
                Arguments.of("missing comma between elements", "[\n  {\"id\": \"q1\"}\n  {\"id\": \"q2\"}\n]",
                        "line 3, column 3: is not valid JSON: found '{' where ',' or ']' was expected: a comma may be"
                                + " missing before it"),
                Arguments.of("trailing comma before the end", "[{\"id\": \"q1\"},]",
                        "line 1, column 15: is not valid JSON: found ']' right after a comma: remove the trailing comma"));
    }

    @ParameterizedTest(name = "JSON array: {0}")
    @MethodSource("jsonArrays")
    void aBrokenJsonArray(String name, String text, String message) throws IOException {
        InvalidInputException e = errorOf("q.json", utf8(text));

        assertThat(e).hasMessage(dir.resolve("q.json") + " " + message);
    }

    @Test
    void aJsonArrayWithBlankLinesAByteOrderMarkAndOneLineOfElementsReadsWhole() throws IOException {
        Path pretty = TestFiles.write(dir, "p.json", "\uFEFF[\n\n  {\"id\": \"q1\", \"n\": [1, {\"x\": \"]\"}]},\n\n"
                + "  {\"id\": \"q2\"}\n]\n");
        assertThat(read(pretty)).extracting(InputRecord::id).containsExactly("q1", "q2");
        assertThat(read(pretty)).extracting(InputRecord::line).containsExactly(3L, 5L);
        assertThat(read(pretty).get(0).json()).isEqualTo("{\"id\":\"q1\",\"n\":[1,{\"x\":\"]\"}]}");
        Path oneLine = TestFiles.write(dir, "o.json", "[" + "{\"id\": 1},".repeat(50_000) + "{\"id\": 2}]");
        assertThat(read(oneLine)).hasSize(50_001);
    }

    @Test
    void bytesThatAreNotUtf8InAJsonArrayAreNamedByLineAndColumn() throws IOException {
        InvalidInputException e = errorOf("q.json", withBadUtf8("[\n  {\"id\": \"caf", "\"}\n]"));

        assertThat(e).hasMessage(dir.resolve("q.json") + " line 2, column 14: is not valid UTF-8; save the file as UTF-8");
    }

    static Stream<Arguments> csvFiles() {
        return Stream.of(
                Arguments.of("a quote never closed", "id,question\nq1,\"abc\nq2,x\n",
                        "line 2: has a quoted value that is never closed: the file ends before its closing '\"' (a '\"'"
                                + " inside a quoted value is written twice: \"\")"),
                Arguments.of("a quote never closed, further down", "id,question\nq1,a\nq2,b\nq3,\"c\nq4,d\n",
                        "line 4: has a quoted value that is never closed: the file ends before its closing '\"' (a '\"'"
                                + " inside a quoted value is written twice: \"\")"),
                Arguments.of("more values than columns", "id,question\nq1,a\nq2,b,c\n",
                        "line 3, column 6: has more values than the header has columns (2); a value that holds the"
                                + " separator must be in double quotes"),
                Arguments.of("text after a closing quote", "id,question\nq1,\"a\"b\n",
                        "line 2, column 7: has text after the closing '\"' of a quoted value (a '\"' inside a quoted"
                                + " value is written twice: \"\")"),
                Arguments.of("a column named twice", "id,question,question\nq1,a,b\n",
                        "line 1: names column 'question' twice (columns 2 and 3): a row's first value there would be"
                                + " lost; give each column a name of its own"),
                Arguments.of("two unnamed columns before a named one", "id,,,question\n1,LOST,KEPT,hello\n",
                        "line 1: gives columns 2 and 3 no name: a row's value in column 2 would be lost; give each"
                                + " column a name of its own"),
                Arguments.of("an unnamed column before a named one and one at the end", "id,,question,,x\n1,a,b,c,d\n",
                        "line 1: gives columns 2 and 4 no name: a row's value in column 2 would be lost; give each"
                                + " column a name of its own"),
                Arguments.of("an unnamed column before a named one and trailing separators", "id,,question,,\n1,a,b,,\n",
                        "line 1: gives columns 2 and 4 no name: a row's value in column 2 would be lost; give each"
                                + " column a name of its own"));
    }

    @ParameterizedTest(name = "CSV: {0}")
    @MethodSource("csvFiles")
    void aBrokenCsv(String name, String text, String message) throws IOException {
        InvalidInputException e = errorOf("q.csv", utf8(text));

        assertThat(e).hasMessage(dir.resolve("q.csv") + " " + message);
    }

    /** A spreadsheet's trailing separators: empty columns at the end, as many as it likes. One unnamed is kept. */
    @Test
    void unnamedColumnsMayRepeatAtTheEnd() throws IOException {
        Path csv = TestFiles.write(dir, "q.csv", "id,question,,,\nq1,a,,,\n");
        try (RecordReader r = InputReaders.open(csv, InputFormat.CSV, "id", PromptTemplate.parse("{{question}}"))) {
            assertThat(r.next().json()).contains("\"question\":\"a\"");
        }
        Path one = TestFiles.write(dir, "one.csv", "id,,question\nq1,note,a\n");
        try (RecordReader r = InputReaders.open(one, InputFormat.CSV, "id", PromptTemplate.parse("{{question}}"))) {
            assertThat(r.next().json()).contains("\"\":\"note\"").contains("\"question\":\"a\"");
        }
    }

    @Test
    void aCsvWithEmptyLinesAndAByteOrderMarkReadsWhole() throws IOException {
        Path file = TestFiles.write(dir, "q.csv", "\uFEFFid,question\nq1,a\n\nq2,b\n");

        assertThat(read(file)).extracting(InputRecord::id).containsExactly("q1", "q2");
    }

    @Test
    void anEmptyCsvHasNoHeader() throws IOException {
        InvalidInputException e = errorOf("q.csv", new byte[0]);

        assertThat(e).hasMessage(dir.resolve("q.csv") + ": has no header line; the first line of a CSV file names its"
                + " columns");
    }

    @Test
    void bytesThatAreNotUtf8InACsvAreNamedByLineAndColumn() throws IOException {
        InvalidInputException e = errorOf("q.tsv", withBadUtf8("id\tquestion\nq1\tcaf", "\n"));

        assertThat(e).hasMessage(dir.resolve("q.tsv") + " line 2, column 7: is not valid UTF-8; save the file as UTF-8");
    }

    static Stream<Arguments> storedOrGivenJson() {
        return Stream.of(
                Arguments.of("{\"type\": \"object\",}", "column 19: found '}' right after a comma: remove the trailing"
                        + " comma"),
                Arguments.of("fast", "column 1: found fast, which is not a JSON value: write text in double quotes"
                        + " (\"fast\"); only true, false and null go without"),
                Arguments.of("{\"a\": 1} {\"b\": 2}", "column 10: found '{' after the end of the JSON value"),
                Arguments.of("{\"a\":\n [1, 2}", "line 2, column 7: found '}' where ',' or ']' was expected"));
    }

    @ParameterizedTest(name = "stored or given JSON: {0}")
    @MethodSource("storedOrGivenJson")
    void jsonGivenAsAParameterOrReadBackFromTheStore(String text, String where) {
        InvalidJsonException e = catchThrowableOfType(InvalidJsonException.class,
                () -> Json.read(text, Phrase.core("json.param", "guided_json")));

        assertThat(e).hasMessage("parameter 'guided_json' is not JSON at " + where);
        assertThat(e.getMessage()).doesNotContain(PARSER_WORDS);
        assertThat(e.phrase().in(Locale.CHINESE)).startsWith("参数 'guided_json' 不是有效的 JSON：").doesNotContain(PARSER_WORDS);
    }
}
