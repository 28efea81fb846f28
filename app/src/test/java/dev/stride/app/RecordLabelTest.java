package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A record's label as scoring reads it: the value as the input wrote it, whatever its JSON type. */
class RecordLabelTest {
    private static Optional<String> label(String record) {
        return RunScorer.label(record, "answer");
    }

    @Test
    void aNumberIsTakenAsWrittenNotAsTheDoubleItReadsAs() {
        assertThat(label("{\"answer\": 1.50}")).contains("1.50");
        assertThat(label("{\"answer\": 1e3}")).contains("1e3");
        assertThat(label("{\"answer\": -0.0}")).contains("-0.0");
        assertThat(label("{\"answer\": 42}")).contains("42");
        assertThat(label("{\"answer\": 123456789012345678901234567890}")).contains("123456789012345678901234567890");
    }

    @Test
    void textsBooleansAndStructuresAsBefore() {
        assertThat(label("{\"id\": 1, \"answer\": \"C\"}")).contains("C");
        assertThat(label("{\"answer\": \"caf\\u00e9 \\\"au lait\\\"\"}")).contains("café \"au lait\"");
        assertThat(label("{\"answer\": true}")).contains("true");
        assertThat(label("{\"answer\": {\"a\": [1, \"x\"]}, \"b\": 2}")).contains("{\"a\":[1,\"x\"]}");
        assertThat(label("{\"answer\": [\"A\", \"C\"]}")).contains("[\"A\",\"C\"]");
        assertThat(label("{\"meta\": {\"answer\": \"B\"}, \"answer\": \"D\"}")).as("a nested field of the same name")
                .contains("D");
        assertThat(label("{\"answer\": \"A\", \"answer\": \"B\"}")).as("named twice: the last").contains("B");
    }

    @Test
    void noLabelWhenMissingNullBlankOrNotARecord() {
        assertThat(label("{\"question\": \"q\"}")).isEmpty();
        assertThat(label("{\"answer\": null}")).isEmpty();
        assertThat(label("{\"answer\": \"\"}")).isEmpty();
        assertThat(label("{\"answer\": \"  \"}")).isEmpty();
        assertThat(label("[\"answer\", \"C\"]")).isEmpty();
        assertThat(label("{\"answer\": \"C\"")).isEmpty();
        assertThat(label("")).isEmpty();
        assertThat(label(null)).isEmpty();
    }

    /** A dotted field reaches into nested objects; a field named with the dot itself wins, even when null. */
    @Test
    void aDottedFieldIsAPathUnlessTheRecordHasAFieldOfThatName() {
        assertThat(RunScorer.label("{\"meta\": {\"answer\": 1.50}}", "meta.answer")).as("as written").contains("1.50");
        assertThat(RunScorer.label("{\"meta\": {\"x\": {\"answer\": [\"C\"]}}}", "meta.x.answer"))
                .contains("[\"C\"]");
        assertThat(RunScorer.label("{\"meta\": {\"answer\": \"C\"}, \"meta.answer\": \"B\"}", "meta.answer"))
                .contains("B");
        assertThat(RunScorer.label("{\"meta.answer\": \"B\", \"meta\": {\"answer\": \"C\"}}", "meta.answer"))
                .as("whichever comes first").contains("B");
        assertThat(RunScorer.label("{\"meta.answer\": null, \"meta\": {\"answer\": \"C\"}}", "meta.answer"))
                .isEmpty();
        assertThat(RunScorer.label("{\"m.x\": {\"answer\": \"C\"}}", "m.x.answer")).as("a dotted name on the way")
                .contains("C");
        assertThat(RunScorer.label("{\"meta\": \"C\"}", "meta.answer")).isEmpty();
    }
}
