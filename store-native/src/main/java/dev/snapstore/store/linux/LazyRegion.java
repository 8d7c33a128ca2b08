package dev.snapstore.store.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.DirectBuffers;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Prefetch;
import dev.snapstore.store.Region;
import dev.snapstore.store.spi.AbstractRegion;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.source.RangeSource;
import dev.snapstore.store.format.FormatV1.FormatException;
import dev.snapstore.store.format.ProfileFile;
import dev.snapstore.store.jfr.RegionEvents;
import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.LibC;
import dev.snapstore.store.linux.internal.SnapEngine;

/**
 * A region filled on first touch by the native fault engine: pages are produced by a pool of C
 * resolver threads (never attached to the JVM) that read userfaultfd messages, decompress the
 * chunk behind the page and map it. See {@link Mode} for the backings.
 *
 * <ul>
 *   <li>{@link Mode#ANONYMOUS}: private anonymous memory, chunks placed with UFFDIO_COPY.</li>
 *   <li>{@link Mode#SHMEM} / {@link Mode#HUGETLB}: the decompressed image lives in a shmem or
 *       hugetlb file (a memfd, or {@code DIR/uid-<euid>/<digest>.<mode>.img} with
 *       {@link MapOptions#warmCache()}), mapped MAP_PRIVATE (writable, copy-on-write) or
 *       MAP_SHARED + PROT_READ ({@link MapOptions#writable()} false: one physical copy shared by
 *       every region and process using the same warm file); pages already in the file are mapped
 *       with UFFDIO_CONTINUE after a once-per-region CRC32C revalidation.</li>
 * </ul>
 *
 * <p>What idle resolvers fill ahead of the application is {@link MapOptions#prefetch()}: with
 * {@link Prefetch#SEQUENTIAL} (the default, more than one resolver), a fault right after one on the
 * previous chunk makes them fill the next chunks ahead of the reader (in the backing file for
 * SHMEM/HUGETLB, placed with UFFDIO_COPY for ANONYMOUS), so one sequential reader keeps every
 * resolver busy; with {@link Prefetch#PROFILE} they replay a recorded working set in its order
 * ({@link #profileNote()}, {@link #replayedUnits()}); with {@link Prefetch#NONE} nothing. Either
 * way they serve every queued fault before each fill unit they prefetch.
 * {@link MapOptions#warmCache()} is ignored by ANONYMOUS regions (nothing outlives them), and an
 * ANONYMOUS region is always writable (private memory of this process; nothing to share).
 *
 * <p>A chunk that cannot be produced (CRC mismatch, short read, I/O error, hugepage pool exhausted
 * at fill time) is refused, never zero-filled: with UFFDIO_POISON (Linux 6.6+), or, before 6.6 or
 * with {@code SNAPSTORE_UFFD_DISABLE=POISON}, by replacing its pages with an empty memfd mapping
 * (the SIGBUS guard). Either way the touching thread gets an {@link InternalError} from the JVM,
 * {@link RegionStats#errors()} counts it and the per-chunk error latch records it. In JIT-compiled
 * code that error is asynchronous (see {@link Region}: measured, JDK 17 let a whole bad 64 KiB
 * chunk read as stale values and threw outside the reading {@code try}; JDK 25 threw inside it
 * after 4001 stale reads): use {@link #read(long, ByteBuffer)} or {@link #load} (typed
 * {@link CorruptSnapshotException} before any byte is visible) where bad bytes must never be used,
 * and {@link #checkHealthy()} after a batch of raw accesses.
 *
 * <p>{@link #close()} while other threads still touch the region: resolvers stop filling and
 * refuse every fault (POISON or the SIGBUS guard: an {@link InternalError} in the touching thread,
 * never a hang; on JDK 17 compiled readers may see stale values before it, as above, so discard
 * what a reader racing close() produced) until no fault has come for 5 ms; then the memory is released and the
 * address range is left as an empty guard mapping for at least a second, where any access raises
 * an {@link InternalError} too (a thread woken from a fault by close that runs late). Later, the
 * range is unmapped and an access faults like any access to freed native memory. {@link #load}, {@link #reset} and {@link #stats}
 * are safe against a concurrent close (they fail with {@link IllegalStateException} after it).
 * Writes to a read-only region through {@link #bytesStore()} crash like writes to any read-only
 * mapping; {@link #slice} returns read-only buffers for it.
 *
 * <p>With {@link MapOptions#memoryBudget()} the region is a cache of the snapshot: at most the
 * budget (plus two fill units per resolver) stays decompressed, Caffeine decides which fill units
 * stay, evicted units are decompressed again on their next touch, written units are pinned until
 * {@link #reset} covers them; see {@code Residency} and the budget counters of {@link RegionStats}.
 * {@link #residentBytesMeasured()} measures what is resident.
 *
 * <p>Thread-safety: all methods may be called from any thread concurrently.
 */
public final class LazyRegion extends AbstractRegion {
    private final Snapshot snapshot;
    private final long handle;
    private final long pageSize;
    private final ByteBuffer stats; // the engine's SN_C_* counters and histogram, SN_STATS_SLOTS longs
    private final String backing;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile RegionStats finalStats;
    private final Residency residency;
    private volatile CorruptSnapshotException finalHealth; // the first failed chunk at close, or null
    private volatile long finalTierHits;
    private volatile java.util.concurrent.ScheduledFuture<?> renewal; // a remote region's URL renewal, or null
    private final boolean recording;
    private final Path profileFile;
    private volatile String profileNote = "";
    private volatile int replayQueued;

    private LazyRegion(Snapshot snapshot, Mode mode, String reason, boolean writable, long handle, String backing,
            Residency residency, MapOptions options) {
        super(SnapEngine.sn_region_address(handle), snapshot.length(), mode, reason + "; " + backing, writable);
        this.recording = options.recordProfile();
        this.profileFile = profileFileOf(snapshot, options);
        this.residency = residency;
        this.snapshot = snapshot;
        this.handle = handle;
        this.pageSize = SnapEngine.sn_region_page_size(handle);
        this.stats = statsOf(handle);
        this.backing = backing;
    }

    /**
     * Maps {@code snapshot} lazily in {@code mode} (HUGETLB, SHMEM or ANONYMOUS). Returns at once:
     * nothing is decompressed until touched.
     *
     * @param reason why this mode was chosen, for {@link #modeReason()}
     * @throws ModeUnavailableException the kernel lacks a feature, a permission or hugepages
     * @throws CorruptSnapshotException the index is rejected by the engine
     * @throws NativeIoException another system call failed
     */
    public static LazyRegion map(Snapshot snapshot, Mode mode, MapOptions options, String reason) throws IOException {
        if (!mode.isLazy()) {
            throw new IllegalArgumentException("not a lazy mode: " + mode);
        }
        if (!SnapEngine.isLoaded()) {
            throw new ModeUnavailableException(mode, "the native engine libsnapstore.so could not be loaded ("
                    + SnapEngine.loadError() + "); it is built for Linux x86-64 by the store-native module");
        }
        String missing = missingCodecs(snapshot);
        if (missing != null) {
            throw new ModeUnavailableException(mode, missing);
        }
        ChunkIndex index = snapshot.index();
        int engineMode = mode == Mode.ANONYMOUS ? SnapEngine.SN_MODE_ANONYMOUS
                : mode == Mode.SHMEM ? SnapEngine.SN_MODE_SHMEM : SnapEngine.SN_MODE_HUGETLB;
        boolean writable = mode == Mode.ANONYMOUS || options.writable();
        String warmDir = mode == Mode.ANONYMOUS || options.warmCache().isEmpty() ? null
                : options.warmCache().get().toAbsolutePath().toString(); // no lambda: its first use costs a fresh JVM ms
        String warmName = snapshot.digest() + "." + mode.name().toLowerCase(Locale.ROOT);
        long budget = options.memoryBudget().orElse(0);
        Replay replay = options.prefetch() != Prefetch.PROFILE ? null : findProfile(snapshot, profileFileOf(snapshot, options));
        boolean replays = replay != null && replay.chunks() != null;
        // PROFILE replaces sequential read-ahead when there is a profile to replay, else falls back to it
        int flags = (writable ? SnapEngine.SN_OPEN_WRITABLE : 0) | (budget > 0 ? SnapEngine.SN_OPEN_BUDGET : 0)
                | (options.prefetch() == Prefetch.NONE || replays ? SnapEngine.SN_OPEN_NO_READAHEAD : 0)
                | (options.recordProfile() ? SnapEngine.SN_OPEN_RECORD : 0);
        RangeSource.EngineUrl url = snapshot.isRemote() ? snapshot.source().engineUrl() : null;
        if (snapshot.isRemote() && url == null) {
            throw new ModeUnavailableException(mode, snapshot.location() + " gives the engine no URL to fetch from");
        }
        String from = url != null ? url.url() : snapshot.path().toAbsolutePath().toString();
        int resolvers = options.resolverThreads(url != null);
        ByteBuffer spare = SpareIndex.take(index.count() * ChunkIndex.ENTRY_SIZE);
        spare.put(index.entries()).flip(); // the index is on the heap: the engine reads this copy
        long h = SnapEngine.sn_region_open(from, snapshot.fileSize(), DirectBuffers.address(spare),
                index.count(), snapshot.chunkShift(), snapshot.length(), engineMode,
                flags, resolvers, warmDir, warmName);
        SpareIndex.give(spare); // the engine decoded its own table from it
        if (h < 0) {
            throw EngineErrors.rethrow(EngineErrors.last(h, snapshot, mode, options), IOException.class);
        }
        long refused = statsOf(h).getLong(8 * SnapEngine.SN_C_WARM_REFUSED);
        String backing = backing(mode, writable, refused == 0 ? warmDir : null, warmName, resolvers);
        if (refused != 0) {
            backing += "; warm cache " + warmFile(Path.of(warmDir), warmName) + " not used: another user's file or "
                    + "directory is at that name (" + Errno.name((int) refused) + "); fix: remove "
                    + warmUserDir(Path.of(warmDir));
            System.getLogger(LazyRegion.class.getName()).log(System.Logger.Level.WARNING, "snapstore: {0}", backing);
        }
        Residency residency = null;
        if (budget > 0) {
            residency = budget(snapshot, mode, h, budget);
            backing += ", memory budget " + budget + " bytes";
        }
        if (url != null) {
            backing += ", fetched by the resolvers from " + snapshot.location();
            if (options.chunkCache().isPresent()) {
                try {
                    backing += ChunkTier.attach(h, options.chunkCache().get(), options.chunkCacheBytes(), snapshot.digest());
                } catch (IOException | RuntimeException e) {
                    SnapEngine.sn_region_close(h);
                    throw e;
                }
            }
        }
        if (options.prefetch() == Prefetch.NONE) {
            backing += ", no read-ahead";
        } else if (replays) {
            backing += ", working-set replay";
        }
        LazyRegion r = new LazyRegion(snapshot, mode, reason, writable, h, backing, residency, options);
        if (url != null && url.expiresAtMillis() != Long.MAX_VALUE) {
            r.renewal = UrlRenewal.schedule(r, url.expiresAtMillis());
        }
        if (replays) {
            r.startReplay(replay);
        } else if (replay != null) {
            r.profileNote = replay.note();
        }
        // Not logged: the first record initialises java.util.logging (10 to 50 ms of a fresh JVM's
        // first map); the mode and why are the region's modeReason(), and a JFR RegionMap event.
        return r;
    }

    /** Does nothing: calling it loads and initialises this class ({@link LinuxRegionProvider#prepare()}). */
    static void prepare() {
    }

    /**
     * The native copy of the index {@code sn_region_open} reads (and decodes into a table of its
     * own), kept between maps up to 16 MiB: a new direct buffer per map gave each map fresh pages,
     * which cost 1 µs and more each on this project's VM (0.1 ms and more at 16 GiB, 320 KiB of
     * index). Two maps at once: the second allocates its own.
     */
    private static final class SpareIndex {
        private static final java.util.concurrent.atomic.AtomicReference<ByteBuffer> SPARE =
                new java.util.concurrent.atomic.AtomicReference<>();

        static ByteBuffer take(int length) {
            ByteBuffer b = SPARE.getAndSet(null);
            return (b != null && b.capacity() >= length ? b : ByteBuffer.allocateDirect(Math.max(length, 64 << 10))).clear();
        }

        static void give(ByteBuffer b) {
            if (b.capacity() <= 16 << 20) {
                SPARE.set(b);
            }
        }
    }

    /** A view of region {@code h}'s stats block (native memory the engine frees at close). */
    private static ByteBuffer statsOf(long h) {
        return DirectBuffers.wrap(SnapEngine.sn_region_stats(h), 8 * SnapEngine.SN_STATS_SLOTS);
    }

    /** Gives the freshly opened region {@code h} its budget; closes it when that fails. */
    private static Residency budget(Snapshot snapshot, Mode mode, long h, long budget) throws IOException {
        long unit = SnapEngine.sn_region_unit_size(h);
        if (budget < 2 * unit) {
            SnapEngine.sn_region_close(h);
            throw new IllegalArgumentException("memoryBudget " + budget + " bytes is below two fill units of this "
                    + mode + " region (" + unit + " bytes each: the chunk size" + (mode == Mode.HUGETLB
                            ? ", at least a 2 MiB hugepage" : unit > snapshot.chunkSize()
                            ? ", at least a 2 MiB page: shmem's huge-page policy gives this memfd huge pages" : "")
                    + "); give at least " + 2 * unit + " bytes");
        }
        int rc = SnapEngine.sn_region_budget(h, budget);
        if (rc < 0) {
            String call = SnapEngine.sn_error_call();
            SnapEngine.sn_region_close(h);
            throw NativeIoException.of(call + " for " + snapshot.location(), rc);
        }
        return new Residency(h, budget, unit, SnapEngine.sn_region_mapped_length(h), mode != Mode.ANONYMOUS,
                snapshot.path() != null ? snapshot.path().getFileName().toString() : snapshot.location());
    }

    /** This user's directory in the warm cache directory {@code dir}: {@code dir/uid-<euid>} (0700, created by the engine). */
    static Path warmUserDir(Path dir) {
        return dir.toAbsolutePath().resolve("uid-" + Integer.toUnsignedString(LibC.geteuid()));
    }

    /** The warm backing file of {@code warmName} ("digest.mode") in the warm cache directory {@code dir}. */
    static Path warmFile(Path dir, String warmName) {
        return warmUserDir(dir).resolve(warmName + ".img");
    }

    private static String backing(Mode mode, boolean writable, String warmDir, String warmName, int resolvers) {
        String file = mode == Mode.ANONYMOUS ? "anonymous memory, UFFDIO_COPY"
                : (warmDir != null ? "warm file " + warmFile(Path.of(warmDir), warmName) : (mode == Mode.HUGETLB ? "hugetlb memfd" : "shmem memfd"))
                        + (writable ? " mapped MAP_PRIVATE (copy-on-write)" : " mapped MAP_SHARED read-only");
        return file + ", " + resolvers + " native resolver" + (resolvers == 1 ? "" : "s");
    }

    /** Null when the engine can decode every codec the snapshot uses, else what is missing. */
    static String missingCodecs(Snapshot snapshot) {
        int available = SnapEngine.sn_codecs_available();
        if (snapshot.uses(Codec.LZ4) && (available & (1 << SnapEngine.SN_CODEC_LZ4)) == 0) {
            return "the snapshot uses LZ4 and liblz4.so.1 cannot be loaded: run 'apt-get install liblz4-1'";
        }
        if (snapshot.uses(Codec.ZSTD) && (available & (1 << SnapEngine.SN_CODEC_ZSTD)) == 0) {
            return "the snapshot uses ZSTD and libzstd.so.1 cannot be loaded: run 'apt-get install libzstd1'";
        }
        return null;
    }

    /** The profile PROFILE replays (null when there is none to use) and what was decided, for {@link #profileNote()}. */
    private record Replay(int[] chunks, String note) {
    }

    /**
     * Finds the working set to replay ({@link Prefetch#PROFILE}): the profile file (the sidecar or
     * {@link MapOptions#profileFile()}) when it exists and was recorded on this snapshot, else the
     * snapshot's own profile section. A sidecar of another snapshot (another digest or chunk count)
     * or one that does not parse is ignored with a warning, never an error: the region then does
     * sequential read-ahead instead.
     */
    private static Replay findProfile(Snapshot snapshot, Path profileFile) {
        String note = null;
        if (profileFile != null && Files.exists(profileFile)) {
            try {
                ProfileFile.Contents c = ProfileFile.read(profileFile);
                if (c.digest().equals(snapshot.digest()) && c.chunkCount() == snapshot.chunkCount()) {
                    return new Replay(c.chunks(), "profile " + profileFile);
                }
                note = "profile " + profileFile + " ignored: it was recorded on snapshot " + c.digest() + " ("
                        + c.chunkCount() + " chunks), this is " + snapshot.digest() + " (" + snapshot.chunkCount()
                        + " chunks)";
            } catch (IOException | FormatException e) {
                note = "profile " + profileFile + " ignored: " + e.getMessage();
            }
            log().log(System.Logger.Level.WARNING, "snapstore: {0}", note);
        }
        if (snapshot.profile().length > 0) {
            return new Replay(snapshot.profile(), "the snapshot's profile section");
        }
        if (note == null) {
            note = profileFile == null ? "no profile to replay (a remote snapshot has no sidecar: give MapOptions.profileFile)"
                    : "no profile to replay (" + profileFile + " does not exist)";
        }
        return new Replay(null, note
                + "; sequential read-ahead instead");
    }

    /**
     * The profile file of a map: {@link MapOptions#profileFile()}, else the local snapshot's sidecar;
     * null for a remote snapshot given none.
     */
    private static Path profileFileOf(Snapshot snapshot, MapOptions options) {
        if (options.profileFile().isPresent()) {
            return options.profileFile().get();
        }
        return snapshot.path() == null ? null : ProfileFile.sidecar(snapshot.path(), snapshot.digest());
    }

    /** Warnings are rare (a refused warm file, a profile not used): the logger is made on the first. */
    private static System.Logger log() {
        return System.getLogger(LazyRegion.class.getName());
    }

    /** Queues the profile found at map for replay by idle resolvers. */
    private void startReplay(Replay replay) {
        int n = SnapEngine.sn_region_replay(handle, replay.chunks(), replay.chunks().length);
        if (n < 0) {
            warnProfile("profile replay not started: " + checked(n, ""));
            return;
        }
        replayQueued = n;
        profileNote = "replaying " + replay.note() + ": " + replay.chunks().length + " chunks, " + n + " fill units";
    }

    private void warnProfile(String message) {
        profileNote = message;
        log().log(System.Logger.Level.WARNING, "snapstore: {0}", message);
    }

    /** What {@link Prefetch#PROFILE} replays, or why it replays nothing; empty for other policies. */
    public String profileNote() {
        return profileNote;
    }

    /** Fill units queued for profile replay at map (0 without {@link Prefetch#PROFILE} or without a profile). */
    public int replayQueuedUnits() {
        return replayQueued;
    }

    /**
     * Fill units handed to the kernel so far. In HUGETLB, and in SHMEM when shmem's huge-page policy
     * for memfds is {@code within_size} or {@code always} (its pages are then 2 MiB too), a unit whose
     * chunks are all valid in the region's private file leaves the userfaultfd: the kernel maps it and
     * serves its later faults (after {@link #reset()} too) itself, with 2 MiB entries and no resolver.
     * 0 in ANONYMOUS, over 4 KiB shmem pages, with a warm cache or a memory budget (the file may lose
     * pages there).
     */
    public long handedUnits() {
        return counter(SnapEngine.SN_C_HANDED);
    }

    /** Fill units idle resolvers filled by profile replay so far (those a fault had not already filled). */
    public long replayedUnits() {
        return counter(SnapEngine.SN_C_REPLAYED);
    }

    /** How many resolver threads have taken a replay job so far (every idle one should); 0 once closed. */
    int replayResolvers() {
        lifecycle.readLock().lock();
        try {
            return closed.get() ? 0 : SnapEngine.sn_region_replay_resolvers(handle);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public int[] recordedProfile() {
        if (!recording) {
            throw new IllegalStateException("this " + mode() + " region does not record a profile: map it with "
                    + "MapOptions.builder().recordProfile(true)");
        }
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            int[] out = new int[snapshot.chunkCount()];
            int n = SnapEngine.sn_region_profile(handle, out, out.length);
            if (n < 0) {
                throw unchecked(n, "");
            }
            return java.util.Arrays.copyOf(out, n);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Writes {@link #recordedProfile()} to the sidecar (or {@link MapOptions#profileFile()}); returns that file. */
    @Override
    public Path recordProfile() throws IOException {
        int[] ids = recordedProfile();
        if (profileFile == null) {
            throw new IllegalStateException(snapshot.location() + " is remote and has no sidecar: map it with "
                    + "MapOptions.builder().profileFile(FILE) to record its profile");
        }
        ProfileFile.write(profileFile, snapshot.digest(), snapshot.chunkCount(), ids);
        return profileFile;
    }

    /**
     * Page size of the region's fill and mapping: 4 KiB, or the hugepage size for HUGETLB, and for
     * SHMEM when shmem's huge-page policy ({@code /sys/kernel/mm/transparent_hugepage/shmem_enabled}
     * {@code within_size} or {@code always}) gives its memfd 2 MiB pages.
     */
    public long pageSize() {
        return pageSize;
    }

    /** What backs the region, e.g. "shmem memfd mapped MAP_PRIVATE (copy-on-write), 2 native resolvers". */
    public String backing() {
        return backing;
    }

    /** The snapshot this region restores. */
    public Snapshot snapshot() {
        return snapshot;
    }


    /**
     * Fills the range with many faults in flight: the engine cuts it into stripes of whole fill
     * units that this thread (in native code: it waits in a system call, never inside a page fault
     * with a safepoint pending) and native helper threads populate with MADV_POPULATE_READ, one
     * fault per resolver at a time, while the kernel reads the next stripes' compressed bytes
     * ahead; so disk reads and decompression overlap. Errors come from the engine's per-chunk
     * latch, never from a Java access. Safe against concurrent {@code load} calls, and a
     * concurrent {@link #close()} waits for it to return.
     *
     * @throws UncheckedIOException wrapping a {@link CorruptSnapshotException} naming the file and
     *         the first chunk of the range that cannot be produced (poisoned and counted in
     *         {@link RegionStats#errors()}), or a {@link NativeIoException} for another failure
     */
    @Override
    public void load(long offset, long length) {
        checkRange(offset, length);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            int rc = SnapEngine.sn_region_populate(handle, offset, length, 0);
            if (rc < 0) {
                throw unchecked(rc, " on [" + offset + ", +" + length + ") of " + snapshot.location());
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Copies {@code dst.remaining()} bytes from {@code offset}: the range is populated from native
     * code (MADV_POPULATE_READ, served by the resolvers), then the error latch is checked for its
     * chunks, and only then are the bytes copied, so a chunk that could not be produced throws
     * {@link CorruptSnapshotException} before any byte is visible, on JDK 17 as on 25. The latch is
     * checked again after the copy (a page dropped by a reset or an eviction meanwhile is filled
     * again by the copy itself); if that second check fails, {@code dst}'s position is restored and
     * the exception thrown, so the copied bytes are never reported as read.
     */
    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        checkRange(offset, n);
        int start = dst.position();
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            int rc = SnapEngine.sn_region_populate(handle, offset, n, 0);
            if (rc < 0) {
                throw checked(rc, " on [" + offset + ", +" + n + ") of " + snapshot.location());
            }
            dst.put(DirectBuffers.slice(address(), size(), offset, n, false));
            rc = SnapEngine.sn_region_check(handle, offset, n);
            if (rc < 0) {
                dst.position(start);
                throw checked(rc, "");
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Throws when a chunk overlapping the range could not be produced (so far): the region's
     * error latch, kept by the engine per chunk. Still answers after {@link #close()}, from the
     * state at close.
     */
    @Override
    public void checkHealthy(long offset, long length) throws CorruptSnapshotException {
        checkRange(offset, length);
        lifecycle.readLock().lock();
        try {
            if (finalStats != null) {
                CorruptSnapshotException f = finalHealth;
                long first = finalCounters[SnapEngine.SN_C_FIRST_ERROR_CHUNK] - 1;
                if (f != null && first >= offset / snapshot.chunkSize()
                        && first <= (offset + Math.max(length, 1) - 1) / snapshot.chunkSize()) {
                    throw f.file() != null ? new CorruptSnapshotException(f.file(), f.chunk(), f.reason())
                            : new CorruptSnapshotException(f.location(), f.chunk(), f.reason());
                }
                return;
            }
            int rc = SnapEngine.sn_region_check(handle, offset, length);
            if (rc < 0) {
                IOException e = checked(rc, "");
                if (e instanceof CorruptSnapshotException) {
                    throw (CorruptSnapshotException) e;
                }
                throw new UncheckedIOException(e); // a range error: checkRange above prevents it
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Discards private writes in the range; widened to whole {@link #pageSize()} pages. HUGETLB and
     * SHMEM drop the pages (MADV_DONTNEED) and the snapshot's bytes come back on next touch as MINOR
     * faults from the backing file. ANONYMOUS writes the snapshot's bytes back in place, before
     * returning, into every chunk the range covers whole and whose pages are all present (with a
     * memory budget only the chunks written since, copied from the chunk cache when it holds them),
     * so touching them again raises no fault; other pages are dropped and fault as before. Without
     * a budget that costs one decompression per such chunk, read or written, at each reset.
     */
    @Override
    public void reset(long offset, long length) {
        checkRange(offset, length);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            int rc = SnapEngine.sn_region_reset(handle, offset, length);
            if (rc < 0) {
                throw unchecked(rc, "");
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public RegionStats stats() {
        lifecycle.readLock().lock();
        try {
            RegionStats f = finalStats;
            return f != null ? f : readStats();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Chunks the warm state file marked valid when this region was opened (0 without a warm cache). */
    public long warmValidChunksAtOpen() {
        return counter(SnapEngine.SN_C_WARM_VALID_AT_OPEN);
    }

    /**
     * Fill units (chunks, or 2 MiB pages for HUGETLB with smaller chunks) that idle resolvers
     * filled ahead of a sequential reader.
     */
    public long prefetchedUnits() {
        return counter(SnapEngine.SN_C_PREFETCHED);
    }

    /** Faults refused, with UFFDIO_POISON or the SIGBUS guard (chunks that could not be produced, or faults during close). */
    public long poisonedFaults() {
        return counter(SnapEngine.SN_C_POISONED_FAULTS);
    }

    /** The last chunk error as "chunk N: EBADMSG (CRC32C mismatch or undecodable payload)", or null when none. */
    public String lastError() {
        long e = counter(SnapEngine.SN_C_LAST_ERROR);
        if (e == 0) {
            return null;
        }
        return "chunk " + counter(SnapEngine.SN_C_LAST_ERROR_CHUNK) + ": " + EngineErrors.chunkReason((int) -e);
    }

    /**
     * The exception for the engine's error after {@code rc < 0}: a chunk that could not be
     * produced as {@link CorruptSnapshotException} (naming the file and chunk), anything else as
     * {@link NativeIoException} (call, errno, and {@code where}); wrapped, as {@link #load} and
     * {@link #reset} are not declared to throw checked exceptions.
     */
    private UncheckedIOException unchecked(int rc, String where) {
        return new UncheckedIOException(checked(rc, where));
    }

    private IOException checked(int rc, String where) {
        return EngineErrors.forRegion(rc, snapshot, mode(), where);
    }

    private long counter(int slot) {
        lifecycle.readLock().lock();
        try {
            if (finalStats != null) {
                return finalCounters[slot];
            }
            return stats.getLong(8 * slot);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private final long[] finalCounters = new long[SnapEngine.SN_C_HIST_BASE];

    /**
     * Decompressed bytes present right now, measured by the kernel rather than counted: what a budget
     * is held to. SHMEM/HUGETLB: the backing file's allocated blocks ({@code fstat}, exact and
     * cheap). ANONYMOUS: a {@code mincore} scan of the region and its chunk cache (one byte of
     * scratch per 4 KiB; not atomic, so under churn it can count a unit twice). Meant for tests
     * and benchmarks sampling residency.
     */
    public long residentBytesMeasured() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            long n = SnapEngine.sn_region_measure_resident(handle);
            if (n < 0) {
                throw new UncheckedIOException(NativeIoException.of(SnapEngine.sn_error_call(), (int) n));
            }
            return n;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The residency policy of a region with a memory budget, else null (tests). */
    Residency residency() {
        return residency;
    }

    private RegionStats readStats() {
        ByteBuffer p = stats;
        long[] hist = new long[SnapEngine.SN_HIST_BUCKETS];
        for (int i = 0; i < hist.length; i++) {
            hist[i] = p.getLong(8 * (SnapEngine.SN_C_HIST_BASE + i));
        }
        Residency b = residency; // without a budget, every residency figure is 0
        return new RegionStats(mode(),
                p.getLong(8 * SnapEngine.SN_C_MINOR_FAULTS),
                p.getLong(8 * SnapEngine.SN_C_MISSING_FAULTS),
                p.getLong(8 * SnapEngine.SN_C_ZERO_FAULTS),
                p.getLong(8 * SnapEngine.SN_C_CHUNKS_DECOMPRESSED),
                p.getLong(8 * SnapEngine.SN_C_BYTES_DECOMPRESSED),
                p.getLong(8 * SnapEngine.SN_C_BYTES_MAPPED),
                p.getLong(8 * SnapEngine.SN_C_REVALIDATIONS),
                p.getLong(8 * SnapEngine.SN_C_ERRORS),
                hist,
                b == null ? 0 : b.budget(),
                b == null ? 0 : b.counter(SnapEngine.SN_R_RESIDENT),
                b == null ? 0 : b.counter(SnapEngine.SN_R_PEAK),
                b == null ? 0 : b.counter(SnapEngine.SN_R_PINNED),
                b == null ? 0 : b.counter(SnapEngine.SN_R_EVICTIONS),
                b == null ? 0 : b.counter(SnapEngine.SN_R_REFILLS),
                b == null ? 0 : b.counter(SnapEngine.SN_R_ACCESSES));
    }

    /**
     * Stops the resolvers (queued faults are poisoned, never zero-filled), unmaps the region and
     * its alias, closes every descriptor and releases the file's pages (a warm cache file stays).
     * Idempotent; {@link #stats()} keeps answering with the final counters.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (residency != null) {
            residency.close(); // no eviction call may reach the engine after this
        }
        java.util.concurrent.ScheduledFuture<?> renew = renewal;
        if (renew != null) {
            renew.cancel(false);
        }
        lifecycle.writeLock().lock();
        try {
            for (int i = 0; i < finalCounters.length; i++) {
                finalCounters[i] = stats.getLong(8 * i);
            }
            int check = SnapEngine.sn_region_check(handle, 0, size());
            if (check < 0 && checked(check, "") instanceof CorruptSnapshotException c) {
                finalHealth = c;
            }
            finalStats = readStats();
            finalTierHits = SnapEngine.sn_region_chunk_cache_hits(handle);
            int rc = SnapEngine.sn_region_close(handle);
            if (rc < 0) {
                throw new IllegalStateException(EngineErrors.last(rc, snapshot, mode(), MapOptions.defaults()));
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
        RegionEvents.closed(this); // JFR: the last fills, evictions and error since the previous tick
    }

    /**
     * Hands the engine a fresh URL for a remote snapshot (a pre-signed URL about to expire);
     * returns its expiry, or -1 once the region is closed. Called by {@link UrlRenewal}.
     */
    long renewUrl() throws IOException {
        RangeSource.EngineUrl url = snapshot.source().engineUrl();
        lifecycle.readLock().lock();
        try {
            if (finalStats != null) {
                return -1;
            }
            int rc = SnapEngine.sn_region_set_url(handle, url.url());
            if (rc < 0) {
                throw checked(rc, " renewing the URL of " + snapshot.location());
            }
            return url.expiresAtMillis();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Payloads this remote region served from its local tier ({@link MapOptions#chunkCache()}), not the server. */
    public long chunkCacheHits() {
        lifecycle.readLock().lock();
        try {
            return finalStats == null ? SnapEngine.sn_region_chunk_cache_hits(handle) : finalTierHits;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** A remote region's fetch limits (tests shorten them): one attempt, every attempt, attempts. */
    void fetchLimits(long requestMs, long totalMs, int attempts) {
        lifecycle.readLock().lock();
        try {
            if (finalStats == null) {
                int rc = SnapEngine.sn_region_set_fetch_limits(handle, requestMs, totalMs, attempts);
                if (rc < 0) {
                    throw new IllegalArgumentException(EngineErrors.last(rc, snapshot, mode(), MapOptions.defaults()));
                }
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "LazyRegion[" + mode() + ", " + size() + " bytes at 0x" + Long.toHexString(address()) + ", " + backing + "]";
    }
}
