package dev.stride.cli;

/**
 * Latencies of one session in constant memory, for the end-of-run percentiles: exact to the millisecond below one
 * second, within 1% above (a million records cost no more than ten).
 */
final class LatencyHistogram {
    private static final int EXACT = 1024;
    private static final double STEP = Math.log(1.01);
    private final long[] counts = new long[EXACT + 2048];
    private long n;
    private long max;

    synchronized void add(long ms) {
        long v = Math.max(0, ms);
        counts[bucket(v)]++;
        n++;
        max = Math.max(max, v);
    }

    synchronized long count() {
        return n;
    }

    synchronized long max() {
        return max;
    }

    /** The latency at quantile {@code q} (0..1): the same rank rule as status --run (nearest rank, rounded up). */
    synchronized long percentile(double q) {
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(n * q));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, value(i));
            }
        }
        return max;
    }

    private static int bucket(long v) {
        if (v < EXACT) {
            return (int) v;
        }
        int i = EXACT + (int) (Math.log((double) v / EXACT) / STEP);
        return Math.min(i, EXACT + 2047);
    }

    private static long value(int bucket) {
        return bucket < EXACT ? bucket : Math.round(EXACT * Math.exp((bucket - EXACT + 1) * STEP));
    }
}
