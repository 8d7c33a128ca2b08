package dev.snapstore.store;

import static dev.snapstore.store.PayloadPlacement.DEDUP_MARK;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

import dev.snapstore.store.format.ChunkCodecs;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.ContentHash;
import dev.snapstore.store.PayloadPlacement.Aborted;
import dev.snapstore.store.PayloadPlacement.HashKey;
import dev.snapstore.store.PayloadPlacement.Offer;
import dev.snapstore.store.PayloadPlacement.Placed;
import dev.snapstore.store.PayloadPlacement.Turn;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.store.format.SnapshotLayout;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * Packs a file, a stream or a native memory range into a snapshot (format v2, docs/FORMAT.md).
 *
 * <p>Chunks are checked for zeros, hashed and compressed on {@code threads} worker threads, in
 * place where the input is addressable (native memory), or read straight into the chunk's input
 * buffer (a file, with a positional read). Each worker then offers its chunk for its place in the
 * file (chunk order) and goes on without waiting for its turn; whichever worker completes the
 * sequence up to a chunk writes that chunk's payload there; the calling thread only builds the
 * index, so memory stays bounded by about {@code 2 * threads + 2} chunks whatever the input's
 * size. Identical chunks are stored once and all-zero chunks not at all. The snapshot is written
 * to a temporary file beside {@code out} and renamed into place only when complete, so a failed
 * write never leaves a half snapshot behind.
 *
 * <p>A built writer is immutable and thread-safe; each {@code write} call uses its own threads.
 *
 * <p>(Why one file of this length: the inputs, the bounded slots, the workers and the sink that
 * builds the index are one pipeline whose memory bound and failure handling hold only together;
 * the chunk-order placement of payloads lives apart, in {@code PayloadPlacement}.)
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

    /**
     * Packs a file. Each worker reads its chunk with a positional read straight into the chunk's
     * direct input buffer (one copy, from the page cache). The input is deliberately not mapped:
     * the codecs read their input from native code, where a mapped file truncated under them would
     * crash the JVM instead of failing the pack. A file that shrinks while it is packed fails with
     * an {@link IOException} naming it, and so does one whose size changed by the end (before the
     * snapshot is renamed into place).
     */
    public WriteResult write(Path input, Path out) throws IOException {
        try (SnapshotOutput o = SnapshotOutput.toFile(out)) {
            return write(input, o);
        }
    }

    /** Packs a file into {@code out} (committed when the pack succeeds), as {@link #write(Path, Path)}. */
    public WriteResult write(Path input, SnapshotOutput out) throws IOException {
        try (FileChannel in = FileChannel.open(input, StandardOpenOption.READ)) {
            FileInput file = new FileInput(input, in);
            return run(new Source(file.length, file::chunk, file), null, out, input.getFileName().toString());
        }
    }

    /** Packs a stream of unknown length; it is read by the calling thread. */
    public WriteResult write(InputStream in, Path out, String sourceName) throws IOException {
        Objects.requireNonNull(in, "in");
        try (SnapshotOutput o = SnapshotOutput.toFile(out)) {
            return run(null, in, o, sourceName);
        }
    }

    /** Packs a stream of unknown length into {@code out} (committed when the pack succeeds). */
    public WriteResult write(InputStream in, SnapshotOutput out, String sourceName) throws IOException {
        Objects.requireNonNull(in, "in");
        return run(null, in, out, sourceName);
    }

    /** Packs {@code length} bytes of native memory at {@code address} (read in place); the memory must stay valid. */
    public WriteResult write(long address, long length, Path out) throws IOException {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        Source src = new Source(length, (offset, n, scratch) -> DirectBuffers.wrap(address + offset, n));
        return run(src, null, out, "memory@0x" + Long.toHexString(address));
    }

    /** Packs the readable bytes of a Chronicle store (native or heap). */
    public WriteResult write(BytesStore<?, ?> store, Path out) throws IOException {
        long start = store.readPosition();
        long length = store.readRemaining();
        if (store.isDirectMemory()) {
            return write(store.addressForRead(start), length, out);
        }
        Source src = new Source(length, (offset, n, scratch) -> {
            byte[] tmp = new byte[n];
            long got = store.read(start + offset, tmp, 0, n);
            if (got != n) {
                throw new IllegalStateException("store shrank while it was being packed");
            }
            return scratch.get().clear().put(tmp).flip();
        });
        return run(src, null, out, "bytes-store");
    }

    /**
     * A random-access input of {@code length} bytes read by the workers.
     *
     * @param file the file behind {@code reader}, or null
     */
    private record Source(long length, Reader reader, FileInput file) {
        Source(long length, Reader reader) {
            this(length, reader, null);
        }

        interface Reader {
            /**
             * The {@code n} bytes at {@code offset} as a direct buffer at absolute index 0: a view
             * of the input where it is addressable, else {@code scratch}'s buffer filled with them.
             */
            ByteBuffer chunk(long offset, int n, Supplier<ByteBuffer> scratch) throws IOException;
        }
    }

    /** A file read by the workers with positional reads; its size is checked again at the end. */
    private static final class FileInput {
        private final Path path;
        private final FileChannel ch;
        final long length;

        FileInput(Path path, FileChannel ch) throws IOException {
            this.path = path;
            this.ch = ch;
            this.length = ch.size();
        }

        ByteBuffer chunk(long offset, int n, Supplier<ByteBuffer> scratch) throws IOException {
            ByteBuffer b = scratch.get().clear().limit(n);
            long at = offset;
            while (b.hasRemaining()) {
                int got = ch.read(b, at);
                if (got < 0) {
                    throw new IOException(path + ": input shrank while it was being packed (ends at " + at
                            + " bytes, " + length + " expected)");
                }
                at += got;
            }
            return b.flip();
        }

        /** Fails when the file's size is no longer the one that was packed. */
        void checkUnchanged() throws IOException {
            long now = ch.size();
            if (now != length) {
                throw new IOException(path + ": input changed size while it was being packed (" + length
                        + " bytes, now " + now + ")");
            }
        }
    }

    /** A chunk's buffers: raw input (only for inputs that are not addressable) and compressed output. */
    private static final class Slot {
        private final int chunkSize;
        private ByteBuffer raw;
        final ByteBuffer out;

        Slot(int chunkSize, int outSize) {
            this.chunkSize = chunkSize;
            out = ByteBuffer.allocateDirect(outSize).order(ByteOrder.LITTLE_ENDIAN);
        }

        ByteBuffer raw() {
            if (raw == null) {
                raw = ByteBuffer.allocateDirect(chunkSize).order(ByteOrder.LITTLE_ENDIAN);
            }
            return raw;
        }
    }

    /** A worker's answer for one chunk: its index entry, as placed. */
    private record Done(int chunk, int length, long offset, int stored, int codecId, int flags, int crc, long lo, long hi,
                        Slot slot) {
    }

    /**
     * A chunk hashed and compressed, waiting for its place: its payload (null for a zero chunk;
     * {@code asRaw}: the input itself), and the future the calling thread waits on.
     */
    private record Ready(int chunk, int length, int crc, long lo, long hi, ByteBuffer payload, int codecId, Slot slot,
                         CompletableFuture<Done> done) {
    }

    private WriteResult run(Source source, InputStream stream, Path out, String sourceName) throws IOException {
        try (SnapshotOutput o = SnapshotOutput.toFile(out)) {
            return run(source, stream, o, sourceName);
        }
    }

    private WriteResult run(Source source, InputStream stream, SnapshotOutput ch, String sourceName) throws IOException {
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
        PayloadPlacement<Ready> placement = new PayloadPlacement<>();
        ConcurrentLinkedQueue<ChunkCodecs.Compressor> compressors = new ConcurrentLinkedQueue<>();
        ThreadLocal<ChunkCodecs.Compressor> compressor = ThreadLocal.withInitial(() -> {
            ChunkCodecs.Compressor c = new ChunkCodecs.Compressor(codec, level);
            compressors.add(c);
            return c;
        });

        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "snapstore-pack");
            t.setDaemon(true);
            return t;
        });
        try {
            Sink sink = new Sink(knownLength, chunkShift);
            ArrayDeque<CompletableFuture<Done>> inflight = new ArrayDeque<>();
            int chunk = 0;
            long consumed = 0;
            boolean eof = false;
            while (!eof) {
                if (source != null && consumed >= knownLength) {
                    break;
                }
                while (free.isEmpty()) {
                    Done d = awaitChunk(inflight.poll());
                    sink.accept(d, source);
                    progress.progress(sink.logical, knownLength);
                    free.add(d.slot());
                }
                Slot slot = free.poll();
                final int c = chunk;
                final long offset = consumed;
                final int n;
                if (source == null) {
                    ByteBuffer r = slot.raw().clear();
                    n = readFully(stream, r, chunkSize);
                    if (n == 0) {
                        free.add(slot);
                        break;
                    }
                    eof = n < chunkSize;
                } else {
                    n = (int) Math.min(chunkSize, knownLength - consumed);
                }
                consumed += n;
                chunk++;
                CompletableFuture<Done> done = new CompletableFuture<>();
                inflight.add(done);
                pool.execute(() -> {
                    try {
                        work(source, c, offset, n, slot, zeros, placement, compressor.get(), ch, done);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                        fail(placement, t);
                    }
                });
            }
            while (!inflight.isEmpty()) {
                Done d = awaitChunk(inflight.poll());
                sink.accept(d, source);
                progress.progress(sink.logical, knownLength);
            }
            if (profile != null) {
                checkProfile(sink.chunks);
            }
            if (source != null && source.file() != null) {
                source.file().checkUnchanged();
            }
            WriteResult result = sink.finish(ch, placement.end(), metadata(sourceName), profile, t0);
            ch.commit();
            return result;
        } finally {
            // Workers compress with the compressors and into the slots: wait until none runs
            // before the compressors' native contexts are freed (a failed write leaves some busy).
            fail(placement, new IOException("pack ended"));
            Workers.shutdownAndWait(pool);
            for (ChunkCodecs.Compressor c : compressors) {
                c.close();
            }
        }
    }

    /**
     * A chunk's result; when the chunk only gave up because another one failed first, that first
     * failure is what the caller gets (workers finish out of order, the caller waits in order).
     */
    private static Done awaitChunk(Future<Done> f) throws IOException {
        try {
            return Workers.await(f);
        } catch (Aborted a) {
            Throwable first = a.getCause();
            if (first instanceof IOException io) {
                throw io;
            }
            if (first instanceof RuntimeException re) {
                throw re;
            }
            if (first instanceof Error er) {
                throw er;
            }
            throw a;
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

    /**
     * One chunk, on a worker: zero check, CRC32C and one content-hash pass over the input in
     * place, compression into the slot, then offered for its place in the file (in chunk order);
     * this worker writes the payloads of the chunks its offer placed, and completes their futures.
     */
    private void work(Source source, int chunk, long offset, int n, Slot slot, ByteBuffer zeros,
                      PayloadPlacement<Ready> placement, ChunkCodecs.Compressor compressor, SnapshotOutput ch,
                      CompletableFuture<Done> done) throws IOException {
        ByteBuffer raw = source == null ? slot.raw().duplicate().clear().limit(n).slice()
                : source.reader().chunk(offset, n, slot::raw);
        ByteBuffer whole = raw.duplicate().clear().limit(n);
        boolean zero = whole.mismatch(zeros.duplicate().clear().limit(n)) == -1;
        CRC32C crc32c = new CRC32C();
        crc32c.update(whole.duplicate());
        int crc = (int) crc32c.getValue();
        Offer<Ready> offer;
        if (zero) {
            offer = new Offer<>(chunk, null, 0, Codec.NONE.id(), new Ready(chunk, n, crc, 0, 0, null, 0, slot, done));
        } else {
            long[] h = new long[2];
            ContentHash.hash(FormatV1.VERSION, raw, n, h);
            HashKey key = new HashKey(h[0], h[1], n);
            int stored = placement.known(key) ? -2 : compressor.compress(raw, n, slot.out);
            boolean asRaw = stored == -1;
            int codecId = asRaw ? Codec.NONE.id() : codec.id();
            ByteBuffer payload = stored == -2 ? null : asRaw ? whole : slot.out.duplicate().clear().limit(stored);
            offer = new Offer<>(chunk, key, asRaw ? n : stored, codecId,
                    new Ready(chunk, n, crc, h[0], h[1], payload, codecId, slot, done));
        }
        List<Turn<Ready>> turns = placement.offer(offer);
        for (int i = 0; i < turns.size(); i++) {
            Ready r = turns.get(i).item();
            try {
                r.done().complete(write(r, turns.get(i).placed(), ch));
            } catch (Throwable t) {
                r.done().completeExceptionally(t);
                Aborted later = new Aborted(t);
                for (int j = i + 1; j < turns.size(); j++) {
                    turns.get(j).item().done().completeExceptionally(later);
                }
                fail(placement, t);
                return;
            }
        }
    }

    /** Writes a placed chunk's payload (unless it has none: zero or duplicate) and makes its index entry. */
    private static Done write(Ready r, Placed p, SnapshotOutput ch) throws IOException {
        if (p.offset() < 0) {
            return new Done(r.chunk(), r.length(), 0, 0, Codec.NONE.id(), ChunkIndex.FLAG_ZERO, r.crc(), 0, 0, r.slot());
        }
        if ((p.codecId() & DEDUP_MARK) != 0) {
            return new Done(r.chunk(), r.length(), p.offset(), p.stored(), p.codecId() & ~DEDUP_MARK, ChunkIndex.FLAG_DEDUP,
                    r.crc(), r.lo(), r.hi(), r.slot());
        }
        ByteBuffer payload = r.payload().duplicate();
        long at = p.offset();
        while (payload.hasRemaining()) {
            at += ch.write(payload, at);
        }
        return new Done(r.chunk(), r.length(), p.offset(), p.stored(), r.codecId(), 0, r.crc(), r.lo(), r.hi(), r.slot());
    }

    /** Aborts the sequence with {@code t} and fails the chunks that were waiting for their place. */
    private static void fail(PayloadPlacement<Ready> placement, Throwable t) {
        List<Ready> left = placement.abort(t);
        if (!left.isEmpty()) {
            Aborted a = new Aborted(t);
            for (Ready r : left) {
                r.done().completeExceptionally(a);
            }
        }
    }

    /** The in-order index builder; used by the calling thread only. */
    private final class Sink {
        private final int shift;
        private ByteBuffer index;
        private long logical;
        private int chunks;
        private int zeroChunks;
        private int dedupChunks;
        private long storedBytes;

        Sink(long knownLength, int shift) {
            this.shift = shift;
            long count = knownLength < 0 ? 1024 : FormatV1.chunkCount(knownLength, shift);
            if (count * ChunkIndex.ENTRY_SIZE > FormatV1.MAX_INDEX_BYTES) {
                throw new IllegalArgumentException("input of " + knownLength + " bytes needs " + count
                        + " chunks; use a larger chunk size");
            }
            this.index = ByteBuffer.allocate((int) Math.max(count, 1) * ChunkIndex.ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        }

        void accept(Done d, Source source) {
            if (d.chunk() != chunks) {
                throw new IllegalStateException("chunk " + d.chunk() + " arrived out of order (expected " + chunks + ")");
            }
            ensureIndexRoom();
            ChunkIndex.put(index, chunks, d.offset(), d.stored(), d.length(), d.codecId(), d.flags(), d.crc(), d.lo(), d.hi());
            if (d.flags() == ChunkIndex.FLAG_ZERO) {
                zeroChunks++;
            } else if (d.flags() == ChunkIndex.FLAG_DEDUP) {
                dedupChunks++;
            } else {
                storedBytes += d.stored();
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

        WriteResult finish(SnapshotOutput ch, long dataEnd, Map<String, String> meta, int[] prof, long t0) throws IOException {
            ByteBuffer idx = index.duplicate().position(0).limit(chunks * ChunkIndex.ENTRY_SIZE).slice();
            SnapshotLayout.Trailer t = SnapshotLayout.encodeTrailer(
                    new FormatV1.Header(FormatV1.VERSION, shift, logical, chunks, 0), idx, dataEnd, meta, prof);
            long position = dataEnd;
            for (ByteBuffer section : new ByteBuffer[] {idx, t.metadata(), t.profile(), t.footer()}) {
                if (section != null) {
                    position += writeAll(ch, section.duplicate(), position);
                }
            }
            writeAll(ch, t.header(), 0);
            return new WriteResult(logical, chunks, zeroChunks, dedupChunks, storedBytes, position,
                    HexFormat.of().formatHex(t.digest()), System.nanoTime() - t0);
        }

        private int writeAll(SnapshotOutput ch, ByteBuffer b, long at) throws IOException {
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
