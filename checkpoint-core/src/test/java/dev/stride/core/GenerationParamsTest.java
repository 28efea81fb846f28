package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GenerationParamsTest {

    private final GenerationParams full = new GenerationParams(Endpoint.COMPLETIONS, "You are terse.", 256, 0.2, 0.9, 7L,
            List.of("\n\n", "END"), Map.of("guided_json", "{\"type\": \"object\"}", "best_of", "2"));

    @Test
    void theCanonicalFormRoundTripsAndIgnoresTheOrderOfExtraParameters() {
        String json = full.canonicalJson();
        assertThat(json).isEqualTo("{\"api\":\"completions\",\"system\":\"You are terse.\",\"max_tokens\":256,"
                + "\"temperature\":0.2,\"top_p\":0.9,\"seed\":7,\"stop\":[\"\\n\\n\",\"END\"],"
                + "\"params\":{\"best_of\":2,\"guided_json\":{\"type\":\"object\"}}}");
        assertThat(GenerationParams.fromJson(json)).isEqualTo(full);
        assertThat(GenerationParams.fromJson(json).canonicalJson()).isEqualTo(json);
    }

    @Test
    void chatIsTheDefaultAndAnOlderStoredFormStillReads() {
        GenerationParams old = GenerationParams.fromJson("{\"max_tokens\":64,\"temperature\":0.0}");
        assertThat(old.endpointOrDefault()).isEqualTo(Endpoint.CHAT);
        assertThat(old).isEqualTo(new GenerationParams(64, 0.0));
        assertThat(new GenerationParams(Endpoint.CHAT, null, 64, 0.0, null, null, null, null).canonicalJson())
                .isEqualTo(old.canonicalJson());
    }

    @Test
    void givenFieldsWinAndLeftOutOnesKeepTheStoredValue() {
        GenerationParams given = new GenerationParams(null, null, 512, null, null, null, null,
                Map.of("best_of", "3"));
        GenerationParams merged = full.overriddenBy(given);
        assertThat(merged.maxTokens()).isEqualTo(512);
        assertThat(merged.temperature()).isEqualTo(0.2);
        assertThat(merged.stop()).containsExactly("\n\n", "END");
        assertThat(merged.extra()).containsEntry("best_of", "3").containsKey("guided_json");
        assertThat(full.overriddenBy(GenerationParams.none())).isEqualTo(full);
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertThatThrownBy(() -> GenerationParams.fromJson("{\"api\":\"embeddings\"}"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("unknown api 'embeddings': one of [chat, completions, ollama]");
        assertThatThrownBy(() -> new GenerationParams(null, null, null, null, null, null, null,
                Map.of("guided_json", "{not json")))
                .hasMessageContaining("parameter 'guided_json' is not JSON");
    }
}
