package dev.stride.core;

/**
 * How many of the scored answers were right, with the 95% Wilson score interval around the proportion. Wilson rather
 * than the normal approximation because it stays inside [0, 1] and behaves at small n and at 0% or 100%.
 *
 * @param low  the interval's lower end, a fraction in [0, 1]
 * @param high the interval's upper end, a fraction in [0, 1]
 */
public record Accuracy(long scored, long correct, double low, double high) {

    /** The normal quantile for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    public Accuracy {
        if (scored < 0 || correct < 0 || correct > scored) {
            throw new IllegalArgumentException("correct " + correct + " of " + scored + " scored");
        }
    }

    /**
     * The accuracy and its 95% Wilson interval. With nothing scored the value and both ends are 0 (not NaN), so that
     * text, JSON and SQL all show a number; {@link #scored()} 0 says that it means nothing.
     */
    public static Accuracy wilson(long correct, long scored) {
        if (scored == 0) {
            return new Accuracy(0, correct, 0, 0);
        }
        double n = scored;
        double p = correct / n;
        double z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // Clamp against rounding: at p = 0 or 1 one end is exactly 0 or 1 in exact arithmetic.
        double low = correct == 0 ? 0 : Math.max(0, centre - half);
        double high = correct == scored ? 1 : Math.min(1, centre + half);
        return new Accuracy(scored, correct, low, high);
    }

    /** The fraction correct, 0 when nothing was scored. */
    public double value() {
        return scored == 0 ? 0 : (double) correct / scored;
    }
}
