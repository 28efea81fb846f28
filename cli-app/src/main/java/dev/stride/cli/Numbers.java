package dev.stride.cli;

import java.util.Locale;

/** Numbers as a person reads them at a glance. */
final class Numbers {
    private Numbers() {
    }

    /** 950, 12.3k, 4.5M: three significant digits at most. */
    static String compact(double v) {
        double a = Math.abs(v);
        if (a < 1000) {
            return a < 10 && v != Math.rint(v) ? String.format(Locale.ROOT, "%.1f", v)
                    : String.format(Locale.ROOT, "%.0f", v);
        }
        if (a < 1_000_000) {
            return String.format(Locale.ROOT, a < 10_000 ? "%.2fk" : a < 100_000 ? "%.1fk" : "%.0fk", v / 1000);
        }
        return String.format(Locale.ROOT, a < 10_000_000 ? "%.2fM" : "%.1fM", v / 1_000_000);
    }

    /** 1,234,567 */
    static String grouped(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** 512 B, 4.1 KB, 3.9 MB, 1.2 GB (units of 1024). */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = n / 1024.0;
        int unit = 0;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }
}
