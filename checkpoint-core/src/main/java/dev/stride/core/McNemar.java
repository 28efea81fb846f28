package dev.stride.core;

/**
 * The exact McNemar test of "two models are equally accurate" on paired answers: only the records where exactly one
 * is right say anything, and under that hypothesis each of them goes either way with probability 1/2. The two-sided
 * p-value is twice the binomial tail of the smaller count, capped at 1.
 *
 * <p>Exact for any count: the terms {@code C(n, i) / 2^n} are built from the largest one down (each next one a
 * ratio below 1 of the one before), in log space where they would underflow a double, so a million discordant pairs
 * give a p-value and not 0/0.
 */
public final class McNemar {
    private McNemar() {
    }

    /**
     * @param onlyA records only the first model got right
     * @param onlyB records only the second model got right
     * @return the two-sided exact p-value, 1.0 when there is nothing to tell them apart
     */
    public static double exactPValue(long onlyA, long onlyB) {
        if (onlyA < 0 || onlyB < 0) {
            throw new IllegalArgumentException("counts must not be negative: " + onlyA + ", " + onlyB);
        }
        long n = onlyA + onlyB;
        long k = Math.min(onlyA, onlyB);
        if (n == 0 || onlyA == onlyB) {
            return 1.0;
        }
        // log of the largest term of the tail, C(n, k) / 2^n
        double logTop = -n * Math.log(2);
        for (long j = 1; j <= k; j++) {
            logTop += Math.log((double) (n - k + j) / j);
        }
        // the tail relative to it: 1 + t(k-1)/t(k) + t(k-2)/t(k) + ..., every ratio i/(n-i+1) below 1
        double relative = 1;
        double term = 1;
        for (long i = k; i >= 1; i--) {
            term *= (double) i / (n - i + 1);
            if (term < 1e-17 * relative) {
                break; // the rest cannot change a double
            }
            relative += term;
        }
        double logP = Math.log(2) + logTop + Math.log(relative);
        return logP >= 0 ? 1.0 : Math.exp(logP);
    }
}
