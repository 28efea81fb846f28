package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whatever shape a server's error body has, its own words reach the failure's message: on one line, without markup,
 * entities decoded, a stack trace left out.
 */
@Timeout(10)
class ServerWordsTest {

    @StartStop
    public final MockWebServer server = new MockWebServer();

    /**
     * The page Express answers with when no route matches, or when a handler fails (its default error handler,
     * finalhandler): the message HTML-escaped inside {@code <pre>}, line breaks as {@code <br>}, double spaces as
     * {@code " &nbsp;"}, under the title "Error".
     */
    static String expressPage(String message) {
        String body = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;")
                .replace("\n", "<br>").replace("  ", " &nbsp;");
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n"
                + "</head>\n<body>\n<pre>" + body + "</pre>\n</body>\n</html>\n";
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("Express, no such route", 404, "text/html; charset=utf-8",
                        expressPage("Cannot POST /v1/completions"), "Cannot POST /v1/completions"),
                Arguments.of("Express, a request body it cannot parse, with the stack", 400, "text/html; charset=utf-8",
                        expressPage("SyntaxError: Unexpected token '}', \"{\"a\": }\" is not valid JSON\n"
                                + "    at JSON.parse (<anonymous>)\n"
                                + "    at parse (/srv/node_modules/body-parser/lib/types/json.js:92:19)"),
                        "SyntaxError: Unexpected token '}', \"{\"a\": }\" is not valid JSON"),
                Arguments.of("error as text", 400, "application/json",
                        "{\"error\": \"model 'llama9' not found\"}", "model 'llama9' not found"),
                Arguments.of("error object", 400, "application/json",
                        "{\"error\": {\"message\": \"prompt is too long\", \"type\": \"invalid_request_error\"}}",
                        "prompt is too long"),
                Arguments.of("message alone", 400, "application/json",
                        "{\"object\": \"error\", \"message\": \"max_tokens must be at least 1\"}",
                        "max_tokens must be at least 1"),
                Arguments.of("FastAPI detail", 404, "application/json", "{\"detail\":\"Not Found\"}", "Not Found"),
                Arguments.of("FastAPI validation", 422, "application/json",
                        "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"messages\"],\"msg\":\"Field required\","
                                + "\"input\":{}}]}", "body.messages: Field required"),
                Arguments.of("Fastify: the message says more than the error", 404, "application/json",
                        "{\"message\":\"Route POST:/v1/completions not found\",\"error\":\"Not Found\",\"statusCode\":404}",
                        "Route POST:/v1/completions not found"),
                Arguments.of("NestJS: a list of messages", 400, "application/json",
                        "{\"statusCode\":400,\"message\":[\"model must be a string\",\"messages should not be empty\"],"
                                + "\"error\":\"Bad Request\"}", "model must be a string; messages should not be empty"),
                Arguments.of("plain text over lines", 503, "text/plain",
                        "upstream connect error or disconnect/reset before headers.\nreset reason: overflow",
                        "upstream connect error or disconnect/reset before headers. reset reason: overflow"),
                Arguments.of("HTML with only a heading", 502, "text/html",
                        "<html><body><h1>Bad gateway &ndash; try again</h1><p>x</p></body></html>",
                        "Bad gateway – try again"),
                Arguments.of("HTML without title, heading or pre: its visible text", 503, "text/html",
                        "<html><head><style>p{color:red}</style><script>var x = 1;</script></head><body>"
                                + "<!-- a comment --><p>Service &amp; model<br>unavailable</p></body></html>",
                        "Service & model unavailable"),
                Arguments.of("a title that says more than Error wins over the heading", 404, "text/html",
                        "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
                                + "<p>The requested URL was not found on this server.</p></body></html>",
                        "404 Not Found"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void theServersOwnWordsOnOneLine(String name, int status, String contentType, String body, String words) {
        CallFailure f = failureFor(status, contentType, body);

        assertThat(f.serverMessage()).isEqualTo(words);
        assertThat(f.getMessage()).startsWith("HTTP " + status + ": " + words).doesNotContain("\n", "<", "&#", "&amp;");
    }

    @Test
    void aNotFoundNamesTheUrlThatWasPosted() {
        CallFailure f = failureFor(404, "text/html; charset=utf-8", expressPage("Cannot POST /v1/completions"));

        assertThat(f.getMessage()).isEqualTo("HTTP 404: Cannot POST /v1/completions (POST "
                + server.url("/v1/chat/completions") + ")");
    }

    @Test
    void aPostedUrlIsShownWithoutItsPasswordOrQuery() {
        server.enqueue(Fixtures.response(405, "text/plain", "Method Not Allowed"));
        String base = server.url("/v1").newBuilder().username("me").password("secret").build().toString();
        try (ModelClient client = new ModelClient(ClientSettings.of(base))) {
            CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

            assertThat(f.getMessage()).isEqualTo("HTTP 405: Method Not Allowed (POST "
                    + server.url("/v1/chat/completions") + ")").doesNotContain("secret");
        }
    }

    @Test
    void aHugePageBecomesItsMessageNeverItsMarkup() {
        String page = "<html><head><title>Gateway Timeout</title></head><body>" + "<div>x</div>".repeat(200_000)
                + "</body></html>";
        CallFailure f = failureFor(504, "text/html", page);

        assertThat(f.serverMessage()).isEqualTo("Gateway Timeout");
    }

    @Test
    void aBodyThatIsNotJsonIsDescribedWithoutTheParsersWords() {
        server.enqueue(Fixtures.response(200, "application/json", "{\"id\":\"x\",\"choices\":[{\"message\":{"));
        try (ModelClient client = Fixtures.clientFor(server)) {
            CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

            assertThat(f.getMessage()).isEqualTo("malformed HTTP 200 response: not JSON or truncated "
                    + "(it ends before the JSON is complete)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"application/json", "text/plain"})
    void aBodyOfPlainWordsIsShownByItsStart(String contentType) {
        // What a walk's server sent as a 200, once as each type: the failure said where the JSON broke, not the words.
        CallFailure f = failureFor(200, contentType, "Internal hiccup, please retry\n");

        assertThat(f.getMessage()).isEqualTo("malformed HTTP 200 response: not JSON or truncated (unexpected text at"
                + " column 1): Internal hiccup, please retry");
    }

    @Test
    void theStartOfALongBodyIsOneShortLineWithItsControlCharactersEscaped() {
        CallFailure f = failureFor(200, "text/plain", "\u001b[31mERROR\u001b[0m\tworker 3\r\n  crashed:" + " x".repeat(200));

        assertThat(f.serverMessage()).isEqualTo("\\u001b[31mERROR\\u001b[0m worker 3 crashed:" + " x".repeat(19) + "…");
        assertThat(f.getMessage()).doesNotContain("\n").doesNotContain("\u001b");
    }

    @Test
    void aParameterThatIsNotJsonSaysWhereWithoutTheParsersWords() {
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> Sampling.parseExtra("mode=fast")))
                .hasMessage("the value of 'mode' is not JSON (strings need quotes: mode=\"text\"): unexpected text at"
                        + " column 1");
    }

    private CallFailure failureFor(int status, String contentType, String body) {
        server.enqueue(Fixtures.response(status, contentType, body));
        try (ModelClient client = Fixtures.clientFor(server)) {
            return catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));
        }
    }
}
