package dev.snapstore.store.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.snapstore.store.Codec;

/**
 * The per-chunk index of a snapshot: 40-byte little-endian entries laid out as in
 * {@code docs/FORMAT.md}. Immutable and thread-safe; accessors are not bounds-checked beyond the
 * buffer's own checks.
 */
public final class ChunkIndex {
    public static final int ENTRY_SIZE = 40;
    public static final int FLAG_ZERO = 1;
    public static final int FLAG_DEDUP = 2;

    private final ByteBuffer entries;
    private final int count;

    /** Wraps {@code entries} (count * 40 bytes); the buffer must not be changed afterwards. */
    public ChunkIndex(ByteBuffer entries) {
        if (entries.remaining() % ENTRY_SIZE != 0) {
            throw new IllegalArgumentException("index length " + entries.remaining() + " is not a multiple of " + ENTRY_SIZE);
        }
        this.entries = entries.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.count = entries.remaining() / ENTRY_SIZE;
    }

    public int count() {
        return count;
    }

    public long offset(int i) {
        return entries.getLong(i * ENTRY_SIZE);
    }

    public int storedLength(int i) {
        return entries.getInt(i * ENTRY_SIZE + 8);
    }

    public int rawLength(int i) {
        return entries.getInt(i * ENTRY_SIZE + 12);
    }

    public int codecId(int i) {
        return Byte.toUnsignedInt(entries.get(i * ENTRY_SIZE + 16));
    }

    /** The chunk's codec, or null when the id is unknown (rejected when the snapshot is opened). */
    public Codec codec(int i) {
        return Codec.ofId(codecId(i));
    }

    public int flags(int i) {
        return Byte.toUnsignedInt(entries.get(i * ENTRY_SIZE + 17));
    }

    /** The entry's reserved bytes 18..19, which must be zero. */
    public int reserved(int i) {
        return Short.toUnsignedInt(entries.getShort(i * ENTRY_SIZE + 18));
    }

    public boolean isZero(int i) {
        return (flags(i) & FLAG_ZERO) != 0;
    }

    public boolean isDedup(int i) {
        return (flags(i) & FLAG_DEDUP) != 0;
    }

    public int crc32c(int i) {
        return entries.getInt(i * ENTRY_SIZE + 20);
    }

    public long hashLo(int i) {
        return entries.getLong(i * ENTRY_SIZE + 24);
    }

    public long hashHi(int i) {
        return entries.getLong(i * ENTRY_SIZE + 32);
    }

    /** Read-only little-endian view of the raw index bytes (count * 40), positioned at 0. */
    public ByteBuffer entries() {
        return entries.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes one entry at {@code i * ENTRY_SIZE} of {@code dst} (little-endian). */
    public static void put(ByteBuffer dst, int i, long offset, int stored, int raw, int codecId, int flags,
                           int crc, long hashLo, long hashHi) {
        int p = i * ENTRY_SIZE;
        ByteBuffer b = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(p, offset);
        b.putInt(p + 8, stored);
        b.putInt(p + 12, raw);
        b.put(p + 16, (byte) codecId);
        b.put(p + 17, (byte) flags);
        b.putShort(p + 18, (short) 0);
        b.putInt(p + 20, crc);
        b.putLong(p + 24, hashLo);
        b.putLong(p + 32, hashHi);
    }
}
