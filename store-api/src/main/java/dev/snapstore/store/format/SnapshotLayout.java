package dev.snapstore.store.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.CRC32C;

import dev.snapstore.store.format.FormatV1.FormatException;
import dev.snapstore.store.source.RangeSource;

/**
 * Everything but the payloads of a snapshot file, read and validated: what {@code Snapshot.open}
 * holds in memory. {@link #read} performs every check listed under "What a reader checks on open"
 * in docs/FORMAT.md, in that order, and reports the first failure. Immutable and thread-safe
 * (the profile array is the caller's to copy).
 *
 * @param header       the decoded header
 * @param footer       the decoded footer
 * @param index        the chunk index (on the heap: a copy of what was read)
 * @param metadata     the metadata, in stored order, unmodifiable
 * @param profile      chunk ids in first-touch order (empty when absent)
 * @param digest       the snapshot digest, lower-case hex
 * @param storedBytes  payload bytes stored once (zero and DEDUP chunks take none)
 * @param maxStoredLength largest payload of any chunk
 * @param codecMask    bit {@code 1 << codecId} for every codec a non-zero chunk uses
 */
public record SnapshotLayout(FormatV1.Header header, FormatV1.Footer footer, ChunkIndex index,
                             Map<String, String> metadata, int[] profile, String digest,
                             long storedBytes, int maxStoredLength, int codecMask) {

    /** Bytes of index checksummed and validated together: a multiple of the entry size, cache-sized. */
    static final int INDEX_BLOCK = 1638 * ChunkIndex.ENTRY_SIZE;

    /**
     * The index's CRC32C and the entries' validation in one pass over the index, a block at a time
     * (the block is checked while it is in the cache), then the digest, reporting failures in
     * docs/FORMAT.md's order: the index CRC, then the digest, then the first bad entry. The digest
     * comes from {@code fast} (one native call over header and index) when it answers, else from
     * {@code MessageDigest}. It is asked for last: in a fresh JVM the native engine is still being
     * loaded on another thread (Snapshot.open starts it), and this thread validates meanwhile
     * instead of waiting for it first. {@code all} is the index's bytes where they were read (the
     * same bytes as {@code index}'s).
     */
    private record IndexCheck(byte[] digest, ChunkIndex.Summary summary) {
        static IndexCheck of(ChunkIndex index, ByteBuffer all, FormatV1.Header header, ByteBuffer headerBytes,
                             FormatV1.Footer footer, Sha256 fast) throws FormatException {
            CRC32C crc = new CRC32C();
            ChunkIndex.Validator v = index.validator(header, footer.indexOffset());
            FormatException firstBad = null;
            for (int from = 0; from < all.limit(); from += INDEX_BLOCK) {
                ByteBuffer block = all.duplicate().position(from).limit(Math.min(all.limit(), from + INDEX_BLOCK));
                crc.update(block);
                if (firstBad == null) {
                    try {
                        v.check(Math.min(all.limit(), from + INDEX_BLOCK) / ChunkIndex.ENTRY_SIZE);
                    } catch (FormatException e) {
                        firstBad = e;
                    }
                }
            }
            if ((int) crc.getValue() != footer.indexCrc()) {
                throw new FormatException("index checksum mismatch");
            }
            byte[] d = fast == null ? null : fast.digest(headerBytes.duplicate(), all.duplicate());
            if (d == null) {
                MessageDigest sha = FormatV1.sha256();
                sha.update(headerBytes.duplicate());
                sha.update(all.duplicate());
                d = sha.digest();
            }
            if (!MessageDigest.isEqual(d, footer.digest())) {
                throw new FormatException("snapshot digest does not match its header and index");
            }
            if (firstBad != null) {
                throw firstBad;
            }
            return new IndexCheck(d, v.finish());
        }
    }

    /**
     * A faster SHA-256 than {@code MessageDigest} for the snapshot digest (a native one, from the
     * lazy engine): {@code Snapshot.open} passes it to {@link #read(RangeSource, Sha256)}.
     */
    @FunctionalInterface
    public interface Sha256 {
        /**
         * The SHA-256 of {@code first}'s remaining bytes followed by {@code second}'s (the caller's
         * duplicates), or null when it cannot be computed here (the reader then uses
         * {@code MessageDigest}).
         */
        byte[] digest(ByteBuffer first, ByteBuffer second);
    }

    /** Bytes read from the end of the object on open: the footer and, for most snapshots, every section. */
    static final int TAIL_READ = 256 << 10;

    /**
     * Reads and validates the header, footer, index, metadata and profile of the snapshot in
     * {@code ch} (positional reads; the channel's position is not used).
     *
     * @throws FormatException the first thing that contradicts the format (with the chunk, for an
     *                         index entry)
     * @throws IOException     when reading fails
     */
    public static SnapshotLayout read(FileChannel ch) throws IOException, FormatException {
        long size = ch.size();
        return read(size, (pos, dst) -> {
            long p = pos;
            while (dst.hasRemaining()) {
                int k = ch.read(dst, p);
                if (k < 0) {
                    throw new FormatException("unexpected end of file at offset " + p);
                }
                p += k;
            }
        }, () -> size, TAIL_READ, null);
    }

    /**
     * Reads and validates everything but the payloads of the snapshot in {@code src} with at most
     * three reads in two round trips: the header and the last {@value #TAIL_READ} bytes (the footer,
     * and the index, metadata and profile when they fit; a suffix range, which tells a remote source
     * the object's size) at the same time, then the part of the sections the tail did not cover.
     * Checks as {@link #read(FileChannel)}, and reports the header's failures first.
     *
     * @throws java.io.EOFException when the object ends before a range does
     */
    public static SnapshotLayout read(RangeSource src) throws IOException, FormatException {
        return read(src, TAIL_READ);
    }

    /**
     * {@link #read(RangeSource)} with the snapshot digest computed by {@code sha} where it can
     * (same checks, same order, same result).
     */
    public static SnapshotLayout read(RangeSource src, Sha256 sha) throws IOException, FormatException {
        return read(src, TAIL_READ, sha);
    }

    /** {@link #read(RangeSource)} reading {@code tailBytes} at the end (tests: a small tail makes the third read). */
    static SnapshotLayout read(RangeSource src, int tailBytes) throws IOException, FormatException {
        return read(src, tailBytes, null);
    }

    private static SnapshotLayout read(RangeSource src, int tailBytes, Sha256 sha) throws IOException, FormatException {
        SourceReader in = new SourceReader(src);
        if (src instanceof dev.snapstore.store.source.FileSource) {
            return read(src.size(), in, in, tailBytes, sha);
        }
        return readOverlapped(src, in, tailBytes, sha);
    }

    /**
     * A remote source: the header on a helper thread while this one asks for the tail with a suffix
     * range (whose answer tells the object's size), so opening costs one round trip.
     */
    private static SnapshotLayout readOverlapped(RangeSource src, Reader in, int tailBytes, Sha256 sha)
            throws IOException, FormatException {
        int tailLength = Math.max(tailBytes, FormatV1.FOOTER_SIZE);
        java.util.concurrent.FutureTask<ByteBuffer> head = new java.util.concurrent.FutureTask<>(() -> {
            ByteBuffer h = ByteBuffer.allocate(FormatV1.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            src.read(0, h);
            return h.flip();
        });
        Thread t = new Thread(head, "snapstore-open-header");
        t.setDaemon(true);
        t.start();
        ByteBuffer tail = null;
        IOException tailFailure = null;
        try {
            tail = src.readTail(tailLength);
        } catch (IOException e) {
            tailFailure = e;
        }
        ByteBuffer headerBytes;
        try {
            headerBytes = head.get();
        } catch (InterruptedException e) {
            head.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(src.location() + ": interrupted while reading the header");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.io.EOFException) {
                throw new FormatException("too short to be a snapshot (truncated?): " + c.getMessage());
            }
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(src.location() + ": reading the header failed: " + c, c);
        }
        long fileSize = src.size(); // known from either response: no request
        if (fileSize < FormatV1.HEADER_SIZE + FormatV1.FOOTER_SIZE) {
            throw new FormatException("file is " + fileSize + " bytes, too short to be a snapshot (truncated?)");
        }
        FormatV1.Header header = FormatV1.decodeHeader(headerBytes);
        if (tailFailure instanceof java.io.EOFException e) {
            throw new FormatException("unexpected end of file reading the last " + tailLength + " bytes (truncated?): " + e.getMessage());
        }
        if (tailFailure != null) {
            throw tailFailure;
        }
        tail.order(ByteOrder.LITTLE_ENDIAN);
        if (tail.remaining() != Math.min(tailLength, fileSize)) {
            throw new IOException(src.location() + ": asked for the last " + tailLength + " bytes of " + fileSize + ", got "
                    + tail.remaining());
        }
        // as the file path: the tail never reaches into the header
        long tailStart = Math.max(FormatV1.HEADER_SIZE, fileSize - tailLength);
        tail.position((int) (tailStart - (fileSize - tail.remaining())));
        return finish(header, headerBytes, fileSize, tail.slice().order(ByteOrder.LITTLE_ENDIAN), tailStart, in, sha);
    }

    /** {@code src} as the reader's two views; a class rather than method references: a fresh JVM's lambdas cost ms. */
    private record SourceReader(RangeSource src) implements Reader, Size {
        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            src.read(position, dst);
        }

        @Override
        public long size() throws IOException {
            return src.size();
        }
    }

    @FunctionalInterface
    private interface Reader {
        void read(long position, ByteBuffer dst) throws IOException, FormatException;
    }

    @FunctionalInterface
    private interface Size {
        long size() throws IOException;
    }

    private static SnapshotLayout read(long knownSize, Reader in, Size sizeOf, int tailBytes, Sha256 sha)
            throws IOException, FormatException {
        if (knownSize >= 0 && knownSize < FormatV1.HEADER_SIZE + FormatV1.FOOTER_SIZE) {
            throw new FormatException("file is " + knownSize + " bytes, too short to be a snapshot (truncated?)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate(FormatV1.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try {
            in.read(0, headerBytes);
        } catch (java.io.EOFException e) {
            throw new FormatException("too short to be a snapshot (truncated?): " + e.getMessage());
        }
        headerBytes.flip();
        long fileSize = knownSize >= 0 ? knownSize : sizeOf.size();
        if (fileSize < FormatV1.HEADER_SIZE + FormatV1.FOOTER_SIZE) {
            throw new FormatException("file is " + fileSize + " bytes, too short to be a snapshot (truncated?)");
        }
        FormatV1.Header header = FormatV1.decodeHeader(headerBytes);
        // the tail: footer and (usually) every section, one read
        long tailStart = Math.max(FormatV1.HEADER_SIZE, fileSize - Math.max(tailBytes, FormatV1.FOOTER_SIZE));
        int tailLength = (int) (fileSize - tailStart);
        ByteBuffer scratch = Spare.TAIL.take(tailLength);
        try {
            ByteBuffer tail = scratch.clear().limit(tailLength).slice().order(ByteOrder.LITTLE_ENDIAN);
            readInto(in, tailStart, tail);
            return finish(header, headerBytes, fileSize, tail.flip(), tailStart, in, sha);
        } finally {
            Spare.TAIL.give(scratch); // finish() kept no view of it: what it keeps, it copied
        }
    }

    /**
     * A direct buffer kept between opens: a fresh one per open was memory that only a garbage
     * collection gives back, so an application opening snapshot after snapshot without allocating
     * much got fresh pages from the kernel every time (on this project's VM each fresh 4 KiB page
     * costs 1 µs and more: 1 ms of a 16 GiB snapshot's 1.5 ms open + map went to the 320 KiB of
     * index read into a new buffer). Two opens at once: the second allocates its own. What a
     * snapshot keeps is copied out of it, to the heap (whose pages a running JVM has touched before).
     */
    private static final class Spare {
        /** The tail read of local files ({@value #TAIL_READ} bytes). */
        static final Spare TAIL = new Spare(TAIL_READ, TAIL_READ);
        /** The sections of a snapshot whose index does not fit in the tail; kept up to 16 MiB. */
        static final Spare SECTIONS = new Spare(0, 16 << 20);

        private final java.util.concurrent.atomic.AtomicReference<ByteBuffer> spare =
                new java.util.concurrent.atomic.AtomicReference<>();
        private final int least;
        private final int most;

        private Spare(int least, int most) {
            this.least = least;
            this.most = most;
        }

        /** The spare buffer when it holds {@code length} bytes, else a new one; position 0, limit its capacity. */
        ByteBuffer take(int length) {
            ByteBuffer b = spare.getAndSet(null);
            return (b != null && b.capacity() >= length ? b : ByteBuffer.allocateDirect(Math.max(length, least))).clear();
        }

        /** Keeps {@code b} for the next {@link #take} (not when larger than this spare keeps). */
        void give(ByteBuffer b) {
            if (b.capacity() <= most) {
                spare.set(b);
            }
        }
    }

    /** The checks and sections after the header and the tail ({@code [tailStart, fileSize)}) are read. */
    private static SnapshotLayout finish(FormatV1.Header header, ByteBuffer headerBytes, long fileSize, ByteBuffer tail,
                                         long tailStart, Reader in, Sha256 sha) throws IOException, FormatException {
        FormatV1.Footer footer = FormatV1.decodeFooter(tail.duplicate().position(tail.limit() - FormatV1.FOOTER_SIZE));
        checkSections(header, footer, fileSize);
        // the sections back to back from the index's start: what the tail missed, then the tail
        ByteBuffer spare = null; // the sections' buffer when the tail did not hold them: given back at the end
        try {
            ByteBuffer sections;
            long sectionsStart = footer.indexOffset();
            if (sectionsStart >= tailStart) {
                sections = tail.duplicate().position((int) (sectionsStart - tailStart)).slice().order(ByteOrder.LITTLE_ENDIAN);
            } else {
                long total = fileSize - sectionsStart;
                if (total > Integer.MAX_VALUE - 8) {
                    throw new FormatException("index, metadata and profile take " + total + " bytes, more than a reader holds");
                }
                spare = Spare.SECTIONS.take((int) total);
                sections = spare.duplicate().limit((int) total).slice().order(ByteOrder.LITTLE_ENDIAN);
                sections.limit((int) (tailStart - sectionsStart));
                readInto(in, sectionsStart, sections);
                sections.limit(sections.capacity());
                sections.put(tail.duplicate());
                sections.flip();
            }
            // checked where it was read (direct for a local file: the native digest reads it in place),
            // kept as a heap copy: no fresh native memory per open
            int from = (int) (footer.indexOffset() - sectionsStart);
            ByteBuffer indexView = sections.duplicate().position(from).limit(from + (int) footer.indexLength()).slice();
            ChunkIndex index = new ChunkIndex(section(sections, sectionsStart, footer.indexOffset(), footer.indexLength(), false));
            IndexCheck check = IndexCheck.of(index, indexView, header, headerBytes, footer, sha);
            byte[] d = check.digest();

            ByteBuffer meta = section(sections, sectionsStart, footer.metaOffset(), footer.metaLength(), false);
            if (FormatV1.crc(meta) != footer.metaCrc()) {
                throw new FormatException("metadata checksum mismatch");
            }
            Map<String, String> metadata = Metadata.decode(meta);
            int[] profile = new int[0];
            if (footer.profileLength() > 0) {
                ByteBuffer prof = section(sections, sectionsStart, footer.profileOffset(), footer.profileLength(), false);
                if (FormatV1.crc(prof) != footer.profileCrc()) {
                    throw new FormatException("profile checksum mismatch");
                }
                profile = Profile.decode(prof, header.chunkCount());
            }
            return new SnapshotLayout(header, footer, index, metadata, profile, HexFormat.of().formatHex(d),
                    check.summary().storedBytes(), check.summary().maxStoredLength(), check.summary().codecMask());
        } finally {
            if (spare != null) {
                Spare.SECTIONS.give(spare); // nothing kept a view of it: what the layout keeps, it copied
            }
        }
    }

    /** Section [off, off + len) of the sections read from {@code start}: a copy (direct when asked). */
    private static ByteBuffer section(ByteBuffer sections, long start, long off, long len, boolean direct) {
        int from = (int) (off - start);
        ByteBuffer src = sections.duplicate().position(from).limit(from + (int) len);
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect((int) len) : ByteBuffer.allocate((int) len)).order(ByteOrder.LITTLE_ENDIAN);
        return b.put(src).flip();
    }

    /**
     * The bytes a writer puts around its payloads, encoded together so that the footer's offsets,
     * lengths, CRCs and digest agree with the sections: the header (at offset 0), then at
     * {@code indexOffset} the index (the writer's own buffer, not copied), metadata, profile (null
     * when absent) and footer, back to back.
     *
     * @param digest the snapshot digest
     */
    public record Trailer(ByteBuffer header, ByteBuffer metadata, ByteBuffer profile, ByteBuffer footer, byte[] digest) {
    }

    /**
     * Encodes the header and the sections after an index of {@code index.remaining()} bytes
     * written at {@code indexOffset} (right after the last payload).
     *
     * @param profile chunk ids in first-touch order, or null for no profile section
     */
    public static Trailer encodeTrailer(FormatV1.Header header, ByteBuffer index, long indexOffset,
                                        Map<String, String> metadata, int[] profile) {
        ByteBuffer h = FormatV1.encodeHeader(header);
        byte[] digest = FormatV1.digest(h, index);
        ByteBuffer meta = Metadata.encode(metadata);
        long metaOffset = indexOffset + index.remaining();
        ByteBuffer prof = profile == null ? null : Profile.encode(profile);
        long profOffset = prof == null ? 0 : metaOffset + meta.remaining();
        ByteBuffer footer = FormatV1.encodeFooter(new FormatV1.Footer(indexOffset, index.remaining(), metaOffset,
                meta.remaining(), profOffset, prof == null ? 0 : prof.remaining(), FormatV1.crc(index),
                FormatV1.crc(meta), prof == null ? 0 : FormatV1.crc(prof), digest));
        return new Trailer(h, meta, prof, footer, digest);
    }

    /**
     * Section geometry: each inside the file after the header; index, metadata, (profile) and
     * footer back to back in that order; lengths consistent with the header and within limits.
     */
    static void checkSections(FormatV1.Header header, FormatV1.Footer footer, long fileSize) throws FormatException {
        long count = header.chunkCount();
        long sectionsEnd = fileSize - FormatV1.FOOTER_SIZE;
        boolean hasProfile = footer.profileLength() != 0 || footer.profileOffset() != 0;
        checkSection("index", footer.indexOffset(), footer.indexLength(), sectionsEnd);
        checkSection("metadata", footer.metaOffset(), footer.metaLength(), sectionsEnd);
        if (hasProfile) {
            checkSection("profile", footer.profileOffset(), footer.profileLength(), sectionsEnd);
        }
        if (count > FormatV1.MAX_INDEX_BYTES / ChunkIndex.ENTRY_SIZE) {
            throw new FormatException("absurd chunk count " + count + " (index would exceed 2 GiB)");
        }
        if (footer.indexLength() != count * ChunkIndex.ENTRY_SIZE) {
            throw new FormatException("index length " + footer.indexLength() + " does not match " + count + " chunks");
        }
        if (footer.metaLength() < 4 || footer.metaLength() > FormatV1.MAX_META_BYTES) {
            throw new FormatException("metadata length " + footer.metaLength() + " outside 4.." + FormatV1.MAX_META_BYTES);
        }
        if (hasProfile && (footer.profileLength() < 4 || footer.profileLength() > FormatV1.MAX_INDEX_BYTES)) {
            throw new FormatException("profile length " + footer.profileLength() + " outside 4.." + FormatV1.MAX_INDEX_BYTES);
        }
        if (overlaps(footer.indexOffset(), footer.indexLength(), footer.metaOffset(), footer.metaLength())
                || overlaps(footer.indexOffset(), footer.indexLength(), footer.profileOffset(), footer.profileLength())
                || overlaps(footer.metaOffset(), footer.metaLength(), footer.profileOffset(), footer.profileLength())) {
            throw new FormatException("index, metadata and profile sections overlap");
        }
        long metaEnd = footer.metaOffset() + footer.metaLength();
        if (footer.metaOffset() != footer.indexOffset() + footer.indexLength()
                || (hasProfile ? footer.profileOffset() != metaEnd
                        || footer.profileOffset() + footer.profileLength() != sectionsEnd
                        : metaEnd != sectionsEnd)) {
            throw new FormatException("sections are not back to back (index at " + footer.indexOffset() + " +"
                    + footer.indexLength() + ", metadata at " + footer.metaOffset() + " +" + footer.metaLength()
                    + (hasProfile ? ", profile at " + footer.profileOffset() + " +" + footer.profileLength() : "")
                    + ", footer at " + sectionsEnd + ")");
        }
    }

    private static void checkSection(String name, long off, long len, long end) throws FormatException {
        if (off < FormatV1.HEADER_SIZE || len < 0 || off > end || len > end - off) {
            throw new FormatException(name + " section [" + off + ", +" + len + ") lies outside the file's "
                    + FormatV1.HEADER_SIZE + ".." + end + " (truncated or corrupt footer)");
        }
    }

    private static boolean overlaps(long a, long alen, long b, long blen) {
        return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
    }

    private static ByteBuffer readAt(Reader in, long pos, int len, boolean direct) throws IOException, FormatException {
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(len) : ByteBuffer.allocate(len)).order(ByteOrder.LITTLE_ENDIAN);
        readInto(in, pos, b);
        return b.flip();
    }

    private static void readInto(Reader in, long pos, ByteBuffer b) throws IOException, FormatException {
        try {
            in.read(pos, b);
        } catch (java.io.EOFException e) {
            throw new FormatException("unexpected end of file at offset " + (pos + b.position()) + " (truncated?)");
        }
    }
}
