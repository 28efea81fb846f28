package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {

    @Test
    void fillsFieldsNestedFieldsAndNonTextValuesWithoutEscaping() {
        PromptTemplate t = PromptTemplate.parse("Q: {{question}} <{{ meta.lang }}> n={{n}} opts={{opts}}");
        String out = t.render(TestFiles.json(
                "{\"question\":\"Is 5 < 6 & \\\"true\\\"?\",\"meta\":{\"lang\":\"en\"},\"n\":3,\"opts\":[1,2]}"));
        assertThat(out).isEqualTo("Q: Is 5 < 6 & \"true\"? <en> n=3 opts=[1,2]");
    }

    /** A multiple-choice record's options as a list: each is reached by its place, from 0. */
    @Test
    void fillsTheItemsOfAListByTheirPlace() {
        PromptTemplate t = PromptTemplate.parse("{{question}} A) {{choices.0}} B) {{ choices.1 }} ({{meta.0.by}})");
        assertThat(t.render(TestFiles.json(
                "{\"question\":\"Sky?\",\"choices\":[\"blue\",\"green\"],\"meta\":[{\"by\":\"kim\"}]}")))
                .isEqualTo("Sky? A) blue B) green (kim)");
        // Past the list's end, or a word where a place is due: missing, named as written.
        assertThat(PromptTemplate.parse("{{choices.2}}").missingField(TestFiles.json("{\"choices\":[\"a\",\"b\"]}")))
                .contains("choices.2");
        assertThat(PromptTemplate.parse("{{choices.first}}").missingField(TestFiles.json("{\"choices\":[\"a\"]}")))
                .contains("choices.first");
        assertThat(PromptTemplate.parse("{{choices.-1}}").missingField(TestFiles.json("{\"choices\":[\"a\"]}")))
                .contains("choices.-1");
    }

    @Test
    void twoOpeningBracesThatOpenNoFieldAreFoundWhereTheyStand() {
        assertThat(PromptTemplate.strayOpening("Q: {{question}")).hasValue(3);
        assertThat(PromptTemplate.strayOpening("{{a}} and {{ }}")).hasValue(10);
        assertThat(PromptTemplate.strayOpening("{{a b}} {{c}}")).hasValue(0);
        assertThat(PromptTemplate.strayOpening("{{a}} {{b}} then {{")).hasValue(17);
        // Fields, JSON objects in the prompt, and a field in braces of its own are all fine.
        assertThat(PromptTemplate.strayOpening("{{a}} {{ b.c }}")).isEmpty();
        assertThat(PromptTemplate.strayOpening("Reply as {\"answer\": {\"letter\": \"A\"}} to {{question}}")).isEmpty();
        assertThat(PromptTemplate.strayOpening("{{{question}}}")).isEmpty();
        assertThat(PromptTemplate.strayOpening("no fields at all")).isEmpty();
    }

    @Test
    void aFieldInSingleBracesIsFoundOnlyWhenTheTemplateHasNoRealOne() {
        assertThat(PromptTemplate.singleBraceField("Answer: {question}")).contains("question");
        assertThat(PromptTemplate.singleBraceField("{meta.lang}: {text}")).contains("meta.lang");
        assertThat(PromptTemplate.singleBraceField("{question} and {{answer}}")).isEmpty();
        assertThat(PromptTemplate.singleBraceField("Reply as {\"answer\": 1}")).isEmpty();
        assertThat(PromptTemplate.singleBraceField("{ question }")).isEmpty();
    }

    @Test
    void namesTheFirstMissingOrNullField() {
        PromptTemplate t = PromptTemplate.parse("{{a}} {{b.c}}");
        assertThat(t.missingField(TestFiles.json("{\"a\":1,\"b\":{}}"))).contains("b.c");
        assertThat(t.missingField(TestFiles.json("{\"a\":null,\"b\":{\"c\":1}}"))).contains("a");
        assertThat(t.missingField(TestFiles.json("{\"a\":1,\"b\":{\"c\":1}}"))).isEmpty();
        assertThatThrownBy(() -> t.render(TestFiles.json("{\"a\":1}")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'b.c'");
    }

    /** A CSV column named with a dot (export's input.question) or a JSON key with one fills the placeholder. */
    @Test
    void aDottedNameIsAFieldOfThatNameWhenNothingIsNestedThere() {
        PromptTemplate t = PromptTemplate.parse("{{input.question}} / {{choices.A}}");
        assertThat(t.render(TestFiles.json("{\"input.question\":\"Why?\",\"choices.A\":\"apple\"}")))
                .isEqualTo("Why? / apple");
        // Nested wins where both are there; a dotted field holding null is said as null, not as missing.
        assertThat(t.render(TestFiles.json("{\"input\":{\"question\":\"nested\"},\"input.question\":\"flat\","
                + "\"choices.A\":\"a\"}"))).isEqualTo("nested / a");
        assertThat(t.unfilledField(TestFiles.json("{\"input.question\":null,\"choices.A\":\"a\"}")))
                .map(Phrase::english).hasValueSatisfying(m -> assertThat(m).contains("null"));
        assertThat(t.missingField(TestFiles.json("{\"input.question\":\"q\"}"))).contains("choices.A");
    }

    @Test
    void textWithoutPlaceholdersIsSentAsItIs() {
        assertThat(PromptTemplate.parse("just this {not one}").render(TestFiles.json("{}")))
                .isEqualTo("just this {not one}");
    }

    /** A batch body's n or best_of equal to 1, however written, asks for one answer and goes; any other is refused. */
    @Test
    void aBatchBodyAskingForOneAnswerGoesHoweverTheNumberIsWritten() throws Exception {
        for (String one : new String[] {"1", "1.0", "1e0", "1.00"}) {
            assertThat(PromptTemplate.batchProblem(batchLine("\"n\": " + one + ", \"best_of\": " + one)))
                    .as(one).isEmpty();
        }
        for (String several : new String[] {"2", "1.5", "2.0", "0", "\"1\""}) {
            assertThat(PromptTemplate.batchProblem(batchLine("\"n\": " + several)).map(Phrase::english))
                    .as(several).hasValueSatisfying(line -> assertThat(line).startsWith("has body.n = "));
        }
    }

    private static JsonNode batchLine(String fields) throws Exception {
        return new ObjectMapper().readTree("{\"custom_id\": \"r1\", \"method\": \"POST\","
                + " \"url\": \"/v1/chat/completions\", \"body\": {\"model\": \"m\", " + fields
                + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}}");
    }
}
