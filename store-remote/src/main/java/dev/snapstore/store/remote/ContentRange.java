package dev.snapstore.store.remote;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Content-Range: bytes FIRST-LAST/TOTAL} header, parsed (RFC 9110 §14.4); a total of
 * {@code *} (unknown) is refused, as a snapshot's size must be known.
 *
 * @param first first byte sent
 * @param last  last byte sent (inclusive)
 * @param total the object's size
 */
record ContentRange(long first, long last, long total) {
    private static final Pattern FORM = Pattern.compile("\\s*bytes\\s+(\\d+)-(\\d+)/(\\d+)\\s*");

    /** The parsed header, or null when it is absent or not of that form. */
    static ContentRange parse(String header) {
        if (header == null) {
            return null;
        }
        Matcher m = FORM.matcher(header);
        if (!m.matches()) {
            return null;
        }
        try {
            long f = Long.parseLong(m.group(1));
            long l = Long.parseLong(m.group(2));
            long t = Long.parseLong(m.group(3));
            return f <= l && l < t ? new ContentRange(f, l, t) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether this is exactly {@code [position, position + length)}. */
    boolean is(long position, long length) {
        return first == position && last == position + length - 1;
    }

    /** Bytes sent. */
    long length() {
        return last - first + 1;
    }

    /** Whether this is the answer to {@link #suffix}{@code (length)}: the last {@code min(length, total)} bytes. */
    boolean isSuffix(long length) {
        return last == total - 1 && length() == Math.min(length, total);
    }

    /** The {@code Range} header asking for the last {@code length} bytes (all of them when the object is shorter). */
    static String suffix(long length) {
        return "bytes=-" + length;
    }

    /** The {@code Range} header asking for {@code [position, position + length)}. */
    static String request(long position, long length) {
        return "bytes=" + position + "-" + (position + length - 1);
    }

    /**
     * Refuses a read of {@code [position, +length)} past an object of {@code known} bytes (negative:
     * not known yet, the server will say) with an EOFException naming {@code uri}.
     */
    static void checkWithin(Object uri, long position, int length, long known) throws java.io.EOFException {
        if (known >= 0 && position + length > known) {
            throw new java.io.EOFException(uri + ": range [" + position + ", +" + length + ") ends past the object's " + known + " bytes");
        }
    }
}
