package dev.stride.cli;

import dev.stride.app.Comparison;
import dev.stride.core.Accuracy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code stride compare}'s report for a person: the two accuracies, the paired table, the test, what was left out. */
final class ComparisonText {
    /** Below this p-value the report says the difference is unlikely to be chance. */
    static final double SIGNIFICANT = 0.05;

    private ComparisonText() {
    }

    static void print(Comparison c, Path diffFile, long written, Messages m, PrintWriter out) {
        out.println(m.get("msg.compare.heading", c.runA(), c.runB(), c.compared(), c.metric().id(), c.labelField()));
        int width = Math.max(c.runA().length(), c.runB().length());
        out.println(m.get("msg.compare.side", "A", pad(c.runA(), width), c.accuracyA().correct(), c.compared(),
                percent(c.accuracyA().value()), interval(c.accuracyA()), c.unparsedA()));
        out.println(m.get("msg.compare.side", "B", pad(c.runB(), width), c.accuracyB().correct(), c.compared(),
                percent(c.accuracyB().value()), interval(c.accuracyB()), c.unparsedB()));
        out.println(m.get("msg.compare.table", c.outcomes().bothRight(), c.outcomes().onlyARight(),
                c.outcomes().onlyBRight(), c.outcomes().bothWrong()));
        double p = c.pValue();
        out.println(m.get("msg.compare.mcnemar", pValue(p), c.outcomes().discordant(),
                m.get(p < SIGNIFICANT ? "msg.compare.differ" : "msg.compare.chance")));
        if (c.answeredOnlyByA() > 0 || c.answeredOnlyByB() > 0) {
            out.println(m.get("msg.compare.unmatched", c.answeredOnlyByA(), c.runA(), c.answeredOnlyByB(), c.runB(),
                    ids(c.onlyByAExamples(), c.answeredOnlyByA()), ids(c.onlyByBExamples(), c.answeredOnlyByB())));
        }
        if (c.missingLabel() > 0) {
            out.println(m.get("msg.compare.missingLabel", c.missingLabel(), c.labelField(),
                    String.join(", ", c.missingLabelExamples())));
        }
        if (c.labelsDiffer() > 0) {
            out.println(m.get("msg.compare.labelsDiffer", c.labelsDiffer(), c.labelField(),
                    String.join(", ", c.labelsDifferExamples())));
        }
        if (diffFile != null) {
            out.println(m.get("msg.compare.wrote", written, diffFile));
        }
    }

    /** " (mcq-031, mcq-032, …)": the first few ids of {@code count}, nothing when there are none. */
    static String ids(List<String> examples, long count) {
        if (examples.isEmpty()) {
            return "";
        }
        return " (" + String.join(", ", examples) + (count > examples.size() ? ", \u2026" : "") + ")";
    }

    /** "85.0%". */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    /** "70.9%-92.9%". */
    static String interval(Accuracy a) {
        return percent(a.low()) + "\u2013" + percent(a.high());
    }

    /** Four decimals, and below them a bound rather than a row of zeros. */
    static String pValue(double p) {
        return p < 0.0001 ? "< 0.0001" : "= " + String.format(Locale.ROOT, "%.4f", p);
    }

    private static String pad(String name, int width) {
        return name + " ".repeat(Math.max(0, width - name.length()));
    }
}
