package dev.stride.bench;

import java.util.Arrays;

/** Every sample kept (a run has at most tens of thousands), so percentiles are exact. Single writer thread. */
final class Histogram {
    private long[] samples = new long[1024];
    private int size;
    private long sum;

    void add(long value) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = value;
        sum += value;
    }

    int count() {
        return size;
    }

    long sum() {
        return sum;
    }

    /** How many samples are at least {@code threshold}, and their sum. */
    long[] tail(long threshold) {
        long n = 0;
        long total = 0;
        for (int i = 0; i < size; i++) {
            if (samples[i] >= threshold) {
                n++;
                total += samples[i];
            }
        }
        return new long[] {n, total};
    }

    /** The value at quantile {@code q} (0..1), nearest rank; 0 when empty. */
    long quantile(double q) {
        if (size == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * size) - 1;
        return sorted[Math.max(0, Math.min(size - 1, rank))];
    }
}
