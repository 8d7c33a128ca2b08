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

    /**
     * What {@link #validate} learnt on the way: payload bytes stored once, the largest payload,
     * and bit {@code 1 << codecId} for every codec a non-zero chunk uses.
     */
    public record Summary(long storedBytes, int maxStoredLength, int codecMask) {
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
        Validator v = validator(header, dataEnd);
        v.check(count);
        return v.finish();
    }

    /**
     * A check of the entries in order, a block at a time, so that {@code SnapshotLayout} validates
     * each block of the index while it checksums it (one pass over the index, whatever its size).
     * It keeps one {@code int} per stored chunk and creates no object per entry.
     */
    Validator validator(FormatV1.Header header, long dataEnd) throws FormatException {
        if (count != header.chunkCount()) {
            throw new FormatException("index holds " + count + " entries for " + header.chunkCount() + " chunks");
        }
        return new Validator(header, dataEnd);
    }

    /** See {@link #validator}. Not thread-safe. */
    final class Validator {
        private final long length;
        private final int shift;
        private final long dataEnd;
        private int fullZeroCrc; // the CRC32C of a full chunk of zeros, computed at the first ZERO entry
        private boolean fullZeroCrcKnown;
        private final int[] storedIds = new int[count];
        private int storedCount;
        private int checked;
        private long next = FormatV1.HEADER_SIZE;
        private long stored;
        private int max;
        private int codecMask;

        private Validator(FormatV1.Header header, long dataEnd) {
            this.length = header.length();
            this.shift = header.chunkShift();
            this.dataEnd = dataEnd;
        }

        /** Checks the entries from the last one checked up to {@code end} (exclusive). */
        void check(int end) throws FormatException {
            for (int i = checked; i < end; i++) {
                entry(i);
            }
            checked = Math.max(checked, end);
        }

        private void entry(int i) throws FormatException {
            int p = i * ENTRY_SIZE;
            int codecId = Byte.toUnsignedInt(entries.get(p + 16));
            if (codecId > Codec.ZSTD.id()) {
                throw new FormatException(i, "unknown codec id " + codecId);
            }
            int flags = Byte.toUnsignedInt(entries.get(p + 17));
            if ((flags & ~(FLAG_ZERO | FLAG_DEDUP)) != 0 || flags == (FLAG_ZERO | FLAG_DEDUP)) {
                throw new FormatException(i, "invalid flags 0x" + Integer.toHexString(flags));
            }
            if (entries.getShort(p + 18) != 0) {
                throw new FormatException(i, "reserved index bytes are not zero");
            }
            long start = (long) i << shift;
            int expected = (int) Math.min(1L << shift, length - start);
            int raw = entries.getInt(p + 12);
            if (raw != expected) {
                throw new FormatException(i, "raw length " + Integer.toUnsignedString(raw)
                        + " but the chunk holds " + expected + " bytes (chunk size " + (1 << shift) + ")");
            }
            long off = entries.getLong(p);
            long len = Integer.toUnsignedLong(entries.getInt(p + 8));
            if ((flags & FLAG_ZERO) != 0) {
                if (off != 0 || len != 0 || codecId != Codec.NONE.id()) {
                    throw new FormatException(i, "zero chunk with a payload");
                }
                int zeroCrc = raw == 1 << shift ? fullZeroCrc() : FormatV1.zeroCrc(raw);
                int crc = entries.getInt(p + 20);
                if (crc != zeroCrc) {
                    throw new FormatException(i, "zero chunk's CRC32C 0x" + Integer.toHexString(crc)
                            + " is not the CRC32C of " + raw + " zero bytes (0x" + Integer.toHexString(zeroCrc) + ")");
                }
                if (entries.getLong(p + 24) != 0 || entries.getLong(p + 32) != 0) {
                    throw new FormatException(i, "zero chunk with a content hash");
                }
                return;
            }
            if (len == 0 || off < FormatV1.HEADER_SIZE || off > dataEnd || len > dataEnd - off) {
                throw new FormatException(i, "payload [" + off + ", +" + len
                        + ") lies outside the data area " + FormatV1.HEADER_SIZE + ".." + dataEnd);
            }
            if (codecId == Codec.NONE.id() ? len != raw : len >= raw) {
                throw new FormatException(i, "stored length " + len + " impossible for "
                        + Codec.ofId(codecId) + " with raw length " + raw);
            }
            max = (int) Math.max(max, len);
            codecMask |= 1 << codecId;
            if ((flags & FLAG_DEDUP) != 0) {
                checkDedup(i, storedIds, storedCount);
                return;
            }
            if (off != next) {
                throw new FormatException(i, "payload at file offset " + off + " but the previous payload ends at "
                        + next + " (payloads are stored back to back in chunk order)");
            }
            next += len;
            stored += len;
            storedIds[storedCount++] = i;
        }

        private int fullZeroCrc() {
            if (!fullZeroCrcKnown) {
                fullZeroCrc = FormatV1.zeroCrc(1 << shift);
                fullZeroCrcKnown = true;
            }
            return fullZeroCrc;
        }

        /** After every entry was checked: the payloads must end where the index starts. */
        Summary finish() throws FormatException {
            check(count);
            if (next != dataEnd) {
                throw new FormatException("payloads end at file offset " + next + " but the index starts at " + dataEnd);
            }
            return new Summary(stored, max, codecMask);
        }
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
