package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void settingsDropTrailingSlashesAndHideTheKey() {
        ClientSettings s = ClientSettings.of("http://localhost:8000/v1/").withApiKey("sk-abc");

        assertThat(s.baseUrl()).isEqualTo("http://localhost:8000/v1");
        assertThat(s.apiKey()).isEqualTo("sk-abc");
        assertThat(s.toString()).doesNotContain("sk-abc").contains("apiKey=***");
        assertThat(ClientSettings.of("http://h/v1").toString()).contains("apiKey=none");
    }

    @Test
    void blankKeyMeansNoKey() {
        assertThat(ClientSettings.of("http://h/v1").withApiKey("  ").apiKey()).isNull();
    }

    @Test
    void settingsRejectNonsense() {
        assertThatThrownBy(() -> ClientSettings.of("localhost:8000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientSettings.of("ftp://h/v1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientSettings.of("http://h/v1#x")).isInstanceOf(IllegalArgumentException.class);
        // A query is kept (Azure's api-version), a fragment has no place in a request.
        assertThat(ClientSettings.of("http://h/v1/?api-version=1").baseUrl()).isEqualTo("http://h/v1?api-version=1");
        assertThatThrownBy(() -> ClientSettings.of("http://h/v1").withMaxConcurrency(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientSettings.of("http://h/v1")
                .withTimeouts(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestsNeedAMessage() {
        assertThatThrownBy(() -> new ChatRequest("m", List.of(), null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ChatRequest.of("m", "sys", "hi").messages())
                .containsExactly(ChatMessage.system("sys"), ChatMessage.user("hi"));
        assertThat(ChatRequest.of("m", null, "hi").withMaxTokens(5).withTemperature(0.0))
                .isEqualTo(new ChatRequest("m", List.of(ChatMessage.user("hi")), 5, 0.0));
    }
}
