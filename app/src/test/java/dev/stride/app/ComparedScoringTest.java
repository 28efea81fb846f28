package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.ComparedScoring.Chosen;
import dev.stride.app.ComparedScoring.Reason;
import dev.stride.app.ComparedScoring.Refused;
import dev.stride.app.ComparedScoring.Scoring;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one choice of scoring that stride compare and the dashboard's compare page both make. */
class ComparedScoringTest {
    private static final Scoring CHOICE = new Scoring("choice", "answer", null);
    private static final Scoring CONTAINS = new Scoring("contains", "answer", null);
    private static final Scoring EXACT = new Scoring("exact", "answer", null);
    private static final Scoring GOLD = new Scoring("exact", "gold", null);

    @Test
    void theOneScoringBothShareIsTakenWhateverElseOneOfThemWasScoredWith() {
        assertThat(ComparedScoring.choose(List.of(CHOICE, CONTAINS), List.of(CHOICE), null, false))
                .isEqualTo(new Chosen("answer", CHOICE));
        // a label field that only one run was scored against does not make the choice ambiguous
        assertThat(ComparedScoring.choose(List.of(CHOICE, GOLD), List.of(CHOICE), null, false))
                .isEqualTo(new Chosen("answer", CHOICE));
    }

    @Test
    void differentMetricsOnOneFieldAreRefusedButTheFieldIsTakenWhenTheMetricIsGiven() {
        Refused refused = (Refused) ComparedScoring.choose(List.of(EXACT), List.of(CHOICE), null, false);
        assertThat(refused.reason()).isEqualTo(Reason.DIFFERENT_METRICS);
        assertThat(refused.metricsA()).containsExactly("exact");
        assertThat(refused.metricsB()).containsExactly("choice");
        assertThat(ComparedScoring.choose(List.of(EXACT), List.of(CHOICE), null, true))
                .isEqualTo(new Chosen("answer", null));
    }

    @Test
    void twoSharedMetricsOrFieldsOrNoneAreRefused() {
        assertThat(((Refused) ComparedScoring.choose(List.of(CHOICE, CONTAINS), List.of(CONTAINS, CHOICE), null,
                false)).reason()).isEqualTo(Reason.SEVERAL_METRICS);
        assertThat(((Refused) ComparedScoring.choose(List.of(CHOICE, GOLD), List.of(GOLD, CHOICE), null,
                false)).reason()).isEqualTo(Reason.SEVERAL_LABEL_FIELDS);
        assertThat(((Refused) ComparedScoring.choose(List.of(), List.of(CHOICE), null, false)).reason())
                .isEqualTo(Reason.NOT_BOTH_SCORED);
        // a field named that one run was not scored against: the caller's default metric
        assertThat(ComparedScoring.choose(List.of(), List.of(CHOICE), "answer", false))
                .isEqualTo(new Chosen("answer", null));
    }
}
