package dev.snapstore.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link Snapshot#map(Mode, MapOptions)} builds a region. Immutable; build with
 * {@link #builder()}.
 */
public final class MapOptions {
    private static final MapOptions DEFAULTS = builder().build();

    private final boolean writable;
    private final int resolverThreads;
    private final int eagerThreads;
    private final Path warmCache;
    private final boolean hugepages;
    private final ProgressListener progress;
    private final long memoryBudget;
    private final Path chunkCache;
    private final long chunkCacheBytes;
    private final Prefetch prefetch;
    private final boolean recordProfile;
    private final Path profileFile;
    private final boolean resolverThreadsSet;

    private MapOptions(Builder b) {
        this.writable = b.writable;
        this.resolverThreads = b.resolverThreads;
        this.resolverThreadsSet = b.resolverThreadsSet;
        this.eagerThreads = b.eagerThreads;
        this.warmCache = b.warmCache;
        this.hugepages = b.hugepages;
        this.progress = b.progress;
        this.memoryBudget = b.memoryBudget;
        this.chunkCache = b.chunkCache;
        this.chunkCacheBytes = b.chunkCacheBytes;
        this.prefetch = b.prefetch;
        this.recordProfile = b.recordProfile;
        this.profileFile = b.profileFile;
    }

    /** Defaults: writable (copy-on-write), resolvers = cores, no warm cache, hugepages when free. */
    public static MapOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.writable = writable;
        b.resolverThreads = resolverThreads;
        b.resolverThreadsSet = resolverThreadsSet;
        b.eagerThreads = eagerThreads;
        b.warmCache = warmCache;
        b.hugepages = hugepages;
        b.progress = progress;
        b.memoryBudget = memoryBudget;
        b.chunkCache = chunkCache;
        b.chunkCacheBytes = chunkCacheBytes;
        b.prefetch = prefetch;
        b.recordProfile = recordProfile;
        b.profileFile = profileFile;
        return b;
    }

    /** Whether the region accepts writes (private copy-on-write; the snapshot never changes). */
    public boolean writable() {
        return writable;
    }

    /** Native resolver threads of a lazy region (default: the number of processors). */
    public int resolverThreads() {
        return resolverThreads;
    }

    /**
     * Resolvers a lazy region of a remote snapshot starts unless {@link Builder#resolverThreads} was
     * given: at least this many, since they spend a fault waiting on a round trip, not on a CPU, and
     * the requests in flight are what a remote region's random reads and read-ahead are bound by.
     */
    public static final int REMOTE_RESOLVERS = 16;

    /** The resolver threads of a lazy region: {@link #resolverThreads()}, at least {@link #REMOTE_RESOLVERS} for a remote snapshot unless set. */
    public int resolverThreads(boolean remote) {
        return remote && !resolverThreadsSet ? Math.max(resolverThreads, REMOTE_RESOLVERS) : resolverThreads;
    }

    /** Threads decompressing an eager region. */
    public int eagerThreads() {
        return eagerThreads;
    }

    /** Directory keeping decompressed chunks across processes (a hugetlbfs mount or /dev/shm). */
    public Optional<Path> warmCache() {
        return Optional.ofNullable(warmCache);
    }

    /** Whether eager regions may use hugepages when enough are free. */
    public boolean hugepages() {
        return hugepages;
    }

    /** Progress of an eager restore. */
    public ProgressListener progress() {
        return progress;
    }

    /**
     * The most decompressed bytes a lazy region keeps resident, or empty (the default: every chunk
     * touched stays for the region's life). See {@link Builder#memoryBudget(long)}.
     */
    public java.util.OptionalLong memoryBudget() {
        return memoryBudget > 0 ? java.util.OptionalLong.of(memoryBudget) : java.util.OptionalLong.empty();
    }

    /** The local tier of a remote snapshot's fetched chunks, or empty. See {@link Builder#chunkCache}. */
    public Optional<Path> chunkCache() {
        return Optional.ofNullable(chunkCache);
    }

    /** The byte bound of {@link #chunkCache()}'s directory. */
    public long chunkCacheBytes() {
        return chunkCacheBytes;
    }

    /** What idle resolvers of a lazy region fill ahead of the application (default {@link Prefetch#SEQUENTIAL}). */
    public Prefetch prefetch() {
        return prefetch;
    }

    /** Whether a lazy region records the order in which chunks are first touched ({@link Region#recordedProfile()}). */
    public boolean recordProfile() {
        return recordProfile;
    }

    /**
     * The profile file {@link Prefetch#PROFILE} replays and {@link Region#recordProfile()} writes, or
     * empty for the snapshot's sidecar ({@link dev.snapstore.store.format.ProfileFile#sidecar}).
     */
    public Optional<Path> profileFile() {
        return Optional.ofNullable(profileFile);
    }

    /** Builder of {@link MapOptions}; not thread-safe. */
    public static final class Builder {
        private boolean writable = true;
        private int resolverThreads = Runtime.getRuntime().availableProcessors();
        private boolean resolverThreadsSet;
        private int eagerThreads = Runtime.getRuntime().availableProcessors();
        private Path warmCache;
        private boolean hugepages = true;
        private ProgressListener progress = ProgressListener.NONE;
        private long memoryBudget;
        private Path chunkCache;
        private long chunkCacheBytes;
        private Prefetch prefetch = Prefetch.SEQUENTIAL;
        private boolean recordProfile;
        private Path profileFile;

        private Builder() {
        }

        public Builder writable(boolean writable) {
            this.writable = writable;
            return this;
        }

        /** Read-only regions share one physical copy of the image between processes. */
        public Builder readOnly() {
            return writable(false);
        }

        public Builder resolverThreads(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("resolverThreads must be 1..256: " + n);
            }
            this.resolverThreads = n;
            this.resolverThreadsSet = true;
            return this;
        }

        public Builder eagerThreads(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("eagerThreads must be 1..1024: " + n);
            }
            this.eagerThreads = n;
            return this;
        }

        public Builder warmCache(Path dir) {
            this.warmCache = dir;
            return this;
        }

        public Builder hugepages(boolean allowed) {
            this.hugepages = allowed;
            return this;
        }

        public Builder progress(ProgressListener listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Makes a lazy region a cache: at most {@code bytes} of decompressed chunks stay resident
         * (in every lazy mode), plus a slack of two fill units per resolver thread while Java lags
         * behind the fault path. Caffeine chooses which chunks stay; an evicted chunk is decompressed
         * again on its next touch. Chunks holding private writes (writable regions) are pinned until
         * {@link Region#reset} covers them and may exceed the budget ({@link RegionStats#pinnedBytes()}).
         * The region checks that the budget holds at least two fill units (chunks, or 2 MiB pages
         * for HUGETLB). Ignored by EAGER regions. {@code 0} removes the budget. {@link Snapshot#read}'s
         * chunk cache is separate and keeps its own budget. ANONYMOUS regions also keep decompressed
         * chunks in a native chunk cache within this budget (a chunk both mapped and cached counts
         * twice), so a fault after {@link Region#reset} copies instead of decompressing: give such a
         * region twice the image to keep everything.
         *
         * <p>The chunk is the cache's granularity: a chunk stays or goes whole (HUGETLB: a 2 MiB page).
         * For scattered small reads (a Zipf-accessed index), pack with small chunks (64 KiB) and map
         * SHMEM or ANONYMOUS, so only the hot parts of the image take the budget; with 2 MiB chunks
         * each hot 4 KiB page keeps 2 MiB resident.
         *
         * @throws IllegalArgumentException when {@code bytes} is negative
         */
        public Builder memoryBudget(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("memoryBudget must be >= 0 bytes: " + bytes);
            }
            this.memoryBudget = bytes;
            return this;
        }

        /**
         * Keeps the compressed chunks a lazy region of a remote snapshot fetches in {@code dir}, at
         * most {@code bytes} in all (the oldest files go first when a region opens), keyed by the
         * snapshot's digest and the chunk's byte range; each is CRC32C-checked when used, written
         * under a temporary name and renamed, so processes on one host share it safely. A second
         * restore of the same snapshot on the host fetches only what the first did not keep.
         * Ignored for local files. {@code dir == null} turns it off.
         *
         * @throws IllegalArgumentException when {@code bytes} is negative
         */
        public Builder chunkCache(Path dir, long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("chunkCache bytes must be >= 0: " + bytes);
            }
            this.chunkCache = dir;
            this.chunkCacheBytes = bytes;
            return this;
        }

        /** What idle resolvers fill ahead of the application; see {@link Prefetch}. */
        public Builder prefetch(Prefetch policy) {
            this.prefetch = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Records the working set: the region notes each chunk's first touch, in order, from the
         * events its resolvers serve anyway (no extra fault, no allocation per fault). Take it with
         * {@link Region#recordedProfile()}, persist it with {@link Region#recordProfile()}.
         */
        public Builder recordProfile(boolean record) {
            this.recordProfile = record;
            return this;
        }

        /** Replays and records the profile at {@code file} instead of the snapshot's sidecar. */
        public Builder profileFile(Path file) {
            this.profileFile = file;
            return this;
        }

        public MapOptions build() {
            return new MapOptions(this);
        }
    }
}
