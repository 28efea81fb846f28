package dev.stride.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;

/** Loads the recorded payloads in src/test/resources/fixtures (see SOURCES.md there). */
final class Fixtures {

    private Fixtures() {
    }

    static String read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status code on the first line of a recorded {@code .headers.txt}, e.g. "HTTP/1.1 401 Unauthorized". */
    static int recordedStatus(String headersFile) {
        String firstLine = read(headersFile).lines().findFirst().orElseThrow();
        return Integer.parseInt(firstLine.split(" ")[1]);
    }

    /** The recorded Content-Type; other recorded headers (gzip, chunked, lengths) do not fit the decoded body. */
    static String recordedContentType(String headersFile) {
        return read(headersFile).lines()
                .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst().orElse("application/json");
    }

    /**
     * Answers every POST with {@code post} and every GET (the client's check of a server whose request timed out)
     * with {@code check}.
     */
    static mockwebserver3.Dispatcher postsAndChecks(MockResponse post, MockResponse check) {
        return new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                return "GET".equals(request.getMethod()) ? check : post;
            }
        };
    }

    static MockResponse response(int status, String contentType, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", contentType).body(body).build();
    }

    /** A stream as servers send it: chunked, in small pieces, so the client must read across chunk boundaries. */
    static MockResponse stream(String contentType, String body) {
        return new MockResponse.Builder().code(200).setHeader("Content-Type", contentType)
                .chunkedBody(body, 97).build();
    }

    static MockResponse sse(String body) {
        return stream("text/event-stream; charset=utf-8", body);
    }

    static MockResponse ndjson(String body) {
        return stream("application/x-ndjson", body);
    }

    /**
     * TGI's snapshots hold a stream as a JSON array of chunks; this writes them back as the SSE TGI sends
     * ({@code data: <chunk>} per event, then {@code data: [DONE]}). Derived, not captured: see SOURCES.md.
     */
    static String chunksAsSse(String jsonArray) {
        try {
            StringBuilder sse = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonNode chunk : new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(jsonArray)) {
                sse.append("data: ").append(chunk.toString()).append("\n\n");
            }
            return sse.append("data: [DONE]\n\n").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PromptRequest prompt(Api api) {
        return PromptRequest.of(api, "test-model", null, "Hello");
    }

    static ModelClient clientFor(MockWebServer server) {
        return new ModelClient(fastSettings(server));
    }

    /**
     * Timeouts that a local server which answers never reaches, however loaded the machine (a test about a timeout
     * sets its own); what ends a broken test is the class's {@code @Timeout}.
     */
    static ClientSettings fastSettings(MockWebServer server) {
        return ClientSettings.of(server.url("/v1/").toString())
                .withTimeouts(java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(60),
                        java.time.Duration.ofSeconds(90));
    }

    static ChatRequest hello() {
        return ChatRequest.of("test-model", null, "Hello");
    }

    /** Asks {@code client} for {@link #hello()}: the failure the call ended with, or null when it was answered. */
    static CallFailure failureOfHello(ModelClient client) {
        try {
            client.chat(hello());
            return null;
        } catch (CallFailure f) {
            return f;
        }
    }
}
