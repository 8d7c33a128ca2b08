package dev.snapstore.tools;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Byte counts as people write them ({@code 4096}, {@code 64K}, {@code 2m}, {@code 1.5GiB}) and read
 * them ({@code "2 GiB"}, {@code "1.50 GiB"}), and the rates and rounding the tools print. Parsing is
 * exact: {@code 1.5G} is 1610612736 bytes and a size that is not a whole number of bytes is an
 * error, never truncated. Stateless, thread-safe.
 */
public final class Sizes {
    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /**
     * Parses a size: a number, optionally fractional, followed by an optional unit K, M, G, T or P
     * (powers of 1024, with or without a trailing "i", "B" or "iB"; any case; {@code _} between
     * digits ignored). A bare number is bytes.
     *
     * @throws IllegalArgumentException when the text is not a size, is not a whole number of bytes,
     *         or does not fit in a long
     */
    public static long parse(String text) {
        String s = text.trim().replace("_", "");
        int end = 0;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
            end++;
        }
        if (end == 0) {
            throw new IllegalArgumentException("not a size: '" + text + "' (examples: 4096, 64K, 2M, 1.5G)");
        }
        String unit = s.substring(end).trim().toUpperCase(Locale.ROOT);
        if (unit.endsWith("IB")) {
            unit = unit.substring(0, unit.length() - 2);
        } else if (unit.endsWith("B")) {
            unit = unit.substring(0, unit.length() - 1);
        }
        int shift;
        switch (unit) {
            case "": shift = 0; break;
            case "K": shift = 10; break;
            case "M": shift = 20; break;
            case "G": shift = 30; break;
            case "T": shift = 40; break;
            case "P": shift = 50; break;
            default:
                throw new IllegalArgumentException("unknown unit in size '" + text + "' (use K, M, G, T or P)");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(s.substring(0, end));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
        BigDecimal bytes = value.multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("size is not a whole number of bytes: '" + text + "'");
        }
        return bytes.longValueExact();
    }

    /** "2 GiB", "1.50 GiB", "512 KiB", "17 B": three significant digits, binary units; "n/a" below 0. */
    public static String format(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%d %s", (long) v, UNITS[u]);
        }
        String digits = v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s";
        return String.format(Locale.ROOT, digits, v, UNITS[u]);
    }

    /** A signed change: "+2 MiB", "-512 KiB", or "n/a" for {@code Long.MIN_VALUE} (unknown). */
    public static String signed(long bytes) {
        if (bytes == Long.MIN_VALUE) {
            return "n/a";
        }
        return bytes < 0 ? "-" + format(-bytes) : "+" + format(bytes);
    }

    /** Decimal rate: bytes over nanoseconds as GB/s (10^9 bytes per second). */
    public static double gbPerSecond(long bytes, long nanos) {
        return nanos <= 0 ? Double.NaN : (double) bytes / nanos;
    }

    /** Decimal rate: bytes over nanoseconds as MB/s (10^6 bytes per second). */
    public static double mbPerSecond(long bytes, long nanos) {
        return nanos <= 0 ? Double.NaN : bytes * 1000.0 / nanos;
    }

    /** Milliseconds with microsecond resolution. */
    public static double millis(long nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }

    /** Rounds for display and JSON: {@code digits} decimals, NaN and infinities kept. */
    public static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** {@code logical / stored}, NaN when nothing is stored. */
    public static double ratio(long logical, long stored) {
        return stored <= 0 ? Double.NaN : (double) logical / stored;
    }

    /** A ratio as "2.50x", or "n/a" when it is not a number. */
    public static String formatRatio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
