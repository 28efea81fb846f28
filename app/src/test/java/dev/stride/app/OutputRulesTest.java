package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stride.core.InvalidSettingException;
import dev.stride.core.Phrase;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The rules a session is given, laid over those its run keeps; what a resume may not change of them. */
class OutputRulesTest {
    private static final Pattern LETTER = Pattern.compile("\\b([A-D])\\b", Pattern.DOTALL);

    @Test
    void whatASessionLeavesOutIsTheRunsAndItsReasksReplaceTheRuns() {
        OutputRules kept = new OutputRules(LETTER, true, 2);

        assertThat(OutputRules.NONE.over(kept)).isEqualTo(kept);
        assertThat(new OutputRules(null, false, 5).over(kept)).isEqualTo(new OutputRules(LETTER, true, 5));
        // A new run (or one made before runs kept them): these alone, no re-asks unless given.
        assertThat(new OutputRules(LETTER, false, null).over(null)).isEqualTo(new OutputRules(LETTER, false, 0));
    }

    @Test
    void reasksWithoutJsonAreRefusedOnlyWhenTheRunDoesNotRequireJson() {
        OutputRules reasks = new OutputRules(null, false, 3);

        assertThat(reasks.over(new OutputRules(null, true, 0)).reasks()).isEqualTo(3);
        Throwable refused = catchThrowable(() -> reasks.over(null));
        assertThat(refused).isInstanceOf(InvalidSettingException.class)
                .hasMessage("--json-retries goes with --json-output");
    }

    @Test
    void keptAsCanonicalJsonAndReadBack() {
        OutputRules rules = new OutputRules(LETTER, true, 2);

        assertThat(rules.canonicalJson()).isEqualTo("{\"extract\":\"\\\\b([A-D])\\\\b\",\"json_output\":true,"
                + "\"json_retries\":2}");
        assertThat(OutputRules.fromJson(rules.canonicalJson(), "m")).isEqualTo(rules);
        assertThat(OutputRules.NONE.over(null).canonicalJson()).isEqualTo("{}");
        assertThat(rules.options()).isEqualTo("--extract '\\b([A-D])\\b' --json-output --json-retries 2");
    }

    @Test
    void anotherExpressionOrJsonAddedChangeTheRunButMoreReasksDoNot() {
        OutputRules kept = new OutputRules(LETTER, false, 0);

        assertThat(english(new OutputRules(Pattern.compile("Answer: (.)"), true, 4).changesOf(kept)))
                .containsExactly("--extract '\\b([A-D])\\b' -> 'Answer: (.)'", "--json-output off -> on");
        assertThat(new OutputRules(LETTER, false, null).changesOf(kept)).isEmpty();
        assertThat(OutputRules.NONE.changesOf(kept)).isEmpty();
        assertThat(english(new OutputRules(LETTER, false, null).changesOf(OutputRules.NONE.over(null))))
                .containsExactly("--extract (unset) -> '\\b([A-D])\\b'");
    }

    private static List<String> english(List<Phrase> phrases) {
        return phrases.stream().map(Phrase::english).toList();
    }
}
