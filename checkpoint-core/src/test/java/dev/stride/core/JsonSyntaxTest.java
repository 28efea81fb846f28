package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The syntax checker agrees with Jackson on what is JSON: it reads a JSON array's file alone, so a valid text it
 * refused would be a user's good file refused.
 */
class JsonSyntaxTest {

    static Stream<String> validTexts() {
        return Stream.of("{}", "[]", "0", "-0", "-0.5E-3", "1e5", "12.25e+2", "\"\"", "true", "false", "null",
                " \t\r\n{ \"a\" : [ 1 , 2.5 , -3 , { } , [ ] ] , \"b\" : null } \r\n",
                "{\"q\": \"say \\\"hi\\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9\\uD83D\\uDE00\"}",
                "{\"emoji\": \"😀 中文 é\", \"nested\": {\"deep\": [[[[{\"x\": [true, false, null]}]]]]}}",
                "[1,2,3]", "{\"a\":1,\"b\":[{\"c\":\"]}\"}]}", "\"}{][\"", "{\"\":\"\"}",
                "[" + "[".repeat(JsonSyntax.MAX_DEPTH - 2) + "]".repeat(JsonSyntax.MAX_DEPTH - 2) + "]");
    }

    @ParameterizedTest
    @MethodSource("validTexts")
    void whatJacksonReadsItAccepts(String text) throws IOException {
        new ObjectMapper().readTree(text);

        assertThat(JsonSyntax.check(text, JsonSyntax.endOfText())).isEmpty();
    }

    @Test
    void everyLineOfTheRecordedBatchFilesIsJsonToIt() throws IOException {
        Path fixtures = Path.of("src", "test", "resources", "fixtures");
        List<Path> files;
        try (Stream<Path> all = Files.list(fixtures)) {
            files = all.filter(p -> p.toString().endsWith(".jsonl") || p.toString().endsWith(".json")).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (file.toString().endsWith(".json")) {
                assertThat(JsonSyntax.check(text, JsonSyntax.endOfFile())).as(file.toString()).isEmpty();
                continue;
            }
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    assertThat(JsonSyntax.check(line, JsonSyntax.endOfLine())).as(file + ": " + line).isEmpty();
                }
            }
        }
    }

    @Test
    void nestingBeyondJacksonsLimitIsSaid() {
        String deep = "[".repeat(JsonSyntax.MAX_DEPTH + 1);

        assertThat(JsonSyntax.check(deep, JsonSyntax.endOfText())).hasValueSatisfying(p -> {
            assertThat(p.column()).isEqualTo(JsonSyntax.MAX_DEPTH + 1);
            assertThat(p.what().english()).isEqualTo("objects and arrays are nested more than 1000 deep");
        });
    }

    @Test
    void nothingButWhitespaceIsNoValue() {
        assertThat(JsonSyntax.check("  ", JsonSyntax.endOfText()))
                .hasValueSatisfying(p -> assertThat(p.what().english()).isEqualTo("there is no JSON value"));
    }
}
