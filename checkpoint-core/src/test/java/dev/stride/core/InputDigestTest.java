package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader that reaches the end of a file knows the file's digest, the same as {@link InputDigest#of} computes
 * without parsing; any change to the bytes or to the settings that read them gives another digest.
 */
class InputDigestTest {
    private static final String TEMPLATE = "Q: {{q}}";

    @TempDir
    Path dir;

    @Test
    void everyFormatsReaderDigestsTheWholeFileAsInputDigestDoes() throws IOException {
        Path jsonl = TestFiles.write(dir, "a.jsonl", "{\"id\": 1, \"q\": \"a\"}\n\n{\"id\": 2, \"q\": \"b\"}\n");
        Path json = TestFiles.write(dir, "a.json", "[{\"id\": 1, \"q\": \"a\"},\n {\"id\": 2, \"q\": \"b\"}]\n\n   \n");
        Path csv = TestFiles.write(dir, "a.csv", "id,q\n1,a\n2,b\n");
        Path tsv = TestFiles.write(dir, "a.tsv", "id\tq\n1\ta\n2\tb\n");
        Path gz = TestFiles.gzip(dir, "a.jsonl.gz", "{\"id\": 1, \"q\": \"a\"}\n{\"id\": 2, \"q\": \"b\"}\n");
        for (Path file : new Path[] {jsonl, json, csv, tsv, gz}) {
            InputFormat format = InputFormat.of(file);
            try (RecordReader reader = InputReaders.open(file, null, "id", PromptTemplate.parse(TEMPLATE))) {
                assertThat(reader.hasNext()).isTrue();
                assertThat(reader.inputDigest()).as(file + " before its end").isEmpty();
                reader.forEachRemaining(r -> { });
                assertThat(reader.hasNext()).isFalse();
                assertThat(reader.inputDigest()).as(file.toString())
                        .contains(InputDigest.of(file, format, "id", TEMPLATE));
            }
        }
    }

    @Test
    void anyChangeToTheBytesOrTheSettingsChangesTheDigest() throws IOException {
        Path file = TestFiles.write(dir, "a.jsonl", "{\"id\": 1, \"q\": \"a\"}\n");
        String digest = InputDigest.of(file, InputFormat.JSONL, "id", TEMPLATE);
        assertThat(digest).matches("[0-9a-f]{64}");
        assertThat(InputDigest.of(file, InputFormat.JSONL, "id", TEMPLATE)).isEqualTo(digest);

        assertThat(InputDigest.of(file, InputFormat.JSON, "id", TEMPLATE)).isNotEqualTo(digest);
        assertThat(InputDigest.of(file, InputFormat.JSONL, "key", TEMPLATE)).isNotEqualTo(digest);
        assertThat(InputDigest.of(file, InputFormat.JSONL, "id", "Q: {{q}} ")).isNotEqualTo(digest);
        assertThat(InputDigest.of(file, InputFormat.JSONL, "id", null)).isNotEqualTo(digest);
        // Settings are length-prefixed: moving a character from one to the next is another input.
        assertThat(InputDigest.of(file, InputFormat.JSONL, "idQ", ": {{q}}"))
                .isNotEqualTo(InputDigest.of(file, InputFormat.JSONL, "id", "Q: {{q}}"));

        Files.writeString(file, "{\"id\": 1, \"q\": \"b\"}\n", StandardCharsets.UTF_8);
        assertThat(InputDigest.of(file, InputFormat.JSONL, "id", TEMPLATE)).isNotEqualTo(digest);
    }

    @Test
    void oneReadGivesEachTemplatesDigestAsOneReadPerTemplateDoes() throws IOException {
        Path file = TestFiles.write(dir, "a.jsonl", "{\"id\": 1, \"q\": \"a\"}\n".repeat(20_000));

        java.util.Map<String, String> each = InputDigest.ofEach(file, InputFormat.JSONL, "id",
                java.util.List.of(TEMPLATE, "A: {{q}}", TEMPLATE));

        assertThat(each).containsOnlyKeys(TEMPLATE, "A: {{q}}");
        assertThat(each.get(TEMPLATE)).isEqualTo(InputDigest.of(file, InputFormat.JSONL, "id", TEMPLATE));
        assertThat(each.get("A: {{q}}")).isEqualTo(InputDigest.of(file, InputFormat.JSONL, "id", "A: {{q}}"))
                .isNotEqualTo(each.get(TEMPLATE));
    }

    @Test
    void bytesAppendedAfterTheParserReachedTheEndWithholdTheDigest() throws IOException {
        // The last line has no newline: to end its record the parser reads to the end of the file and remembers it.
        Path csv = TestFiles.write(dir, "grows.csv", "id,q\n1,a\n2,b");
        try (RecordReader reader = InputReaders.open(csv, null, "id", PromptTemplate.parse(TEMPLATE))) {
            assertThat(reader.next().id()).isEqualTo("1");
            assertThat(reader.next().id()).isEqualTo("2");
            Files.writeString(csv, "\n3,c\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            assertThat(reader.hasNext()).as("the parser knows its end already").isFalse();
            assertThat(reader.inputDigest()).as("records read are not those of the file as it now is").isEmpty();
        }
        // Read again from the start, the grown file has all three records and its digest.
        try (RecordReader reader = InputReaders.open(csv, null, "id", PromptTemplate.parse(TEMPLATE))) {
            reader.next();
            reader.next();
            assertThat(reader.next().id()).isEqualTo("3");
            assertThat(reader.hasNext()).isFalse();
            assertThat(reader.inputDigest()).contains(InputDigest.of(csv, InputFormat.CSV, "id", TEMPLATE));
        }
    }

    @Test
    void aReaderStoppedByABadLineOrReadingAStreamHasNoDigest() throws IOException {
        Path bad = TestFiles.write(dir, "bad.jsonl", "{\"id\": 1, \"q\": \"a\"}\nnot json\n");
        try (RecordReader reader = InputReaders.open(bad, null, "id", null)) {
            reader.next();
            assertThatThrownBy(reader::hasNext).isInstanceOf(InvalidInputException.class);
            assertThat(reader.inputDigest()).isEmpty();
        }
        try (RecordReader stdin = InputReaders.open("standard input", new ByteArrayInputStream(
                "{\"id\": 1}\n".getBytes(StandardCharsets.UTF_8)), InputFormat.JSONL, "id", null)) {
            stdin.forEachRemaining(r -> { });
            assertThat(stdin.inputDigest()).isEmpty();
        }
        assertThatThrownBy(() -> InputDigest.of(dir.resolve("missing.jsonl"), InputFormat.JSONL, "id", null))
                .isInstanceOf(InvalidInputException.class).hasMessageEndingWith("missing.jsonl: no such file");
    }
}
