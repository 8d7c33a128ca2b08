package dev.snapstore.bench;

import java.util.Locale;

/** Parses and prints byte sizes ("64m", "2g", "1.5GiB", "4096"). Stateless, thread-safe. */
public final class Sizes {
    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;

    private Sizes() {
    }

    /**
     * Parses a size: a number followed by an optional binary unit {@code k, m, g, t} (also
     * {@code KiB, MB, ...}; every unit is a power of 1024).
     *
     * @throws IllegalArgumentException when the text is not a size or the size is negative
     */
    public static long parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        int end = 0;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
            end++;
        }
        if (end == 0) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
        double number = Double.parseDouble(s.substring(0, end));
        String unit = s.substring(end).trim();
        long scale;
        switch (unit) {
            case "": case "b": scale = 1; break;
            case "k": case "kb": case "kib": scale = KIB; break;
            case "m": case "mb": case "mib": scale = MIB; break;
            case "g": case "gb": case "gib": scale = GIB; break;
            case "t": case "tb": case "tib": scale = GIB * 1024; break;
            default: throw new IllegalArgumentException("unknown size unit '" + unit + "' in '" + text + "'");
        }
        double bytes = number * scale;
        if (bytes < 0 || bytes > Long.MAX_VALUE) {
            throw new IllegalArgumentException("size out of range: '" + text + "'");
        }
        return (long) bytes;
    }

    /** A short human form: "512 MiB", "2.0 GiB", "4 KiB", "100 B". */
    public static String format(long bytes) {
        if (bytes >= GIB) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
        }
        if (bytes >= MIB) {
            return String.format(Locale.ROOT, "%d MiB", bytes / MIB);
        }
        if (bytes >= KIB) {
            return String.format(Locale.ROOT, "%d KiB", bytes / KIB);
        }
        return bytes + " B";
    }
}
