package dev.snapstore.cli;

import java.util.Locale;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Byte counts as people write them ({@code 64K}, {@code 2M}, {@code 1.5GiB}) and read them. */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /**
     * Parses a size: a number, optionally fractional, followed by an optional unit K, M, G, T or P
     * (powers of 1024, with or without a trailing "i", "B" or "iB"; any case). A bare number is bytes.
     *
     * @throws IllegalArgumentException when the text is not a size or is out of range
     */
    static long parse(String text) {
        String s = text.trim();
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
        java.math.BigDecimal value;
        try {
            value = new java.math.BigDecimal(s.substring(0, end));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
        java.math.BigDecimal bytes = value.multiply(java.math.BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("size is not a whole number of bytes: '" + text + "'");
        }
        return bytes.longValueExact();
    }

    /** "2.00 GiB", "512 KiB", "17 B": three significant digits, binary units. */
    static String format(long bytes) {
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

    /** Decimal rate: bytes over nanoseconds as GB/s (10^9 bytes per second). */
    static double gbPerSecond(long bytes, long nanos) {
        return nanos <= 0 ? Double.NaN : (double) bytes / nanos;
    }

    /** Decimal rate: bytes over nanoseconds as MB/s (10^6 bytes per second). */
    static double mbPerSecond(long bytes, long nanos) {
        return nanos <= 0 ? Double.NaN : bytes * 1000.0 / nanos;
    }

    /** Milliseconds with microsecond resolution. */
    static double millis(long nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }

    /** Rounds for display and JSON: {@code digits} decimals, NaN kept. */
    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** A ratio as "2.50x", or "n/a" when it is not a number (nothing stored). */
    static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
    }

    /** Picocli converter for size options. */
    static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
