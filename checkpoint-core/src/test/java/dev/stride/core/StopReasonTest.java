package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class StopReasonTest {

    @Test
    void aPhraseReadBackFromItsJsonSaysTheSameInEitherLanguage() {
        // Nested phrases, an exception that carries one, numbers and texts: what a stop's words hold.
        Phrase inner = Phrase.core("stop.everyRequestFails", "HTTP 401: bad key");
        Phrase phrase = Phrase.core("run.noAnswerYet", 10, 2, new PhrasedError(inner));
        StopReason reason = StopReason.of(phrase);

        StopReason back = StopReason.stored(reason.english(), reason.phraseJson());

        assertThat(back.english()).isEqualTo(reason.english()).isEqualTo("no request of this session has had an"
                + " answer in 10 tries (2 records gave up, the last kept pending): every request would fail the same"
                + " way: HTTP 401: bad key");
        assertThat(back.in(Locale.CHINESE)).isEqualTo(reason.in(Locale.CHINESE)).contains("HTTP 401: bad key")
                .startsWith("本次会话");
    }

    @Test
    void aReasonIsOneLineAndAPhraseThatNoLongerReadsLeavesTheEnglish() {
        StopReason reason = new StopReason("cannot write:\n  disk full\r\n", null);
        assertThat(reason.english()).isEqualTo("cannot write: disk full");
        assertThat(reason.phraseJson()).isNull();

        StopReason stored = StopReason.stored("every request would fail", "{\"bundle\":\"dev.stride.core.messages\","
                + "\"key\":\"no.such.key\",\"args\":[]}");
        assertThat(stored.phrase()).isNull();
        assertThat(stored.in(Locale.CHINESE)).isEqualTo("every request would fail");
        assertThat(StopReason.stored("x", "not json").in(Locale.ENGLISH)).isEqualTo("x");
        assertThat(StopReason.stored(null, null)).isNull();
    }

    private static final class PhrasedError extends RuntimeException implements Phrased {
        private final Phrase phrase;

        PhrasedError(Phrase phrase) {
            super(phrase.english());
            this.phrase = phrase;
        }

        @Override
        public Phrase phrase() {
            return phrase;
        }
    }
}
