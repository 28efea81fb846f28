package dev.stride.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which stored scoring two runs are compared by when the user leaves the label field or the metric open: the one way
 * both were scored. {@code stride compare} and the dashboard's compare page both ask here, so that they never judge
 * the same two runs by different metrics.
 */
public final class ComparedScoring {
    /** One way a run was scored ({@code stride score}, {@code stride run --label-field}). */
    public record Scoring(String metric, String labelField, String extract) {
    }

    /** What {@link #choose} answers: a choice or why there is none. */
    public sealed interface Choice permits Chosen, Refused {
    }

    /**
     * The label field to compare by and, when the metric was left open, the scoring both runs share on it; that is
     * null when the metric was given, or when the runs were not both scored against the label field given (the
     * caller then takes its default metric).
     */
    public record Chosen(String labelField, Scoring stored) implements Choice {
    }

    /**
     * No scoring can be taken. {@code labelFields} are the label fields at issue, {@code metricsA} and
     * {@code metricsB} each run's metrics on {@code labelField} (for the two metric reasons).
     */
    public record Refused(Reason reason, List<String> labelFields, String labelField, List<String> metricsA,
                          List<String> metricsB) implements Choice {
        public Refused {
            labelFields = List.copyOf(labelFields);
            metricsA = List.copyOf(metricsA);
            metricsB = List.copyOf(metricsB);
        }
    }

    public enum Reason {
        /** The runs share no label field they were both scored against. */
        NOT_BOTH_SCORED,
        /** They share more than one. */
        SEVERAL_LABEL_FIELDS,
        /** Both were scored against the label field, by different metrics. */
        DIFFERENT_METRICS,
        /** Both were scored against the label field by more than one metric each. */
        SEVERAL_METRICS
    }

    private ComparedScoring() {
    }

    /**
     * @param a           how run A was scored
     * @param b           how run B was scored
     * @param labelField  the label field the user named, or null
     * @param metricGiven whether the user named the metric (or an expression), which then need not be chosen
     */
    public static Choice choose(List<Scoring> a, List<Scoring> b, String labelField, boolean metricGiven) {
        String field = labelField;
        if (field == null) {
            Set<String> fields = fields(shared(a, b, null));
            if (fields.isEmpty()) {
                // Scored against the same field, each by its own metric: the field can still be taken.
                fields = fields(a);
                fields.retainAll(fields(b));
            }
            if (fields.isEmpty()) {
                return new Refused(Reason.NOT_BOTH_SCORED, List.of(), null, List.of(), List.of());
            }
            if (fields.size() > 1) {
                return new Refused(Reason.SEVERAL_LABEL_FIELDS, new ArrayList<>(fields), null, List.of(), List.of());
            }
            field = fields.iterator().next();
        }
        if (metricGiven) {
            return new Chosen(field, null);
        }
        List<Scoring> shared = shared(a, b, field);
        if (shared.size() == 1) {
            return new Chosen(field, shared.get(0));
        }
        List<String> metricsA = metrics(a, field);
        List<String> metricsB = metrics(b, field);
        if (shared.size() > 1) {
            return new Refused(Reason.SEVERAL_METRICS, List.of(field), field, metricsA, metricsB);
        }
        if (!metricsA.isEmpty() && !metricsB.isEmpty()) {
            return new Refused(Reason.DIFFERENT_METRICS, List.of(field), field, metricsA, metricsB);
        }
        return new Chosen(field, null); // the field was named and the runs were not both scored against it
    }

    /** The scorings both runs have (on {@code field} alone when it is given), in order of label field and metric. */
    private static List<Scoring> shared(List<Scoring> a, List<Scoring> b, String field) {
        return a.stream().filter(b::contains).filter(s -> field == null || s.labelField().equals(field)).distinct()
                .sorted((x, y) -> x.labelField().equals(y.labelField()) ? x.metric().compareTo(y.metric())
                        : x.labelField().compareTo(y.labelField()))
                .toList();
    }

    private static Set<String> fields(List<Scoring> scorings) {
        Set<String> fields = new TreeSet<>();
        scorings.forEach(s -> fields.add(s.labelField()));
        return fields;
    }

    private static List<String> metrics(List<Scoring> scorings, String field) {
        Set<String> metrics = new TreeSet<>();
        // regex by two expressions is two ways of scoring: the expression tells them apart
        scorings.stream().filter(s -> Objects.equals(s.labelField(), field)).forEach(s -> metrics.add(
                s.extract() == null ? s.metric() : s.metric() + " --extract " + s.extract()));
        return new ArrayList<>(metrics);
    }
}
