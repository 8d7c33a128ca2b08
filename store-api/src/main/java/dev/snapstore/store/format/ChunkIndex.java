package dev.snapstore.store.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.snapstore.store.Codec;
import dev.snapstore.store.format.FormatV1.FormatException;

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

    /** Low half of the content hash, as the file's version defines it ({@link ContentHash}). */
    public long hashLo(int i) {
        return entries.getLong(i * ENTRY_SIZE + 24);
    }

    /** High half of the content hash ({@link ContentHash}). */
    public long hashHi(int i) {
        return entries.getLong(i * ENTRY_SIZE + 32);
    }

    /** Read-only little-endian view of the raw index bytes (count * 40), positioned at 0. */
    public ByteBuffer entries() {
        return entries.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** What {@link #validate} learnt on the way: payload bytes stored once, the largest payload. */
    public record Summary(long storedBytes, int maxStoredLength) {
    }

    /**
     * Checks every entry against the format (docs/FORMAT.md, "What a reader checks on open"):
     * codec and flags known, reserved bits zero, the raw length the header implies, a ZERO entry
     * with no payload, no hash and the CRC32C of zeros, stored payloads back to back in chunk
     * order from the end of the header to {@code dataEnd} with a length possible for their codec,
     * and a DEDUP entry sharing the payload, length, codec, CRC and hash of an earlier stored chunk.
     *
     * @param dataEnd where the payloads end: the index's file offset
     * @throws FormatException naming the first entry that contradicts the format
     */
    public Summary validate(FormatV1.Header header, long dataEnd) throws FormatException {
        if (count != header.chunkCount()) {
            throw new FormatException("index holds " + count + " entries for " + header.chunkCount() + " chunks");
        }
        long length = header.length();
        int shift = header.chunkShift();
        int[] storedIds = new int[count];
        int storedCount = 0;
        long next = FormatV1.HEADER_SIZE;
        long stored = 0;
        int max = 0;
        for (int i = 0; i < count; i++) {
            int codecId = codecId(i);
            Codec codec = Codec.ofId(codecId);
            if (codec == null) {
                throw new FormatException(i, "unknown codec id " + codecId);
            }
            int flags = flags(i);
            if ((flags & ~(FLAG_ZERO | FLAG_DEDUP)) != 0 || flags == (FLAG_ZERO | FLAG_DEDUP)) {
                throw new FormatException(i, "invalid flags 0x" + Integer.toHexString(flags));
            }
            if (reserved(i) != 0) {
                throw new FormatException(i, "reserved index bytes are not zero");
            }
            int expected = FormatV1.rawLength(length, shift, i);
            int raw = rawLength(i);
            if (raw != expected) {
                throw new FormatException(i, "raw length " + Integer.toUnsignedString(raw)
                        + " but the chunk holds " + expected + " bytes (chunk size " + (1 << shift) + ")");
            }
            long off = offset(i);
            long len = Integer.toUnsignedLong(storedLength(i));
            if ((flags & FLAG_ZERO) != 0) {
                if (off != 0 || len != 0 || codec != Codec.NONE) {
                    throw new FormatException(i, "zero chunk with a payload");
                }
                int zeroCrc = FormatV1.zeroCrc(raw);
                if (crc32c(i) != zeroCrc) {
                    throw new FormatException(i, "zero chunk's CRC32C 0x" + Integer.toHexString(crc32c(i))
                            + " is not the CRC32C of " + raw + " zero bytes (0x" + Integer.toHexString(zeroCrc) + ")");
                }
                if (hashLo(i) != 0 || hashHi(i) != 0) {
                    throw new FormatException(i, "zero chunk with a content hash");
                }
                continue;
            }
            if (len == 0 || off < FormatV1.HEADER_SIZE || off > dataEnd || len > dataEnd - off) {
                throw new FormatException(i, "payload [" + off + ", +" + len
                        + ") lies outside the data area " + FormatV1.HEADER_SIZE + ".." + dataEnd);
            }
            if (codec == Codec.NONE ? len != raw : len >= raw) {
                throw new FormatException(i, "stored length " + len + " impossible for "
                        + codec + " with raw length " + raw);
            }
            max = (int) Math.max(max, len);
            if ((flags & FLAG_DEDUP) != 0) {
                checkDedup(i, storedIds, storedCount);
                continue;
            }
            if (off != next) {
                throw new FormatException(i, "payload at file offset " + off + " but the previous payload ends at "
                        + next + " (payloads are stored back to back in chunk order)");
            }
            next += len;
            stored += len;
            storedIds[storedCount++] = i;
        }
        if (next != dataEnd) {
            throw new FormatException("payloads end at file offset " + next + " but the index starts at " + dataEnd);
        }
        return new Summary(stored, max);
    }

    /** A DEDUP entry must repeat an earlier stored chunk's entry (found by payload offset). */
    private void checkDedup(int i, int[] storedIds, int storedCount) throws FormatException {
        long off = offset(i);
        int lo = 0;
        int hi = storedCount - 1;
        int src = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long o = offset(storedIds[mid]);
            if (o < off) {
                lo = mid + 1;
            } else if (o > off) {
                hi = mid - 1;
            } else {
                src = storedIds[mid];
                break;
            }
        }
        if (src < 0) {
            throw new FormatException(i, "DEDUP entry points at file offset " + off
                    + ", where no earlier chunk's payload starts");
        }
        if (storedLength(src) != storedLength(i) || codecId(src) != codecId(i) || rawLength(src) != rawLength(i)) {
            throw new FormatException(i, "DEDUP entry's stored length, raw length or codec differ from chunk "
                    + src + " whose payload it shares");
        }
        if (crc32c(src) != crc32c(i) || hashLo(src) != hashLo(i) || hashHi(src) != hashHi(i)) {
            throw new FormatException(i, "DEDUP entry's CRC32C or content hash differ from chunk "
                    + src + " whose payload it shares");
        }
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
