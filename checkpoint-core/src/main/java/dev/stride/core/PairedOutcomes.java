package dev.stride.core;

/**
 * How two runs did on the records both answered, each record scored right or wrong for each run: the 2x2 table of
 * a paired comparison.
 */
public record PairedOutcomes(long bothRight, long onlyARight, long onlyBRight, long bothWrong) {
    public static final PairedOutcomes NONE = new PairedOutcomes(0, 0, 0, 0);

    public PairedOutcomes {
        if (bothRight < 0 || onlyARight < 0 || onlyBRight < 0 || bothWrong < 0) {
            throw new IllegalArgumentException("counts must not be negative");
        }
    }

    /** The table with one more record in the cell its two verdicts name. */
    public PairedOutcomes plus(boolean aRight, boolean bRight) {
        return new PairedOutcomes(bothRight + (aRight && bRight ? 1 : 0), onlyARight + (aRight && !bRight ? 1 : 0),
                onlyBRight + (!aRight && bRight ? 1 : 0), bothWrong + (!aRight && !bRight ? 1 : 0));
    }

    /** Records compared. */
    public long total() {
        return bothRight + onlyARight + onlyBRight + bothWrong;
    }

    /** Records where exactly one of the two is right: the only ones that tell the models apart. */
    public long discordant() {
        return onlyARight + onlyBRight;
    }

    public Accuracy accuracyA() {
        return Accuracy.wilson(bothRight + onlyARight, total());
    }

    public Accuracy accuracyB() {
        return Accuracy.wilson(bothRight + onlyBRight, total());
    }

    /** The exact McNemar p-value of "A and B are equally accurate". */
    public double pValue() {
        return McNemar.exactPValue(onlyARight, onlyBRight);
    }
}
