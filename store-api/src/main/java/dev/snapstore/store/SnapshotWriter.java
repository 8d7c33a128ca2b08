package dev.snapstore.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

import dev.snapstore.store.format.ChunkCodecs;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.ContentHash;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.store.format.SnapshotLayout;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * Packs a file, a stream or a native memory range into a snapshot (format v1, docs/FORMAT.md).
 *
 * <p>Chunks are read, checked for zeros, hashed and compressed on {@code threads} worker threads;
 * one thread appends them in order, so memory stays bounded by about
 * {@code 2 * threads + 2} chunks whatever the input's size. Identical chunks are stored once and
 * all-zero chunks not at all. The snapshot is written to a temporary file beside {@code out} and
 * renamed into place only when complete, so a failed write never leaves a half snapshot behind.
 *
 * <p>A built writer is immutable and thread-safe; each {@code write} call uses its own threads.
 */
public final class SnapshotWriter {
    private final Codec codec;
    private final int level;
    private final int chunkShift;
    private final int threads;
    private final ProgressListener progress;
    private final Map<String, String> metadata;
    private final int[] profile;

    private SnapshotWriter(Builder b) {
        this.codec = b.codec;
        this.level = b.level == null ? ChunkCodecs.defaultLevel(b.codec) : b.level;
        ChunkCodecs.checkLevel(codec, level);
        this.chunkShift = b.chunkShift;
        this.threads = b.threads;
        this.progress = b.progress;
        this.metadata = new LinkedHashMap<>(b.metadata);
        this.profile = b.profile == null ? null : b.profile.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What a write produced.
     *
     * @param logicalBytes bytes of the image
     * @param chunks       chunks in the index
     * @param zeroChunks   all-zero chunks (no payload)
     * @param dedupChunks  chunks sharing an earlier chunk's payload
     * @param storedBytes  payload bytes written
     * @param fileBytes    size of the snapshot file
     * @param digest       the snapshot's digest (hex)
     * @param nanos        wall time of the write
     */
    public record WriteResult(long logicalBytes, int chunks, int zeroChunks, int dedupChunks,
                              long storedBytes, long fileBytes, String digest, long nanos) {
        /** logical / stored size of the whole file. */
        public double ratio() {
            return fileBytes == 0 ? 0 : (double) logicalBytes / fileBytes;
        }
    }

    /** Packs a file (read with positional reads from all worker threads). */
    public WriteResult write(Path input, Path out) throws IOException {
        try (FileChannel in = FileChannel.open(input, StandardOpenOption.READ)) {
            long length = in.size();
            Source src = new Source(length, (offset, dst) -> {
                long pos = offset;
                while (dst.hasRemaining()) {
                    int k = in.read(dst, pos);
                    if (k < 0) {
                        throw new IOException(input + ": input shrank while it was being packed (EOF at " + pos
                                + ", expected " + length + " bytes)");
                    }
                    pos += k;
                }
            });
            return run(src, null, out, input.getFileName().toString());
        }
    }

    /** Packs a stream of unknown length; it is read by the calling thread. */
    public WriteResult write(InputStream in, Path out, String sourceName) throws IOException {
        Objects.requireNonNull(in, "in");
        return run(null, in, out, sourceName);
    }

    /** Packs {@code length} bytes of native memory at {@code address}; the memory must stay valid. */
    public WriteResult write(long address, long length, Path out) throws IOException {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        Source src = new Source(length, (offset, dst) -> dst.put(DirectBuffers.wrap(address + offset, dst.remaining())));
        return run(src, null, out, "memory@0x" + Long.toHexString(address));
    }

    /** Packs the readable bytes of a Chronicle store (native or heap). */
    public WriteResult write(BytesStore<?, ?> store, Path out) throws IOException {
        long start = store.readPosition();
        long length = store.readRemaining();
        if (store.isDirectMemory()) {
            return write(store.addressForRead(start), length, out);
        }
        Source src = new Source(length, (offset, dst) -> {
            byte[] tmp = new byte[dst.remaining()];
            long n = store.read(start + offset, tmp, 0, tmp.length);
            if (n != tmp.length) {
                throw new IllegalStateException("store shrank while it was being packed");
            }
            dst.put(tmp);
        });
        return run(src, null, out, "bytes-store");
    }

    /** A random-access input of {@code length} bytes read by the workers. */
    private record Source(long length, Reader reader) {
        /** Fills {@code dst} (position..limit) with the bytes at {@code offset}. */
        interface Reader {
            void read(long offset, ByteBuffer dst) throws IOException;
        }
    }

    private static final class Slot {
        final ByteBuffer raw;
        final ByteBuffer out;

        Slot(int chunkSize, int outSize) {
            raw = ByteBuffer.allocateDirect(chunkSize).order(ByteOrder.LITTLE_ENDIAN);
            out = ByteBuffer.allocateDirect(outSize).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private record HashKey(long lo, long hi, int length) {
    }

    private record Placed(long offset, int stored, int codecId) {
    }

    /** A worker's answer for one chunk. stored: -1 raw, -2 duplicate (not compressed). */
    private record Done(int chunk, int length, boolean zero, int crc, long lo, long hi, int stored, Slot slot) {
    }

    private WriteResult run(Source source, InputStream stream, Path out, String sourceName) throws IOException {
        long t0 = System.nanoTime();
        int chunkSize = 1 << chunkShift;
        long knownLength = source == null ? -1 : source.length();
        if (profile != null && knownLength >= 0) {
            checkProfile(FormatV1.chunkCount(knownLength, chunkShift));
        }
        int outSize = codec == Codec.NONE ? 1 : ChunkCodecs.maxCompressedLength(codec, chunkSize);
        int slots = 2 * threads + 2;
        ArrayDeque<Slot> free = new ArrayDeque<>();
        for (int i = 0; i < slots; i++) {
            free.add(new Slot(chunkSize, outSize));
        }
        ByteBuffer zeros = ByteBuffer.allocateDirect(chunkSize);
        ConcurrentHashMap<HashKey, Placed> placed = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<ChunkCodecs.Compressor> compressors = new ConcurrentLinkedQueue<>();
        ThreadLocal<ChunkCodecs.Compressor> compressor = ThreadLocal.withInitial(() -> {
            ChunkCodecs.Compressor c = new ChunkCodecs.Compressor(codec, level);
            compressors.add(c);
            return c;
        });

        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".partial");
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "snapstore-pack");
            t.setDaemon(true);
            return t;
        });
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            Sink sink = new Sink(ch, placed, knownLength, chunkShift);
            ArrayDeque<Future<Done>> inflight = new ArrayDeque<>();
            int chunk = 0;
            long consumed = 0;
            boolean eof = false;
            while (!eof) {
                if (source != null && consumed >= knownLength) {
                    break;
                }
                while (free.isEmpty()) {
                    Done d = Workers.await(inflight.poll());
                    sink.accept(d);
                    progress.progress(sink.logical, knownLength);
                    free.add(d.slot());
                }
                Slot slot = free.poll();
                final int c = chunk;
                final long offset = consumed;
                final int n;
                final boolean preloaded;
                if (source == null) {
                    ByteBuffer r = slot.raw.clear();
                    n = readFully(stream, r, chunkSize);
                    if (n == 0) {
                        free.add(slot);
                        break;
                    }
                    eof = n < chunkSize;
                    preloaded = true;
                } else {
                    n = (int) Math.min(chunkSize, knownLength - consumed);
                    preloaded = false;
                }
                consumed += n;
                chunk++;
                inflight.add(pool.submit(() -> work(source, preloaded, c, offset, n, slot, zeros, placed, compressor.get())));
            }
            while (!inflight.isEmpty()) {
                Done d = Workers.await(inflight.poll());
                sink.accept(d);
                progress.progress(sink.logical, knownLength);
            }
            if (profile != null) {
                checkProfile(sink.chunks);
            }
            WriteResult result = sink.finish(metadata(sourceName), profile, t0);
            ch.force(true);
            ok = true;
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return result;
        } finally {
            // Workers compress with the compressors and into the slots: wait until none runs
            // before the compressors' native contexts are freed (a failed write leaves some busy).
            Workers.shutdownAndWait(pool);
            for (ChunkCodecs.Compressor c : compressors) {
                c.close();
            }
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private Map<String, String> metadata(String sourceName) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("source", sourceName);
        m.put("created", Instant.now().toString());
        m.put("codec", codec.name().toLowerCase());
        m.put("level", Integer.toString(level));
        m.putAll(metadata);
        return m;
    }

    private void checkProfile(long chunks) {
        for (int id : profile) {
            if (id < 0 || id >= chunks) {
                throw new IllegalArgumentException("profile names chunk " + id + " but the image has " + chunks + " chunks");
            }
        }
    }

    private static int readFully(InputStream in, ByteBuffer dst, int max) throws IOException {
        byte[] buf = new byte[Math.min(max, 1 << 20)];
        int total = 0;
        while (total < max) {
            int k = in.read(buf, 0, Math.min(buf.length, max - total));
            if (k < 0) {
                break;
            }
            dst.put(buf, 0, k);
            total += k;
        }
        return total;
    }

    private Done work(Source source, boolean preloaded, int chunk, long offset, int n, Slot slot, ByteBuffer zeros,
                      Map<HashKey, Placed> placed, ChunkCodecs.Compressor compressor) throws IOException {
        ByteBuffer raw = slot.raw.clear().limit(n);
        if (!preloaded) {
            source.reader().read(offset, raw);
            raw.flip();
        }
        ByteBuffer whole = raw.duplicate().position(0).limit(n);
        boolean zero = whole.mismatch(zeros.duplicate().position(0).limit(n)) == -1;
        CRC32C crc = new CRC32C();
        crc.update(whole.duplicate());
        int c = (int) crc.getValue();
        if (zero) {
            return new Done(chunk, n, true, c, 0, 0, -1, slot);
        }
        long lo = ContentHash.lo(raw, n);
        long hi = ContentHash.hi(raw, n);
        int stored;
        if (placed.containsKey(new HashKey(lo, hi, n))) {
            stored = -2;
        } else {
            stored = compressor.compress(raw, n, slot.out);
        }
        return new Done(chunk, n, false, c, lo, hi, stored, slot);
    }

    /** The in-order appender; used by the calling thread only. */
    private final class Sink {
        private final FileChannel ch;
        private final Map<HashKey, Placed> placed;
        private final int shift;
        private ByteBuffer index;
        private long position = FormatV1.HEADER_SIZE;
        private long logical;
        private int chunks;
        private int zeroChunks;
        private int dedupChunks;
        private long storedBytes;

        Sink(FileChannel ch, Map<HashKey, Placed> placed, long knownLength, int shift) {
            this.ch = ch;
            this.placed = placed;
            this.shift = shift;
            long count = knownLength < 0 ? 1024 : FormatV1.chunkCount(knownLength, shift);
            if (count * ChunkIndex.ENTRY_SIZE > FormatV1.MAX_INDEX_BYTES) {
                throw new IllegalArgumentException("input of " + knownLength + " bytes needs " + count
                        + " chunks; use a larger chunk size");
            }
            this.index = ByteBuffer.allocate((int) Math.max(count, 1) * ChunkIndex.ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        }

        void accept(Done d) throws IOException {
            if (d.chunk() != chunks) {
                throw new IllegalStateException("chunk " + d.chunk() + " arrived out of order (expected " + chunks + ")");
            }
            ensureIndexRoom();
            if (d.zero()) {
                ChunkIndex.put(index, chunks, 0, 0, d.length(), Codec.NONE.id(), ChunkIndex.FLAG_ZERO, d.crc(), 0, 0);
                zeroChunks++;
            } else {
                HashKey key = new HashKey(d.lo(), d.hi(), d.length());
                Placed p = placed.get(key);
                if (p != null) {
                    ChunkIndex.put(index, chunks, p.offset(), p.stored(), d.length(), p.codecId(), ChunkIndex.FLAG_DEDUP,
                            d.crc(), d.lo(), d.hi());
                    dedupChunks++;
                } else {
                    if (d.stored() == -2) {
                        throw new IllegalStateException("chunk " + d.chunk() + " skipped as a duplicate of nothing");
                    }
                    boolean raw = d.stored() < 0;
                    ByteBuffer payload = (raw ? d.slot().raw : d.slot().out).duplicate().position(0)
                            .limit(raw ? d.length() : d.stored());
                    int len = payload.remaining();
                    long at = position;
                    while (payload.hasRemaining()) {
                        position += ch.write(payload, position);
                    }
                    int codecId = raw ? Codec.NONE.id() : codec.id();
                    placed.put(key, new Placed(at, len, codecId));
                    ChunkIndex.put(index, chunks, at, len, d.length(), codecId, 0, d.crc(), d.lo(), d.hi());
                    storedBytes += len;
                }
            }
            chunks++;
            logical += d.length();
        }

        private void ensureIndexRoom() {
            int need = (chunks + 1) * ChunkIndex.ENTRY_SIZE;
            if (need > index.capacity()) {
                long grown = Math.min((long) index.capacity() * 2, FormatV1.MAX_INDEX_BYTES);
                if (grown < need) {
                    throw new IllegalArgumentException("input too large for chunk size " + (1 << shift)
                            + " (more than " + (FormatV1.MAX_INDEX_BYTES / ChunkIndex.ENTRY_SIZE) + " chunks); use a larger chunk size");
                }
                ByteBuffer b = ByteBuffer.allocate((int) grown).order(ByteOrder.LITTLE_ENDIAN);
                b.put(index.duplicate().position(0).limit(chunks * ChunkIndex.ENTRY_SIZE));
                index = b;
            }
        }

        WriteResult finish(Map<String, String> meta, int[] prof, long t0) throws IOException {
            ByteBuffer idx = index.duplicate().position(0).limit(chunks * ChunkIndex.ENTRY_SIZE).slice();
            SnapshotLayout.Trailer t = SnapshotLayout.encodeTrailer(new FormatV1.Header(shift, logical, chunks, 0),
                    idx, position, meta, prof);
            for (ByteBuffer section : new ByteBuffer[] {idx, t.metadata(), t.profile(), t.footer()}) {
                if (section != null) {
                    position += writeAll(section.duplicate(), position);
                }
            }
            writeAll(t.header(), 0);
            return new WriteResult(logical, chunks, zeroChunks, dedupChunks, storedBytes, position,
                    HexFormat.of().formatHex(t.digest()), System.nanoTime() - t0);
        }

        private int writeAll(ByteBuffer b, long at) throws IOException {
            int n = b.remaining();
            long p = at;
            while (b.hasRemaining()) {
                p += ch.write(b, p);
            }
            return n;
        }
    }

    /** Builder of {@link SnapshotWriter}; not thread-safe. */
    public static final class Builder {
        private Codec codec = Codec.LZ4;
        private Integer level;
        private int chunkShift = FormatV1.DEFAULT_CHUNK_SHIFT;
        private int threads = Runtime.getRuntime().availableProcessors();
        private ProgressListener progress = ProgressListener.NONE;
        private final Map<String, String> metadata = new HashMap<>();
        private int[] profile;

        private Builder() {
        }

        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Compression level: LZ4 1 (fast) or 2..17 (HC); zstd -7..22 (default 3). */
        public Builder level(int level) {
            this.level = level;
            return this;
        }

        /** Chunk size: a power of two from 64 KiB to 64 MiB (default 2 MiB). */
        public Builder chunkSize(int bytes) {
            if (bytes <= 0 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("chunk size must be a power of two: " + bytes);
            }
            int shift = Integer.numberOfTrailingZeros(bytes);
            if (shift < FormatV1.MIN_CHUNK_SHIFT || shift > FormatV1.MAX_CHUNK_SHIFT) {
                throw new IllegalArgumentException("chunk size must be 64 KiB..64 MiB: " + bytes);
            }
            this.chunkShift = shift;
            return this;
        }

        public Builder threads(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("threads must be 1..1024: " + n);
            }
            this.threads = n;
            return this;
        }

        public Builder progress(ProgressListener listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder metadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Chunk ids in first-touch order, stored as the working-set profile. */
        public Builder profile(int[] chunkIds) {
            this.profile = chunkIds.clone();
            return this;
        }

        public SnapshotWriter build() {
            return new SnapshotWriter(this);
        }
    }
}
