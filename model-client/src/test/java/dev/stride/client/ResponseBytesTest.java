package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A 2xx body is parsed from its bytes when it is UTF-8 and its text is not kept: every recorded body (and broken
 * ones) gives the same result, or fails with the same words, as parsing its text did.
 */
@Timeout(120)
class ResponseBytesTest extends ServedClientTest {
    private static final Duration LATENCY = Duration.ofMillis(7);
    private final ResponseParser parser = new ResponseParser(JsonMapper.builder().build());

    /** The recorded bodies of the project's shared fixtures (and this module's copy), each under every API. */
    static Stream<Path> bodies() throws IOException {
        Path shared = Path.of("../../shared/fixtures");
        Path local = Path.of("src/test/resources/fixtures");
        Stream<Path> all = Files.isDirectory(shared) ? Stream.concat(Files.list(shared), Files.list(local))
                : Files.list(local);
        return all.filter(p -> p.getFileName().toString().matches(".*\\.(json|jsonc|html|txt|sse|ndjson)$"))
                .sorted();
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void eachRecordedBodyParsesFromItsBytesAsFromItsText(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (Api api : Api.values()) {
            assertThat(outcome(api, bytes)).as("%s as %s", file.getFileName(), api)
                    .isEqualTo(outcome(api, new String(bytes, StandardCharsets.UTF_8)));
        }
    }

    @Test
    void brokenAndOddBodiesFailOrDecodeAsTheirTextDoes() {
        List<byte[]> odd = List.of(new byte[0], "   \n".getBytes(StandardCharsets.UTF_8),
                "{\"choices\":[".getBytes(StandardCharsets.UTF_8), "<html><title>Bad gateway</title>".getBytes(
                        StandardCharsets.UTF_8), "[1,2]".getBytes(StandardCharsets.UTF_8),
                // Not UTF-8: the text decodes it with a replacement character, and so must the bytes' way.
                new byte[] {'{', '"', 'c', 'h', 'o', 'i', 'c', 'e', 's', '"', ':', '[', '{', '"', 'm', 'e', 's', 's',
                    'a', 'g', 'e', '"', ':', '{', '"', 'c', 'o', 'n', 't', 'e', 'n', 't', '"', ':', '"', (byte) 0xe9,
                    '"', '}', '}', ']', '}'});
        for (byte[] body : odd) {
            for (Api api : Api.values()) {
                assertThat(outcome(api, body)).isEqualTo(outcome(api, new String(body, StandardCharsets.UTF_8)));
            }
        }
    }

    @Test
    void aBodyInAnotherCharsetIsReadInIt() throws Exception {
        server.enqueue(new mockwebserver3.MockResponse.Builder().code(200)
                .setHeader("Content-Type", "application/json; charset=ISO-8859-1")
                .body(new okio.Buffer().write("{\"choices\":[{\"message\":{\"content\":\"caf\u00e9\"}}]}"
                        .getBytes(StandardCharsets.ISO_8859_1)))
                .build());
        assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("caf\u00e9");
    }

    @Test
    void aUtf8BodyWithItsByteOrderMarkIsReadWithoutIt() throws Exception {
        // OkHttp's text drops the mark; Jackson skips it when it reads the bytes.
        server.enqueue(Fixtures.response(200, "application/json",
                "\uFEFF{\"choices\":[{\"message\":{\"content\":\"bom\"}}]}"));
        assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("bom");
    }

    @Test
    void aUtf16BodyWithItsByteOrderMarkIsReadAsUtf16() throws Exception {
        server.enqueue(new mockwebserver3.MockResponse.Builder().code(200)
                .setHeader("Content-Type", "application/json")
                .body(new okio.Buffer().write("\uFEFF{\"choices\":[{\"message\":{\"content\":\"\u00fcber\"}}]}"
                        .getBytes(StandardCharsets.UTF_16BE)))
                .build());
        assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("\u00fcber");
    }

    private Object outcome(Api api, byte[] body) {
        try {
            return parser.parse(api, body, LATENCY);
        } catch (MalformedResponse e) {
            return failure(e);
        }
    }

    private Object outcome(Api api, String body) {
        try {
            return parser.parse(api, body, LATENCY);
        } catch (MalformedResponse e) {
            return failure(e);
        }
    }

    private static List<String> failure(MalformedResponse e) {
        return java.util.Arrays.asList(e.getMessage(), e.serverMessage(),
                e.getCause() == null ? null : e.getCause().getClass().getName());
    }
}
