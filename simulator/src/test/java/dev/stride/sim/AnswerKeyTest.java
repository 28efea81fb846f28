package dev.stride.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AnswerKeyTest {
    private static final Pattern LETTER = Pattern.compile("\\b([A-D])\\b");
    private static final Map<String, String> CHOICES = Map.of("A", "one", "B", "two", "C", "three", "D", "four");

    private static List<AnswerKey.Question> questions(int n) {
        List<AnswerKey.Question> qs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            qs.add(new AnswerKey.Question("Question number " + i + " of the set?", "ABCD".substring(i % 4, i % 4 + 1),
                    CHOICES));
        }
        return qs;
    }

    private static String letterOf(String answer) {
        Matcher m = LETTER.matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return m.group(1);
    }

    private static int rightOutOf(AnswerKey key, String model, List<AnswerKey.Question> qs) {
        int right = 0;
        for (AnswerKey.Question q : qs) {
            String answer = key.answer(model, "Answer with a letter. " + q.text() + " A) one B) two").orElseThrow();
            right += letterOf(answer).equals(q.label()) ? 1 : 0;
        }
        return right;
    }

    @Test
    void eachModelIsRightAboutAsOftenAsItsAccuracySaysAndTheSameWayEveryTime() {
        List<AnswerKey.Question> qs = questions(2000);
        AnswerKey key = new AnswerKey(qs, Map.of("tuned", 0.8, "base", 0.5), 1.0, 7);

        int tuned = rightOutOf(key, "tuned", qs);
        int base = rightOutOf(key, "base", qs);
        // binomial(2000, p): four standard deviations are about 72 and 89 records
        assertThat(tuned).isBetween(1600 - 72, 1600 + 72);
        assertThat(base).isBetween(1000 - 89, 1000 + 89);
        assertThat(rightOutOf(key, "anyone-else", qs)).isEqualTo(2000);
        assertThat(rightOutOf(new AnswerKey(qs, Map.of("tuned", 0.8, "base", 0.5), 1.0, 7), "tuned", qs))
                .isEqualTo(tuned);
        assertThat(rightOutOf(new AnswerKey(qs, Map.of("tuned", 0.8), 1.0, 8), "tuned", qs)).isNotEqualTo(tuned);
    }

    @Test
    void aWrongAnswerIsAnotherOfTheChoicesAndAPromptWithoutAKnownQuestionIsNotAnswered() {
        List<AnswerKey.Question> qs = questions(50);
        AnswerKey never = new AnswerKey(qs, Map.of(), 0.0, 1);
        for (AnswerKey.Question q : qs) {
            String letter = letterOf(never.answer("m", q.text()).orElseThrow());
            assertThat(letter).isNotEqualTo(q.label()).isIn("A", "B", "C", "D");
        }
        assertThat(never.answer("m", "What is the capital of France?")).isEmpty();
    }

    @Test
    void theLongestQuestionInThePromptIsTheOneAnswered() {
        AnswerKey key = new AnswerKey(List.of(new AnswerKey.Question("Which organ?", "A", CHOICES),
                new AnswerKey.Question("Which organ makes insulin?", "C", CHOICES)), Map.of(), 1.0, 1);
        assertThat(letterOf(key.answer("m", "Q: Which organ makes insulin? A) one").orElseThrow())).isEqualTo("C");
        assertThat(letterOf(key.answer("m", "Q: Which organ? A) one").orElseThrow())).isEqualTo("A");
    }

    @Test
    void aRecordGivesItsQuestionLabelAndChoices() {
        AnswerKey.Question q = AnswerKey.fromRecord("{\"id\":\"x\",\"question\":\"Why?\",\"choices\":{\"A\":\"no\","
                + "\"B\":\"yes\"},\"answer\":\"B\"}", "question", "answer").orElseThrow();
        assertThat(q).isEqualTo(new AnswerKey.Question("Why?", "B", Map.of("A", "no", "B", "yes")));
        assertThat(AnswerKey.fromRecord("{\"q\":\"Why?\",\"options\":[\"no\",\"yes\"],\"label\":1}", "q", "label")
                .orElseThrow().choices()).isEqualTo(Map.of("A", "no", "B", "yes"));
        assertThat(AnswerKey.fromRecord("{\"question\":\"Why?\"}", "question", "answer")).isEmpty();
        // A dotted path, as stride run --label-field reads one; a field named with the dot itself comes first.
        assertThat(AnswerKey.fromRecord("{\"question\":\"Why?\",\"meta\":{\"answer\":\"C\"}}", "question",
                "meta.answer").orElseThrow().label()).isEqualTo("C");
        assertThat(AnswerKey.fromRecord("{\"question\":\"Why?\",\"meta.answer\":\"D\","
                + "\"meta\":{\"answer\":\"C\"}}", "question", "meta.answer").orElseThrow().label()).isEqualTo("D");
        assertThatThrownBy(() -> new AnswerKey(questions(1), Map.of("m", 1.5), 1.0, 1))
                .hasMessageContaining("between 0 and 1");
    }

    @Test
    void theSimulatorAnswersAKnownQuestionOverHttp() throws Exception {
        AnswerKey key = new AnswerKey(List.of(new AnswerKey.Question("Which organ makes insulin?", "C", CHOICES)),
                Map.of(), 1.0, 1);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(), key).start(0)) {
            Http http = new Http(sim);
            JsonNode r = Http.json(http.chat("Pick one. Which organ makes insulin? A) one B) two"));
            assertThat(letterOf(r.at("/choices/0/message/content").asText())).isEqualTo("C");
            JsonNode other = Http.json(http.chat("Why do we sleep?"));
            assertThat(other.at("/choices/0/message/content").asText()).isEqualTo(Simulator.answerFor(
                    "Why do we sleep?"));
        }
    }
}
