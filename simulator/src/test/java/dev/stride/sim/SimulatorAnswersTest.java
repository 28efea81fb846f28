package dev.stride.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatorAnswersTest {
    private Simulator sim;
    private Http http;

    @BeforeEach
    void start() throws Exception {
        sim = new Simulator(SimulatorSettings.builder().build()).start(0);
        http = new Http(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void theUrlIsTheOpenAiBaseOnLoopback() {
        assertThat(sim.url()).isEqualTo("http://127.0.0.1:" + sim.port() + "/v1");
        assertThat(sim.port()).isPositive();
    }

    @Test
    void theSamePromptGetsTheSameAnswerAndTheAnswerContainsThePrompt() throws Exception {
        String prompt = "What is the normal resting heart rate range for adults?";
        JsonNode first = Http.json(http.chat(prompt));
        JsonNode again = Http.json(http.chat(prompt));
        JsonNode other = Http.json(http.chat("What does an MRI show?"));

        String content = first.at("/choices/0/message/content").asText();
        assertThat(content).startsWith("Answer to: " + prompt + " -- ").isEqualTo(Simulator.answerFor(prompt));
        assertThat(again.at("/choices/0/message/content").asText()).isEqualTo(content);
        assertThat(other.at("/choices/0/message/content").asText()).isNotEqualTo(content)
                .contains("What does an MRI show?");
        assertThat(first.get("object").asText()).isEqualTo("chat.completion");
        assertThat(first.get("model").asText()).isEqualTo("test-model");
        assertThat(first.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(first.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        int words = content.split(" ").length;
        assertThat(first.at("/usage/completion_tokens").asInt()).isEqualTo(words);
        assertThat(first.at("/usage/prompt_tokens").asInt()).isEqualTo(2 + prompt.split(" ").length);
        assertThat(first.at("/usage/total_tokens").asInt()).isEqualTo(first.at("/usage/prompt_tokens").asInt()
                + words);
        assertThat(sim.stats().count(Outcome.OK)).isEqualTo(3);
    }

    @Test
    void maxTokensCutsTheAnswerAndSaysLength() throws Exception {
        JsonNode r = Http.json(http.post("/chat/completions", Http.chatBody("Why do we sleep?", ",\"max_tokens\":3")));

        assertThat(r.at("/choices/0/message/content").asText()).isEqualTo("Answer to: Why");
        assertThat(r.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void streamingSendsOpenAiChunksThenUsageThenDone() throws Exception {
        String prompt = "How is asthma treated?";
        HttpResponse<String> response = http.post("/chat/completions",
                Http.chatBody(prompt, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        List<String> data = events(response.body());
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(Http.JSON.readTree(d));
        }
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("model").asText()).isEqualTo("test-model");
        });
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (JsonNode c : chunks) {
            JsonNode choice = c.path("choices").path(0);
            text.append(choice.path("delta").path("content").asText(""));
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertThat(text.toString()).isEqualTo(Simulator.answerFor(prompt));
        assertThat(finish).isEqualTo("stop");
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(text.toString().split(" ").length);
        assertThat(chunks.get(1).get("usage").isNull()).isTrue();
    }

    @Test
    void streamingWithoutIncludeUsageHasNoUsageChunk() throws Exception {
        HttpResponse<String> response = http.post("/chat/completions", Http.chatBody("Hi?", ",\"stream\":true"));

        List<String> data = events(response.body());
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        JsonNode last = Http.JSON.readTree(data.get(data.size() - 2));
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(last.has("usage")).isFalse();
    }

    @Test
    void textCompletionsAnswerThePromptInChoicesText() throws Exception {
        JsonNode r = Http.json(http.post("/completions", "{\"model\":\"base\",\"prompt\":\"Aspirin is\"}"));

        assertThat(r.get("object").asText()).isEqualTo("text_completion");
        assertThat(r.at("/choices/0/text").asText()).isEqualTo(Simulator.answerFor("Aspirin is"));
        assertThat(r.at("/usage/prompt_tokens").asInt()).isEqualTo(2);

        HttpResponse<String> streamed = http.post("/completions",
                "{\"model\":\"base\",\"prompt\":\"Aspirin is\",\"stream\":true}");
        List<String> data = events(streamed.body());
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            text.append(Http.JSON.readTree(d).at("/choices/0/text").asText());
        }
        assertThat(text.toString()).isEqualTo(Simulator.answerFor("Aspirin is"));
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    }

    @Test
    void modelsListsTheDefaultAndEveryModelAskedFor() throws Exception {
        http.chat("Hello?");
        JsonNode models = Http.json(http.get("/v1/models"));

        assertThat(models.get("object").asText()).isEqualTo("list");
        List<String> ids = new ArrayList<>();
        models.get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).containsExactly(Simulator.DEFAULT_MODEL, "test-model");
    }

    @Test
    void healthSaysOk() throws Exception {
        HttpResponse<String> r = http.get("/health");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Http.json(r).get("status").asText()).isEqualTo("ok");
        assertThat(sim.stats().requests()).isZero();
    }

    @Test
    void badRequestsGetOpenAiStyleErrors() throws Exception {
        HttpResponse<String> notJson = http.post("/chat/completions", "{oops");
        HttpResponse<String> noMessages = http.post("/chat/completions", "{\"model\":\"m\",\"messages\":[]}");
        HttpResponse<String> unknown = http.get("/v1/embeddings");
        HttpResponse<String> wrongMethod = http.get("/v1/chat/completions");

        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(Http.json(notJson).at("/error/message").asText()).contains("not JSON");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Http.json(unknown).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(sim.stats().count(Outcome.BAD_REQUEST)).isEqualTo(2);
    }

    @Test
    void theSummaryCountsRequestsByOutcome() throws Exception {
        http.chat("One?");
        http.post("/chat/completions", "{}");

        assertThat(sim.stats().summary()).isEqualTo("Served 2 requests (1 ok, 1 400)");
    }

    static List<String> events(String body) {
        List<String> data = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring("data: ".length()));
            } else {
                assertThat(line).isEmpty();
            }
        }
        return data;
    }
}
