package dev.stride.cli;

import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain progress line every few seconds: done of total, failures, this session's rate and the time left at that
 * rate (an earlier session's pace does not skew it).
 */
final class ProgressReporter implements RunListener {
    private final PrintWriter out;
    private final String run;
    private final long total;
    private final long doneBefore;
    private final long failedBefore;
    private final long everyNanos;
    private final long started = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile long lastPrint = System.nanoTime();

    ProgressReporter(PrintWriter out, String run, long total, long doneBefore, long failedBefore, Duration every) {
        this.out = out;
        this.run = run;
        this.total = total;
        this.doneBefore = doneBefore;
        this.failedBefore = failedBefore;
        this.everyNanos = every.toNanos();
    }

    @Override
    public void recordDone(InputRecord record, Prediction prediction) {
        done.incrementAndGet();
        maybePrint();
    }

    @Override
    public void recordFailed(InputRecord record, FailedPrediction failure) {
        failed.incrementAndGet();
        maybePrint();
    }

    @Override
    public void retrying(InputRecord record, int attempt, dev.stride.core.PredictionException cause,
                         Duration delay) {
        retries.incrementAndGet();
    }

    long retries() {
        return retries.get();
    }

    private void maybePrint() {
        long now = System.nanoTime();
        if (everyNanos <= 0 || now - lastPrint < everyNanos) {
            return;
        }
        lastPrint = now;
        long sessionDone = done.get() + failed.get();
        long allDone = doneBefore + done.get();
        long allFailed = failedBefore + failed.get();
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? sessionDone / seconds : 0;
        long left = total - allDone - allFailed;
        String eta = rate > 0 ? Durations.human((long) (left / rate * 1000)) : "?";
        out.println(String.format(Locale.ROOT, "%s: %d/%d done (%.1f%%), %d failed, %d retries, %.1f/s, ETA %s",
                run, allDone, total, total == 0 ? 100.0 : allDone * 100.0 / total, allFailed, retries.get(), rate,
                eta));
        out.flush();
    }
}
