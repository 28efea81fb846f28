package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A plain request's body, written as a frame around its prompt, is byte for byte the body its tree writes. */
class PromptFrameTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PROMPTS = List.of("Short question number 1?", "", "quote \" and \\ backslash",
            "new\nline\ttab\r\u0001\u001f\u007f", "caf\u00e9 \u4e2d\u6587 \ud83d\ude00 emoji", "</script>\u2028\u2029",
            "\u0000stride:prompt\u0000", "{\"messages\":[]}", "x".repeat(10_000));

    @Test
    void everyPlainRequestIsWrittenAsItsTreeWritesIt() throws Exception {
        PromptEncoder encoder = new PromptEncoder(JsonMapper.builder().build());
        // Prompts outside: each request differs from the one before in one setting only, and must not take its frame.
        for (String prompt : PROMPTS) {
            for (PromptRequest template : templates()) {
                PromptRequest r = new PromptRequest(template.api(), template.model(), template.system(), prompt,
                        template.sampling(), template.stream(), template.keepRaw());
                byte[] framed = encoder.encode(r);
                assertThat(new String(framed, StandardCharsets.UTF_8))
                        .as("%s %s", template, prompt)
                        .isEqualTo(new String(encoder.tree(r), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aSamplingExtraThatReplacesThePromptsPlaceIsWrittenAsATree() throws Exception {
        PromptEncoder encoder = new PromptEncoder(JsonMapper.builder().build());
        Sampling replacing = Sampling.none()
                .withExtra("messages", JSON.readTree("[{\"role\":\"user\",\"content\":\"fixed\"}]"));
        PromptRequest r = PromptRequest.of(Api.OPENAI_CHAT, "m", null, "mine").withSampling(replacing);
        assertThat(new String(encoder.encode(r), StandardCharsets.UTF_8)).contains("fixed").doesNotContain("mine")
                .isEqualTo(new String(encoder.tree(r), StandardCharsets.UTF_8));
    }

    private static List<PromptRequest> templates() throws Exception {
        Sampling everything = Sampling.none().withMaxTokens(64).withTemperature(0.2).withTopP(0.9).withSeed(42L)
                .withStop(List.of("\n\n", "END"))
                .withExtra("guided_json", JSON.readTree("{\"type\":\"object\"}"))
                .withExtra("model", JSON.readTree("\"overridden\""))
                .withExtra("options", JSON.readTree("{\"num_ctx\":8192}"));
        List<PromptRequest> all = new ArrayList<>();
        for (Api api : Api.values()) {
            for (String system : new String[] {null, "Be brief.\nReally"}) {
                for (boolean stream : new boolean[] {false, true}) {
                    for (Sampling s : List.of(Sampling.none(), everything)) {
                        all.add(PromptRequest.of(api, "bench", system, "").withSampling(s).withStream(stream));
                    }
                }
            }
        }
        return all;
    }
}
