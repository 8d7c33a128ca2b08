package dev.snapstore.store.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.snapstore.store.format.FormatV1.FormatException;

/**
 * The metadata section of the format (v1 and v2 alike): {@code u32 count}, then per entry {@code u32 keyLength, key,
 * u32 valueLength, value} (UTF-8, little-endian), keys unique, at most
 * {@link FormatV1#MAX_META_BYTES}. Stateless and thread-safe.
 */
public final class Metadata {
    private Metadata() {
    }

    /**
     * Encodes {@code meta} in its iteration order.
     *
     * @throws IllegalArgumentException when the section would exceed {@link FormatV1#MAX_META_BYTES}
     */
    public static ByteBuffer encode(Map<String, String> meta) {
        List<byte[]> parts = new ArrayList<>();
        long size = 4;
        for (Map.Entry<String, String> e : meta.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            parts.add(k);
            parts.add(v);
            size += 8L + k.length + v.length;
        }
        if (size > FormatV1.MAX_META_BYTES) {
            throw new IllegalArgumentException("metadata of " + size + " bytes exceeds " + FormatV1.MAX_META_BYTES);
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(meta.size());
        for (byte[] p : parts) {
            b.putInt(p.length).put(p);
        }
        return b.flip();
    }

    /**
     * Decodes a whole metadata section ({@code src}'s remaining bytes, which are not consumed).
     *
     * @return an unmodifiable map in the stored order
     * @throws FormatException when the section does not parse exactly to its length or repeats a key
     */
    public static Map<String, String> decode(ByteBuffer src) throws FormatException {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw new FormatException("metadata section of " + b.remaining() + " bytes is cut short");
        }
        long count = Integer.toUnsignedLong(b.getInt());
        if (count > b.remaining() / 8) {
            throw new FormatException("metadata claims " + count + " entries in " + b.remaining() + " bytes");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            String k = string(b, "metadata key");
            String v = string(b, "metadata value");
            if (m.put(k, v) != null) {
                throw new FormatException("duplicate metadata key '" + k + "'");
            }
        }
        if (b.hasRemaining()) {
            throw new FormatException("metadata has " + b.remaining() + " trailing bytes");
        }
        return Collections.unmodifiableMap(m);
    }

    private static String string(ByteBuffer b, String what) throws FormatException {
        if (b.remaining() < 4) {
            throw new FormatException(what + " cut short");
        }
        long n = Integer.toUnsignedLong(b.getInt());
        if (n > b.remaining()) {
            throw new FormatException(what + " of " + n + " bytes overruns the metadata section");
        }
        byte[] s = new byte[(int) n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
