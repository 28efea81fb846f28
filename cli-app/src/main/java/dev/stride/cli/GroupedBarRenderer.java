package dev.stride.cli;

import java.text.DecimalFormat;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Function;
import me.tongfei.progressbar.DefaultProgressBarRenderer;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

/**
 * The library's bar with its counts grouped ("1,001/10,000"), as every other line of the run writes them; its own
 * drawing wrote "1001/10000" beside "55,614" tokens. Only the ratio is ours; the rest is the library's, drawn with
 * the settings its builder would give it (no unit, no speed of its own: the extra message says the rates).
 */
final class GroupedBarRenderer extends DefaultProgressBarRenderer {

    GroupedBarRenderer(ProgressBarStyle style, Function<ProgressState, Optional<Duration>> eta) {
        super(style, "", 1, false, new DecimalFormat("#.#"), ChronoUnit.SECONDS, true, eta);
    }

    @Override
    protected String ratio(ProgressState progress) {
        String max = progress.isIndefinite() ? "?" : Numbers.grouped(progress.getMax());
        String current = Numbers.grouped(progress.getCurrent());
        // Padded to the total's width, as the library pads it, so the bar does not jump as the count grows.
        return " ".repeat(Math.max(0, max.length() - current.length())) + current + "/" + max;
    }
}
