package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The helper for stored JSON says what it was reading when the text is not what it should be. */
class JsonTest {

    @Test
    void aTextThatIsNotJsonIsNamedInBothLanguages() {
        assertThatThrownBy(() -> Json.read("{\"a\":", Json.storedRecord("q7")))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e).hasMessage("stored record 'q7' is not JSON at column 6: the text ends before the"
                            + " object that starts at column 1 is closed (expected a value)");
                    assertThat(e.phrase().in(Locale.CHINESE)).isEqualTo("已保存的记录 'q7' 不是有效的 JSON：第 6 列："
                            + "文本在第 1 列开始的对象闭合之前就结束了（应为 一个值）");
                });
        assertThatThrownBy(() -> Json.read(null, Json.storedOutputJson("q8")))
                .hasMessage("the stored output_json of record 'q8' is not JSON: no text");
    }

    @Test
    void threadsOneAfterAnotherReuseTheSameParsingBuffers() throws InterruptedException {
        // A run reads each record on its own request thread: with a set of buffers per thread (Jackson's default
        // pool, which counts no pooled sets at all) a thousand threads keep a thousand sets. The pool is shared by the
        // whole JVM and keeps what earlier tests' threads left in it, so only what these threads add is counted.
        int before = Json.bufferPool().pooledCount();
        for (int i = 0; i < 50; i++) {
            Thread reader = new Thread(() -> Json.read("{\"prompt\":\"hi\"}", Json.storedRecord("q")));
            reader.start();
            reader.join();
        }
        int after = Json.bufferPool().pooledCount();
        assertThat(after).isPositive();
        assertThat(after - before).isBetween(0, 1);
    }

    @Test
    void storedSettingsAreNamedAsSuch() {
        assertThatThrownBy(() -> GenerationParams.fromJson("{\"max_tokens\":"))
                .isInstanceOf(InvalidJsonException.class)
                .hasMessage("the stored setting 'params' is not JSON at column 15: the text ends before the object"
                        + " that starts at column 1 is closed (expected a value)");
    }

    @Test
    void aListOfStringsIsOneCompactArray() {
        String stored = Json.strings(List.of("http://a:1/v1", "http://b:2/v1"));
        assertThat(stored).isEqualTo("[\"http://a:1/v1\",\"http://b:2/v1\"]");
        assertThat(Json.readStrings(stored, Json.storedRecord("x"))).containsExactly("http://a:1/v1", "http://b:2/v1");
        assertThat(Json.readStrings("[]", Json.storedRecord("x"))).isEmpty();
    }

    @Test
    void aListOfStringsMustBeOne() {
        assertThatThrownBy(() -> Json.readStrings("{\"a\":1}", Json.storedRecord("x")))
                .hasMessage("stored record 'x' is not a JSON array of strings: {\"a\":1}");
        assertThatThrownBy(() -> Json.readStrings("[\"a\", 2]", Json.storedRecord("x")))
                .hasMessage("stored record 'x' is not a JSON array of strings: [\"a\", 2]");
        assertThatThrownBy(() -> Json.readStrings("http://a:1/v1 http://b:2/v1", Json.storedRecord("x")))
                .hasMessage("stored record 'x' is not JSON at column 1: found http, which is not a JSON value: write"
                        + " text in double quotes (\"http\"); only true, false and null go without");
    }

    /** An --id-field's value: the record's field of that very name, else a dotted path into nested objects. */
    @Test
    void aFieldIsItsOwnNameFirstThenADottedPath() {
        assertThat(Json.field(Json.read("{\"meta\": {\"qid\": 7}}", null), "meta.qid").asText()).isEqualTo("7");
        assertThat(Json.field(Json.read("{\"meta\": {\"qid\": 7}, \"meta.qid\": \"x\"}", null), "meta.qid")
                .asText()).isEqualTo("x");
        assertThat(Json.field(Json.read("{\"m.x\": {\"qid\": \"y\"}}", null), "m.x.qid").asText()).isEqualTo("y");
        assertThat(Json.field(Json.read("{\"meta\": \"z\"}", null), "meta.qid")).isNull();
        assertThat(Json.field(Json.read("{\"id\": 1}", null), "qid")).isNull();
    }
}
