package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** A message about a run a database lacks names its runs, but never hundreds of them in one line. */
class KnownRunsTest {

    @Test
    void fewRunsAreNamedEveryOne() {
        assertThat(KnownRuns.of(List.of("a", "b"), "c").in(Locale.ENGLISH)).isEqualTo("; it holds 'a', 'b'");
        assertThat(KnownRuns.of(List.of(), "c").in(Locale.ENGLISH)).isEqualTo(" (it holds none)");
    }

    @Test
    void manyRunsAreCountedWithTheFewNearestTheNameTyped() {
        List<String> sweep = new ArrayList<>();
        for (int step = 100; step <= 10_000; step += 100) {
            for (int t = 0; t < 3; t++) {
                sweep.add("lora-step" + step + "-t" + t);
            }
        }
        String said = KnownRuns.of(sweep, "lora-step5000-t9").in(Locale.ENGLISH);
        assertThat(said).isEqualTo("; it holds 300 runs, such as 'lora-step5000-t0', 'lora-step5000-t1',"
                + " 'lora-step5000-t2' (stride status lists them all)");
        assertThat(KnownRuns.of(sweep, "something else").in(Locale.ENGLISH)).as("nothing near: the first five")
                .isEqualTo("; it holds 300 runs, such as 'lora-step100-t0', 'lora-step100-t1', 'lora-step100-t2',"
                        + " 'lora-step200-t0', 'lora-step200-t1' (stride status lists them all)");
        assertThat(KnownRuns.of(sweep, null).in(Locale.CHINESE)).startsWith("；其中有 300 个任务，例如 'lora-step100-t0'");
        assertThat(KnownRuns.of(sweep.subList(0, KnownRuns.ALL_UP_TO), "x").in(Locale.ENGLISH))
                .as("up to ten: every one").contains("'lora-step400-t0'").doesNotContain("runs, such as");
    }

    @Test
    void theOneRunANameIsCloseToIsAskedAfterTheList() {
        List<String> runs = List.of("eval", "eval-t07", "eval-t07s", "baseline");
        assertThat(KnownRuns.of(runs, "base").in(Locale.ENGLISH)).as("cut short")
                .isEqualTo("; it holds 'eval', 'eval-t07', 'eval-t07s', 'baseline'; did you mean 'baseline'?");
        assertThat(KnownRuns.of(runs, "evl").in(Locale.ENGLISH)).as("a letter missed")
                .endsWith("; did you mean 'eval'?");
        assertThat(KnownRuns.of(runs, "baselien").in(Locale.CHINESE)).as("two swapped")
                .endsWith("；是不是想用 'baseline'？");
        assertThat(KnownRuns.of(runs, "eval-t0").in(Locale.ENGLISH)).as("the beginning of two: no guess")
                .doesNotContain("did you mean");
        assertThat(KnownRuns.of(runs, "eval-t08").in(Locale.ENGLISH)).as("a slip from two: no guess")
                .doesNotContain("did you mean");
        assertThat(KnownRuns.of(List.of("a", "b"), "c").in(Locale.ENGLISH)).as("as short as the names")
                .doesNotContain("did you mean");
    }
}
