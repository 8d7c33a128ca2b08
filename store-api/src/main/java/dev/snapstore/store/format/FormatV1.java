package dev.snapstore.store.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Constants and fixed-size structures of the snapshot format, versions 1 and 2 (they differ only
 * in the content hash of an index entry, see {@link ContentHash}): header, footer, checksums and
 * the digest. Writers write {@link #VERSION}; readers accept {@link #MIN_VERSION}..{@link #VERSION}. The byte layout is specified in {@code docs/FORMAT.md}; this package is its one Java
 * implementation ({@link ChunkIndex} for the index entries, {@link Metadata} and {@link Profile}
 * for those sections, {@link SnapshotLayout} for reading and validating a whole file). Stateless
 * and thread-safe.
 */
public final class FormatV1 {
    /** The version writers write: 2 (one XXH3-128 content hash per chunk). */
    public static final int VERSION = 2;
    /** The oldest version readers accept: 1 (two XXH64 values per chunk). */
    public static final int MIN_VERSION = 1;
    public static final int HEADER_SIZE = 64;
    public static final int FOOTER_SIZE = 112;
    public static final byte[] HEADER_MAGIC = "SNAPSTOR".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] FOOTER_MAGIC = "SNAPEND1".getBytes(StandardCharsets.US_ASCII);
    public static final int MIN_CHUNK_SHIFT = 16;
    public static final int MAX_CHUNK_SHIFT = 26;
    public static final int DEFAULT_CHUNK_SHIFT = 21;
    /** Largest index a reader accepts (about 53 million chunks). */
    public static final long MAX_INDEX_BYTES = Integer.MAX_VALUE - 7;
    /** Largest metadata section a reader accepts. */
    public static final long MAX_META_BYTES = 16L << 20;
    /** Seeds of the two XXH64 values forming a chunk's 128-bit content hash in version 1. */
    public static final long HASH_SEED_LO = 0L;
    public static final long HASH_SEED_HI = 0x9E3779B97F4A7C15L;

    private static final ConcurrentHashMap<Integer, Integer> ZERO_CRCS = new ConcurrentHashMap<>();

    private FormatV1() {
    }

    /**
     * The header fields as stored, without validation beyond the size: what a tool shows about a
     * file it may not be able to open (another version, a damaged header).
     *
     * @param magicOk whether the file starts with {@code SNAPSTOR}
     */
    public record RawHeader(boolean magicOk, int version, int headerLength, int flags, int chunkShift,
                            long length, long chunkCount, int crc, boolean crcOk) {
    }

    /** Whether {@code file} starts with the snapshot magic (false for a shorter file). */
    public static boolean isSnapshot(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(HEADER_MAGIC.length);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // fill
            }
            return !b.hasRemaining() && Arrays.equals(b.array(), HEADER_MAGIC);
        }
    }

    /**
     * Reads the header of {@code file} as stored (see {@link RawHeader}).
     *
     * @throws FormatException when the file is shorter than a header
     */
    public static RawHeader readRawHeader(Path file) throws IOException, FormatException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // fill
            }
        }
        if (b.hasRemaining()) {
            throw new FormatException("shorter than a header (" + b.position() + " of " + HEADER_SIZE + " bytes)");
        }
        return rawHeader(b.flip());
    }

    /** The header fields of {@code src[position, position + 64)} as stored. */
    public static RawHeader rawHeader(ByteBuffer src) {
        byte[] raw = new byte[HEADER_SIZE];
        src.duplicate().get(raw);
        ByteBuffer h = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        return new RawHeader(Arrays.equals(raw, 0, 8, HEADER_MAGIC, 0, 8), Short.toUnsignedInt(h.getShort(8)),
                Short.toUnsignedInt(h.getShort(10)), h.getInt(12), Byte.toUnsignedInt(raw[16]), h.getLong(24),
                h.getLong(32), h.getInt(60), h.getInt(60) == crc(raw, 0, 60));
    }

    /**
     * The fixed header fields.
     *
     * @param version the format version, {@link #MIN_VERSION}..{@link #VERSION}: it decides the
     *                content hash of the index entries
     */
    public record Header(int version, int chunkShift, long length, long chunkCount, int flags) {
        public int chunkSize() {
            return 1 << chunkShift;
        }
    }

    /** The fixed footer fields. */
    public record Footer(long indexOffset, long indexLength, long metaOffset, long metaLength,
                         long profileOffset, long profileLength, int indexCrc, int metaCrc,
                         int profileCrc, byte[] digest) {
    }

    /** Number of chunks of an image of {@code length} bytes. */
    public static long chunkCount(long length, int chunkShift) {
        return (length + (1L << chunkShift) - 1) >>> chunkShift;
    }

    /** Raw length of chunk {@code i} of an image of {@code length} bytes. */
    public static int rawLength(long length, int chunkShift, long i) {
        long start = i << chunkShift;
        return (int) Math.min(1L << chunkShift, length - start);
    }

    public static ByteBuffer encodeHeader(Header h) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(HEADER_MAGIC);
        if (h.version() < MIN_VERSION || h.version() > VERSION) {
            throw new IllegalArgumentException("format version " + h.version() + " outside " + MIN_VERSION + ".." + VERSION);
        }
        b.putShort((short) h.version());
        b.putShort((short) HEADER_SIZE);
        b.putInt(h.flags());
        b.put((byte) h.chunkShift());
        b.position(24);
        b.putLong(h.length());
        b.putLong(h.chunkCount());
        b.putInt(60, crc(b.array(), 0, 60));
        b.clear();
        return b;
    }

    /**
     * Parses a header, or returns the reason it is invalid through {@link FormatException}.
     */
    public static Header decodeHeader(ByteBuffer src) throws FormatException {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER_SIZE) {
            throw new FormatException("file too short for a header (" + b.remaining() + " bytes)");
        }
        byte[] raw = new byte[HEADER_SIZE];
        b.get(raw);
        ByteBuffer h = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            if (raw[i] != HEADER_MAGIC[i]) {
                throw new FormatException("not a snapshot: bad magic (expected SNAPSTOR)");
            }
        }
        int version = Short.toUnsignedInt(h.getShort(8));
        if (version < MIN_VERSION || version > VERSION) {
            throw new FormatException("unsupported format version " + version + " (this reader knows "
                    + MIN_VERSION + ".." + VERSION + ")");
        }
        int headerLen = Short.toUnsignedInt(h.getShort(10));
        if (headerLen != HEADER_SIZE) {
            throw new FormatException("bad header length " + headerLen);
        }
        if (h.getInt(60) != crc(raw, 0, 60)) {
            throw new FormatException("header checksum mismatch");
        }
        int flags = h.getInt(12);
        if (flags != 0) {
            throw new FormatException("unknown header flags 0x" + Integer.toHexString(flags));
        }
        int shift = Byte.toUnsignedInt(raw[16]);
        if (shift < MIN_CHUNK_SHIFT || shift > MAX_CHUNK_SHIFT) {
            throw new FormatException("chunk size 2^" + shift + " outside 64 KiB..64 MiB");
        }
        if (!isZero(raw, 17, 24) || !isZero(raw, 40, 60)) {
            throw new FormatException("reserved header bytes are not zero");
        }
        long length = h.getLong(24);
        if (length < 0) {
            throw new FormatException("negative logical length " + length);
        }
        long count = h.getLong(32);
        if (count != chunkCount(length, shift)) {
            throw new FormatException("chunk count " + count + " does not match length " + length
                    + " and chunk size " + (1 << shift));
        }
        return new Header(version, shift, length, count, flags);
    }

    private static boolean isZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    public static ByteBuffer encodeFooter(Footer f) {
        ByteBuffer b = ByteBuffer.allocate(FOOTER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(f.indexOffset()).putLong(f.indexLength())
         .putLong(f.metaOffset()).putLong(f.metaLength())
         .putLong(f.profileOffset()).putLong(f.profileLength())
         .putInt(f.indexCrc()).putInt(f.metaCrc()).putInt(f.profileCrc()).putInt(0);
        b.put(f.digest());
        b.putInt(96, crc(b.array(), 0, 96));
        b.position(104);
        b.put(FOOTER_MAGIC);
        b.clear();
        return b;
    }

    public static Footer decodeFooter(ByteBuffer src) throws FormatException {
        if (src.remaining() < FOOTER_SIZE) {
            throw new FormatException("file too short for a footer");
        }
        byte[] raw = new byte[FOOTER_SIZE];
        src.duplicate().get(raw);
        for (int i = 0; i < 8; i++) {
            if (raw[104 + i] != FOOTER_MAGIC[i]) {
                throw new FormatException("truncated or not a snapshot: footer magic missing (expected SNAPEND1 at the end)");
            }
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(96) != crc(raw, 0, 96)) {
            throw new FormatException("footer checksum mismatch");
        }
        if (!isZero(raw, 60, 64) || !isZero(raw, 100, 104)) {
            throw new FormatException("reserved footer bytes are not zero");
        }
        byte[] digest = new byte[32];
        System.arraycopy(raw, 64, digest, 0, 32);
        return new Footer(b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                b.getLong(40), b.getInt(48), b.getInt(52), b.getInt(56), digest);
    }

    /** The snapshot digest: SHA-256 of the 64 header bytes followed by the index bytes. */
    public static byte[] digest(ByteBuffer header, ByteBuffer index) {
        MessageDigest md = sha256();
        md.update(header.duplicate());
        md.update(index.duplicate());
        return md.digest();
    }

    /** A SHA-256 digest, the snapshot digest's algorithm. */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is part of every JDK", e);
        }
    }

    /** CRC32C of {@code length} zero bytes: the CRC a ZERO index entry must carry (cached per length). */
    public static int zeroCrc(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        Integer known = ZERO_CRCS.get(length);
        if (known != null) {
            return known;
        }
        ByteBuffer zeros = ByteBuffer.allocateDirect(Math.min(length, 1 << 16));
        CRC32C c = new CRC32C();
        for (int left = length; left > 0; left -= zeros.capacity()) {
            c.update(zeros.clear().limit(Math.min(left, zeros.capacity())));
        }
        int v = (int) c.getValue();
        if (ZERO_CRCS.size() < 64) {
            ZERO_CRCS.put(length, v);
        }
        return v;
    }

    public static int crc(byte[] a, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    public static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate());
        return (int) c.getValue();
    }

    /**
     * A structural problem found while decoding, with the chunk it concerns (or -1); callers wrap
     * it with the file name (as a {@code CorruptSnapshotException}).
     */
    public static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        private final long chunk;

        public FormatException(String message) {
            this(-1, message);
        }

        public FormatException(long chunk, String message) {
            super(message, null, false, false);
            this.chunk = chunk;
        }

        /** The index entry at fault, or -1 when the problem is not one entry's. */
        public long chunk() {
            return chunk;
        }
    }
}
