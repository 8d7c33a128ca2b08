package dev.snapstore.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import dev.snapstore.store.cache.ChunkCache;
import dev.snapstore.store.format.ChunkCodecs;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.ContentHash;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.store.format.FormatV1.FormatException;
import dev.snapstore.store.format.SnapshotLayout;
import dev.snapstore.store.internal.ParallelChunks;
import dev.snapstore.store.jfr.RegionEvents;
import dev.snapstore.store.source.FileSource;
import dev.snapstore.store.source.RangeSource;
import dev.snapstore.store.source.RangeSourceProvider;
import dev.snapstore.store.spi.RegionProvider;

/**
 * An open snapshot file: its header, index and metadata validated and held in memory, its chunks
 * read on demand. Opening costs one read of the index whatever the snapshot's size.
 *
 * <p>Thread-safe: {@link #read}, {@link #decompressChunk}, {@link #verify} and {@link #map} may be
 * called from many threads at once. Regions created by {@link #map} stay usable after the
 * snapshot is closed only if their mode does not read the file lazily; close regions first.
 */
public final class Snapshot implements AutoCloseable {
    /** Default byte budget of the decompressed-chunk cache used by {@link #read}. */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;

    /** Source of zeros for reads of zero chunks (shared, never written). */
    /** Bytes of a stored chunk read and checked at a time (L2-sized: the check reads them from cache). */
    private static final int CHECK_PIECE = 256 << 10;

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16).asReadOnlyBuffer();

    private final Path path;
    private final String location;
    private final RangeSource source;
    private final long fileSize;
    private final FormatV1.Header header;
    private final ChunkIndex index;
    private final Map<String, String> metadata;
    private final int[] profile;
    private final String digest;
    private final long storedBytes;
    private final int maxStored;
    private final int codecMask;
    private final long cacheBytes;
    /**
     * Made by the first {@link #read} (or {@link #cache()}): building a Caffeine cache loads and
     * initialises some hundred classes, 20 to 100 ms in a fresh JVM, which {@link #open} followed
     * by {@link #map} never needs.
     */
    private volatile ChunkCache cache;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ThreadLocal<ByteBuffer> scratch = new ThreadLocal<>();

    private Snapshot(RangeSource source, long cacheBytes) throws IOException {
        this.source = source;
        this.path = source instanceof FileSource f ? f.path() : null;
        this.location = source.location();
        SnapshotLayout layout;
        try {
            layout = SnapshotLayout.read(source, ProviderSha256.INSTANCE);
        } catch (FormatException e) {
            throw corrupt(e.chunk(), e.getMessage());
        }
        this.fileSize = source.size();
        this.header = layout.header();
        this.index = layout.index();
        this.metadata = layout.metadata();
        this.profile = layout.profile();
        this.digest = layout.digest();
        this.storedBytes = layout.storedBytes();
        this.maxStored = layout.maxStoredLength();
        this.codecMask = layout.codecMask();
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("negative cache budget " + cacheBytes);
        }
        this.cacheBytes = cacheBytes;
    }

    /** Opens and validates a snapshot with the default cache budget. */
    public static Snapshot open(Path file) throws IOException {
        return open(file, DEFAULT_CACHE_BYTES);
    }

    /**
     * Opens and validates a snapshot.
     *
     * @param cacheBytes byte budget of the decompressed-chunk cache behind {@link #read}
     * @throws CorruptSnapshotException when the header, footer, index or metadata is invalid
     * @throws NoSuchFileException      when the file does not exist
     */
    public static Snapshot open(Path file, long cacheBytes) throws IOException {
        EngineStart.begin();
        return open(FileSource.open(file), cacheBytes);
    }

    /** Opens a snapshot by URI with the default cache budget: see {@link #open(URI, long)}. */
    public static Snapshot open(URI uri) throws IOException {
        return open(uri, DEFAULT_CACHE_BYTES);
    }

    /**
     * Opens and validates the snapshot at {@code uri}: a {@code file:} URI (or one without a
     * scheme) is a local file; other schemes ({@code s3}, {@code http}, {@code https}) are opened
     * by a {@link RangeSourceProvider} on the class path (the {@code store-remote} module). Opening
     * reads the header, footer and index in at most three range requests.
     *
     * @throws CorruptSnapshotException when the header, footer, index or metadata is invalid
     * @throws IllegalArgumentException when no provider on the class path knows the scheme
     * @throws dev.snapstore.store.source.RemoteSourceException when the object cannot be read
     */
    public static Snapshot open(URI uri, long cacheBytes) throws IOException {
        String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("file")) {
            return open(uri.getScheme() == null ? Path.of(uri.getPath()) : Path.of(uri), cacheBytes);
        }
        for (RangeSourceProvider p : Sources.ALL) {
            if (p.supports(scheme)) {
                return open(p.open(uri), cacheBytes);
            }
        }
        throw new IllegalArgumentException(uri + ": no source for '" + scheme + "' URIs on the class path"
                + (Sources.ALL.isEmpty() ? " (add the store-remote module for s3, http and https)" : ""));
    }

    /**
     * Opens and validates the snapshot in {@code source}, which the snapshot then owns (closed with
     * it, or at once when opening fails).
     */
    public static Snapshot open(RangeSource source, long cacheBytes) throws IOException {
        try {
            return new Snapshot(source, cacheBytes);
        } catch (IOException | RuntimeException | Error e) {
            try {
                source.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The local snapshot file, or null when the snapshot was opened from a remote URI. */
    public Path path() {
        return path;
    }

    /** What names the snapshot in messages: the file's path, or the URI it was opened from. */
    public String location() {
        return location;
    }

    /** Where the snapshot's bytes come from (a local file or a remote object). */
    public RangeSource source() {
        return source;
    }

    /** Whether the snapshot was opened from a remote URI rather than a local file. */
    public boolean isRemote() {
        return path == null;
    }

    private CorruptSnapshotException corrupt(long chunk, String reason) {
        return path != null ? new CorruptSnapshotException(path, chunk, reason)
                : new CorruptSnapshotException(location, chunk, reason);
    }

    /** Logical length of the image in bytes. */
    public long length() {
        return header.length();
    }

    public int chunkSize() {
        return header.chunkSize();
    }

    public int chunkShift() {
        return header.chunkShift();
    }

    public int chunkCount() {
        return index.count();
    }

    /** Size of the snapshot file. */
    public long fileSize() {
        return fileSize;
    }

    /** Payload bytes stored in the file (zero and duplicate chunks take none). */
    public long storedBytes() {
        return storedBytes;
    }

    /** Largest stored payload of any chunk. */
    public int maxStoredLength() {
        return maxStored;
    }

    /** Whether any chunk's payload is stored with {@code codec} (zero chunks have no payload). Known from open. */
    public boolean uses(Codec codec) {
        return (codecMask & (1 << codec.id())) != 0;
    }

    /** The file's format version (docs/FORMAT.md): 1 or 2; they differ in the content hash. */
    public int formatVersion() {
        return header.version();
    }

    /**
     * SHA-256 naming the snapshot's content, 64 lower-case hex characters. It covers the header,
     * whose version field differs between format versions, so a v1 and a v2 file of the same
     * image never share a digest (nor a warm cache keyed by it).
     */
    public String digest() {
        return digest;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Working-set profile: chunk ids in first-touch order (empty when none was recorded). */
    public int[] profile() {
        return profile.clone();
    }

    public ChunkIndex index() {
        return index;
    }

    /** The decompressed-chunk cache behind {@link #read}, made on first use. */
    public ChunkCache cache() {
        ChunkCache c = cache;
        return c != null ? c : makeCache();
    }

    private synchronized ChunkCache makeCache() {
        ensureOpen(); // a cache made after close() would never be closed
        if (cache == null) {
            cache = new ChunkCache(cacheBytes, this::loadChunk);
        }
        return cache;
    }

    /**
     * Copies bytes of the image from {@code offset} into {@code dst}, through the chunk cache.
     *
     * @return bytes copied ({@code min(dst.remaining(), length() - offset)}), or -1 when
     * {@code offset >= length()} and {@code dst} has room
     */
    public int read(long offset, ByteBuffer dst) throws IOException {
        ensureOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (offset >= length()) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), length() - offset);
        int left = n;
        long pos = offset;
        int mask = chunkSize() - 1;
        while (left > 0) {
            int chunk = (int) (pos >>> chunkShift());
            int within = (int) (pos & mask);
            int raw = index.rawLength(chunk);
            int take = Math.min(left, raw - within);
            if (index.isZero(chunk)) {
                for (int z = take; z > 0; z -= ZEROS.capacity()) {
                    dst.put(ZEROS.duplicate().limit(Math.min(z, ZEROS.capacity())));
                }
            } else {
                var h = cache().acquire(chunk, raw);
                try {
                    dst.put(DirectBuffers.wrap(h.address() + within, take));
                } finally {
                    h.release();
                }
            }
            left -= take;
            pos += take;
        }
        return n;
    }

    /** Like {@link #read} but fails unless {@code dst} can be filled completely. */
    public void readFully(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0 || offset + dst.remaining() > length()) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + dst.remaining())
                    + ") outside the image of " + length() + " bytes");
        }
        read(offset, dst); // the range check makes one read copy everything
    }

    /**
     * Decompresses chunk {@code chunk} into {@code dst[position, position + rawLength)} without
     * caching, checking its length and CRC32C; advances the position.
     */
    public void decompressChunk(int chunk, ByteBuffer dst) throws IOException {
        ensureOpen();
        int raw = index.rawLength(chunk);
        if (dst.remaining() < raw) {
            throw new IllegalArgumentException("buffer has " + dst.remaining() + " bytes, chunk needs " + raw);
        }
        ByteBuffer target = dst.slice();
        target.limit(raw);
        decompressInto(chunk, target);
        dst.position(dst.position() + raw);
    }

    /** Decompresses chunk {@code chunk} into {@code raw} bytes at native {@code address}. */
    public void decompressChunk(int chunk, long address) throws IOException {
        ensureOpen();
        decompressInto(chunk, DirectBuffers.wrap(address, index.rawLength(chunk)));
    }

    private void loadChunk(int chunk, long address, int length) throws IOException {
        decompressInto(chunk, DirectBuffers.wrap(address, length));
    }

    /** dst: exactly rawLength bytes, absolute index 0. */
    private void decompressInto(int chunk, ByteBuffer dst) throws IOException {
        int raw = index.rawLength(chunk);
        if (index.isZero(chunk)) {
            ByteBuffer d = dst.duplicate().clear();
            while (d.remaining() >= 8) {
                d.putLong(0L);
            }
            while (d.hasRemaining()) {
                d.put((byte) 0);
            }
            return;
        }
        int stored = index.storedLength(chunk);
        Codec codec = index.codec(chunk);
        long pos = index.offset(chunk);
        if (codec == Codec.NONE && dst.isDirect() && stored == raw) {
            readStoredChecked(chunk, pos, dst, raw);
            return;
        }
        ByteBuffer src;
        if (codec == Codec.NONE && dst.isDirect()) {
            src = dst; // read straight into place
        } else {
            src = scratch(stored);
        }
        ByteBuffer r = src.duplicate().clear().limit(stored);
        try {
            source.read(pos, r);
        } catch (java.io.EOFException e) {
            throw corrupt(chunk, "payload cut short at file offset " + (pos + r.position()) + " (file truncated?)");
        }
        if (src != dst) {
            String problem = ChunkCodecs.decompress(codec, src, stored, dst, raw);
            if (problem != null) {
                throw corrupt(chunk, problem);
            }
        }
        if (crc32c(dst.duplicate().clear().limit(raw)) != index.crc32c(chunk)) {
            throw corrupt(chunk, "CRC32C mismatch after decompression");
        }
    }

    /**
     * A stored (uncompressed) chunk read straight into place a piece at a time, each piece checked
     * right after it is read while it is still in this core's cache: the check makes no second pass
     * over the chunk (a 2 MiB chunk has left the core's cache by the time its last byte is read).
     */
    private void readStoredChecked(int chunk, long pos, ByteBuffer dst, int raw) throws IOException {
        RegionProvider engine = NativeCrc.PROVIDER;
        CRC32C crc = engine == null ? new CRC32C() : null;
        int value = 0;
        for (int o = 0; o < raw; o += CHECK_PIECE) {
            int n = Math.min(CHECK_PIECE, raw - o);
            ByteBuffer piece = dst.duplicate().clear().position(o).limit(o + n);
            try {
                source.read(pos + o, piece);
            } catch (java.io.EOFException e) {
                throw corrupt(chunk, "payload cut short at file offset " + (pos + piece.position()) + " (file truncated?)");
            }
            ByteBuffer got = dst.duplicate().clear().position(o).limit(o + n);
            if (crc == null) {
                value = NativeCrc.update(engine, value, got);
            } else {
                crc.update(got);
                value = (int) crc.getValue();
            }
        }
        if (value != index.crc32c(chunk)) {
            throw corrupt(chunk, "CRC32C mismatch after decompression");
        }
    }

    /** CRC32C of {@code b}'s remaining bytes: the engine's for a direct buffer when a provider has one. */
    private static int crc32c(ByteBuffer b) {
        RegionProvider engine = NativeCrc.PROVIDER;
        return engine != null && b.isDirect() ? NativeCrc.update(engine, 0, b) : FormatV1.crc(b);
    }

    /**
     * The provider the chunk decoder checks CRC32Cs with ({@link RegionProvider#crc32c}), found at the
     * first check (after open has found the providers), or null: {@code java.util.zip.CRC32C}.
     */
    private static final class NativeCrc {
        static final RegionProvider PROVIDER = find();

        private static RegionProvider find() {
            ByteBuffer probe = ByteBuffer.allocateDirect(300);
            for (int i = 0; i < probe.capacity(); i++) {
                probe.put(i, (byte) (i * 31 + 7));
            }
            for (RegionProvider p : RegionProviders.first()) {
                long v = p.crc32c(0, probe);
                if (v >= 0 && (int) v == FormatV1.crc(probe)) {
                    return p;
                }
            }
            return null;
        }

        /** The provider answered for a direct buffer once: it does for every direct buffer. */
        static int update(RegionProvider engine, int crc, ByteBuffer direct) {
            long v = engine.crc32c(crc, direct);
            if (v < 0) {
                throw new IllegalStateException(engine.getClass().getName() + " stopped computing CRC32C");
            }
            return (int) v;
        }
    }

    private ByteBuffer scratch(int size) {
        ByteBuffer b = scratch.get();
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(Math.max(size, 64 << 10)).order(ByteOrder.LITTLE_ENDIAN);
            scratch.set(b);
        }
        return b;
    }

    /**
     * Decompresses and checks every chunk (length, CRC32C and content hash; a ZERO entry's CRC);
     * never stops at the first bad one. Runs on all processors; returns once every worker is done.
     *
     * @throws IOException when the file cannot be read (a bad chunk is reported, not thrown)
     */
    public VerifyReport verify(ProgressListener progress) throws IOException {
        ensureOpen();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<CorruptSnapshotException> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicLong done = new AtomicLong();
        ParallelChunks.run("snapstore-verify", threads, 0, chunkCount(), () -> {
            ByteBuffer out = ByteBuffer.allocateDirect(chunkSize());
            return c -> {
                int raw = index.rawLength(c);
                try {
                    verifyChunk(c, out);
                } catch (CorruptSnapshotException e) {
                    errors.add(e);
                }
                progress.progress(done.addAndGet(raw), length());
            };
        });
        List<CorruptSnapshotException> sorted = new ArrayList<>(errors);
        sorted.sort((x, y) -> Long.compare(x.chunk(), y.chunk()));
        return new VerifyReport(chunkCount(), length(), sorted);
    }

    private void verifyChunk(int c, ByteBuffer out) throws IOException {
        int raw = index.rawLength(c);
        if (index.isZero(c)) {
            if (index.crc32c(c) != FormatV1.zeroCrc(raw)) { // open rejects this; kept for a report of its own
                throw corrupt(c, "zero chunk's CRC32C is not the CRC32C of zeros");
            }
            return;
        }
        ByteBuffer o = out.duplicate().clear().limit(raw).slice();
        decompressInto(c, o);
        if (!ContentHash.matches(header.version(), o, raw, index.hashLo(c), index.hashHi(c))) {
            throw corrupt(c, "content hash mismatch after decompression");
        }
    }

    /** Maps the image with default options. */
    public Region map(Mode mode) throws IOException {
        return map(mode, MapOptions.defaults());
    }

    /**
     * Maps the image into memory. EAGER regions are built here; lazy modes come from a
     * {@link RegionProvider} on the class path ({@code store-native} on Linux). AUTO tries
     * HUGETLB, SHMEM, ANONYMOUS, then EAGER; the region's {@link Region#modeReason()} says which it
     * picked and why (so does the JFR {@code snapstore.RegionMap} event). Nothing is logged: a
     * first log record initialises java.util.logging and, on the console, formats a date with
     * java.time and the locale data, 50 to 180 ms of a fresh JVM's first map measured here.
     *
     * @throws ModeUnavailableException when a lazy mode was asked for and cannot be used here
     */
    public Region map(Mode mode, MapOptions options) throws IOException {
        RegionEvents.MapTiming timing = RegionEvents.beginMap();
        Region r = mapRegion(mode, options);
        RegionEvents.mapped(timing, location, mode, options, r); // JFR: snapstore.RegionMap, then periodic samples
        return r;
    }

    private Region mapRegion(Mode mode, MapOptions options) throws IOException {
        ensureOpen();
        if (mode == Mode.EAGER) {
            return EagerRegion.restore(this, options, "EAGER asked for");
        }
        if (mode == Mode.AUTO) {
            StringBuilder why = new StringBuilder();
            Region r = auto(RegionProviders.first(), options, why);
            if (r == null) {
                r = auto(RegionProviders.rest(), options, why); // asked only when the first tier declines
            }
            if (r != null) {
                return r;
            }
            String reason = RegionProviders.all().isEmpty()
                    ? "no lazy engine on the class path (add store-native, Linux only)"
                    : "no lazy mode usable: " + why;
            return EagerRegion.restore(this, options, "AUTO: " + reason);
        }
        StringBuilder why = new StringBuilder();
        for (int tier = 0; tier < 2; tier++) { // the second tier is looked for only when the first declines
            for (RegionProvider p : RegionProviders.tier(tier)) {
                RegionProvider.Availability a = p.availability(mode, this, options);
                if (a.available()) {
                    return p.map(this, mode, options);
                }
                why.append(a.reason());
            }
        }
        if (why.length() == 0) {
            throw new ModeUnavailableException(mode, "no lazy engine on the class path: add the store-native module "
                    + "(Linux with userfaultfd); run 'snapstore doctor' to see what this machine offers");
        }
        throw new ModeUnavailableException(mode, why.toString());
    }

    /** AUTO over one tier of providers: the first lazy mode one of them maps, or null (reasons in {@code why}). */
    private Region auto(List<RegionProvider> providers, MapOptions options, StringBuilder why) throws IOException {
        for (Mode m : new Mode[] {Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS}) {
            for (RegionProvider p : providers) {
                RegionProvider.Availability a = p.availability(m, this, options);
                if (a.available()) {
                    try {
                        return p.map(this, m, options);
                    } catch (ModeUnavailableException e) {
                        why.append(m).append(": ").append(e.getMessage()).append("; ");
                    }
                } else {
                    why.append(m).append(": ").append(a.reason()).append("; ");
                }
            }
        }
        return null;
    }

    /**
     * The snapshot digest's SHA-256 from the first provider that computes it natively, or null
     * (open then uses MessageDigest). The engine it loads is the one the first map needs anyway.
     */
    private static final class ProviderSha256 implements SnapshotLayout.Sha256 { // not a lambda: see EngineStart
        static final ProviderSha256 INSTANCE = new ProviderSha256();

        @Override
        public byte[] digest(ByteBuffer first, ByteBuffer second) {
            return providerSha256(first, second);
        }
    }

    private static byte[] providerSha256(ByteBuffer first, ByteBuffer second) {
        for (RegionProvider p : RegionProviders.first()) { // the built-in engine's SHA-256; else MessageDigest
            byte[] d = p.sha256(first, second);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /**
     * The first open's start of the engine on a thread of its own: finding the built-in provider
     * and loading the native library, 10 to 30 ms of a fresh JVM, run while the opening thread reads
     * and validates the file; the digest check, last, then finds them ready (or waits for the
     * providers' class initialisation to finish). Then, while the opener finishes and its caller
     * gets to {@link #map}, what the first map needs ({@link RegionProvider#prepare()}, the JFR
     * hooks' classes, the default options): 5 to 15 ms a fresh JVM's first map no longer spends.
     */
    private static final class EngineStart extends Thread {
        private static final AtomicBoolean STARTED = new AtomicBoolean();

        private EngineStart() {
            super("snapstore-engine-start"); // a subclass, not a lambda: the first lambda's bootstrap costs ms too
            setDaemon(true);
        }

        static void begin() {
            if (!STARTED.get() && STARTED.compareAndSet(false, true)) {
                new EngineStart().start();
            }
        }

        @Override
        public void run() {
            ByteBuffer none = ByteBuffer.allocateDirect(0);
            try {
                providerSha256(none, none); // the SHA-256 of nothing: loads each provider's engine
            } catch (RuntimeException | LinkageError e) {
                // the open that needs the provider meets the same error, and reports it
            }
            // then, while the opening thread validates the index, what the first map needs
            for (RegionProvider p : RegionProviders.first()) {
                try {
                    p.prepare();
                } catch (RuntimeException | LinkageError e) {
                    // met again, and reported, by the map that needs it
                }
            }
            RegionEvents.prepare();
            MapOptions.defaults();
        }
    }

    /** The region providers on the class path, the built-in engine's first ({@link RegionProviders}). */
    static List<RegionProvider> providers() {
        return RegionProviders.all();
    }

    /** The range-source providers on the class path, found once. */
    private static final class Sources {
        static final List<RangeSourceProvider> ALL;

        static {
            List<RangeSourceProvider> list = new ArrayList<>();
            for (RangeSourceProvider p : ServiceLoader.load(RangeSourceProvider.class, Snapshot.class.getClassLoader())) {
                list.add(p);
            }
            ALL = List.copyOf(list);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            ChunkCache c;
            synchronized (this) {
                c = cache; // no cache is made after this: makeCache() checks closed under the same lock
            }
            if (c != null) {
                c.close();
            }
            try {
                source.close();
            } catch (IOException ignored) {
                // nothing was written; a failing close of a read-only channel loses nothing
            }
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("snapshot " + location + " is closed");
        }
    }

    @Override
    public String toString() {
        return "Snapshot[" + location + ", " + length() + " bytes, " + chunkCount() + " chunks of " + chunkSize() + "]";
    }
}
