package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When a summary is read again and when the last one is given, on a clock of the test's own. */
class SummaryCacheTest {
    private static final long MS = 1_000_000;

    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final SummaryCache cache = new SummaryCache(1000, clock::get);

    /** A reading that takes 100 ms on the test's clock. */
    private SummaryCache.Summary read() {
        reads.incrementAndGet();
        clock.addAndGet(100 * MS);
        return new SummaryCache.Summary(List.of(), 1, reads.get(), 0, false, List.of(), List.of());
    }

    private static SummaryCache.Key key(long done) {
        return new SummaryCache.Key(1, "created", 10_000, done, 0, "saved", "running");
    }

    @Test
    void anUnchangedRunIsReadOnce() {
        cache.get(key(5), this::read);
        clock.addAndGet(3_600_000 * MS);
        assertThat(cache.get(key(5), this::read).tokensIn()).isEqualTo(1);
        assertThat(reads).hasValue(1);
    }

    @Test
    void aSmallRunIsReadAgainAtEveryChange() {
        cache.get(key(5), this::read);
        assertThat(cache.get(key(6), this::read).tokensIn()).isEqualTo(2);
        assertThat(reads).hasValue(2);
    }

    @Test
    void aLargeRunBeingWrittenIsReadAtMostOnceInFiveTimesItsCost() {
        cache.get(key(5000), this::read);
        clock.addAndGet(300 * MS);
        assertThat(cache.get(key(5100), this::read).tokensIn()).as("400 ms after a read of 100 ms").isEqualTo(1);
        clock.addAndGet(200 * MS);
        assertThat(cache.get(key(5200), this::read).tokensIn()).as("600 ms after it").isEqualTo(2);
        assertThat(reads).hasValue(2);
        SummaryCache.Key otherRun = new SummaryCache.Key(1, "created again", 10_000, 5300, 0, "saved", "running");
        assertThat(cache.get(otherRun, this::read).tokensIn()).as("a run made anew under the same id").isEqualTo(3);
    }
}
