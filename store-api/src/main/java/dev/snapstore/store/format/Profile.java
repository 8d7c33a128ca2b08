package dev.snapstore.store.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.snapstore.store.format.FormatV1.FormatException;

/**
 * The optional profile section of the format (v1 and v2 alike): {@code u32 count}, then {@code count} chunk ids
 * ({@code u32}, little-endian) in first-touch order, each below the chunk count. Stateless and
 * thread-safe.
 */
public final class Profile {
    private Profile() {
    }

    /** Encodes {@code ids} (the caller has checked them against the chunk count). */
    public static ByteBuffer encode(int[] ids) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(ids.length);
        for (int id : ids) {
            b.putInt(id);
        }
        return b.flip();
    }

    /**
     * Decodes a whole profile section ({@code src}'s remaining bytes, not consumed).
     *
     * @throws FormatException when it does not parse exactly to its length or names a chunk
     *                         at or above {@code chunks}
     */
    public static int[] decode(ByteBuffer src, long chunks) throws FormatException {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw new FormatException("profile section cut short");
        }
        long count = Integer.toUnsignedLong(b.getInt());
        if (count * 4 != b.remaining()) {
            throw new FormatException("profile claims " + count + " chunk ids but holds " + b.remaining() + " bytes");
        }
        int[] ids = new int[(int) count];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = b.getInt();
            if (Integer.toUnsignedLong(ids[i]) >= chunks) {
                throw new FormatException("profile names chunk " + Integer.toUnsignedString(ids[i]) + " of " + chunks);
            }
        }
        return ids;
    }
}
