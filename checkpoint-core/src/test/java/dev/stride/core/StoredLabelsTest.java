package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The enums are written to the database and read by SQL users as these words, which never change. */
class StoredLabelsTest {

    @Test
    void runStatesAreStoredAsBefore() {
        assertThat(Arrays.stream(RunState.values()).map(RunState::label))
                .containsExactly("running", "interrupted", "stopped", "stopped", "stopped", "done", "done_with_failures");
        for (RunState state : RunState.values()) {
            assertThat(RunState.fromLabel(state.label()).label()).isEqualTo(state.label());
        }
    }

    @Test
    void aFailedOrUnreachableRunIsStoredAsStoppedAndReadsBackSo() {
        assertThat(RunState.FAILED.label()).isEqualTo("stopped");
        assertThat(RunState.UNREACHABLE.label()).isEqualTo("stopped");
        assertThat(RunState.fromLabel("stopped")).isEqualTo(RunState.STOPPED);
        assertThatThrownBy(() -> RunState.fromLabel("failed")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordStatusesAreTheViewsWords() {
        assertThat(Arrays.stream(RecordStatus.values()).map(RecordStatus::label))
                .containsExactly("done", "failed", "pending");
        assertThat(RecordStatus.fromLabel("failed")).isEqualTo(RecordStatus.FAILED);
    }

    @Test
    void endpointsAreStoredAsTheApiSetting() {
        assertThat(Endpoint.labels()).containsExactly("chat", "completions", "ollama");
        assertThat(Endpoint.fromLabel("ollama")).isEqualTo(Endpoint.OLLAMA);
        assertThatThrownBy(() -> Endpoint.fromLabel("embeddings"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("unknown api 'embeddings': one of [chat, completions, ollama]");
    }
}
