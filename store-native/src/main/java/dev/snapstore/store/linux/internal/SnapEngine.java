package dev.snapstore.store.linux.internal;

/**
 * Raw binding of {@code snapstore.h}, the C fault engine ({@code libsnapstore.so}, built from
 * {@code store-native/src/main/c} into {@code linux-x86-64/} on the class path and loaded from the
 * {@link NativeLibraryCache}). JNI: each method below is registered by {@code jni.c}, whose
 * wrappers convert as JNA's direct mapping did (arrays copied in and back, strings as UTF-8).
 * JNA cost 150 to 250 ms of a fresh JVM's first map; a method declared here without a wrapper in
 * {@code jni.c} fails {@code SnapEngineBindingTest}.
 *
 * <p>Conventions of the C side: functions return {@code >= 0} on success and {@code -errno} on
 * failure; {@link #sn_error_kind()}, {@link #sn_error_errno()}, {@link #sn_error_call()} and
 * {@link #sn_error_arg()} then describe it (per thread; read by {@code EngineErrors}). Handles are the
 * native region's address. Nothing here checks arguments: callers ({@code LazyRegion}) do.
 *
 * <p>Thread-safety: every function may be called from any thread; a handle must not be used after
 * {@link #sn_region_close(long)}.
 */
public final class SnapEngine {
    // Every constant below mirrors one of snapstore.h; EngineConstantsTest reads each from the
    // library (sn_constant) at test time and fails when they differ.

    public static final int SN_MODE_ANONYMOUS = 1;
    public static final int SN_MODE_SHMEM = 2;
    public static final int SN_MODE_HUGETLB = 3;

    /** {@code sn_region_open} flag: MAP_PRIVATE copy-on-write region (else MAP_SHARED + PROT_READ). */
    public static final int SN_OPEN_WRITABLE = 1;

    /** {@code sn_region_open} flag: no sequential read-ahead by idle resolvers. */
    public static final int SN_OPEN_NO_READAHEAD = 2;

    /** {@code sn_region_open} flag: the region gets a memory budget (writable ones register write-protect). */
    public static final int SN_OPEN_BUDGET = 4;

    /** {@code sn_region_open} flag: record the order in which chunks are first touched ({@link #sn_region_profile}). */
    public static final int SN_OPEN_RECORD = 8;

    /** Slots (8 bytes each) of the residency counters returned by {@link #sn_region_budget_stats(long)}. */
    public static final int SN_R_BUDGET = 0;
    public static final int SN_R_CAP = 1;
    public static final int SN_R_RESIDENT = 2;
    public static final int SN_R_PEAK = 3;
    public static final int SN_R_PINNED = 4;
    public static final int SN_R_FILLS = 5;
    public static final int SN_R_REFILLS = 6;
    public static final int SN_R_EVICTIONS = 7;
    public static final int SN_R_HARD_EVICTIONS = 8;
    public static final int SN_R_ACCESSES = 9;
    public static final int SN_R_SAMPLED = 10;
    public static final int SN_R_DROPS = 11;
    public static final int SN_R_RESET_DROPS = 12;
    public static final int SN_R_WP_FAULTS = 13;
    public static final int SN_R_CACHED = 14;
    public static final int SN_R_CACHE_HITS = 15;
    public static final int SN_R_RESET_RESTORES = 16;
    public static final int SN_R_SLOTS = 17;

    /** Event kinds of {@link #sn_region_budget_drain}: bits 62-63; bits 32-61 generation, 0-31 unit. */
    public static final int SN_EV_FILL = 1;
    public static final int SN_EV_ACCESS = 2;
    public static final int SN_EV_GONE = 3;

    public static final int SN_CODEC_NONE = 0;
    public static final int SN_CODEC_LZ4 = 1;
    public static final int SN_CODEC_ZSTD = 2;
    public static final int SN_FLAG_ZERO = 1;
    public static final int SN_FLAG_DEDUP = 2;
    public static final int SN_INDEX_ENTRY_SIZE = 40;

    /** Longs per entry written by {@link #sn_index_decode}: offset, stored, raw, crc, codec, flags. */
    public static final int SN_DECODED_FIELDS = 6;

    /** Slots (8 bytes each) of the stats block returned by {@link #sn_region_stats(long)}. */
    public static final int SN_C_MINOR_FAULTS = 0;
    public static final int SN_C_MISSING_FAULTS = 1;
    public static final int SN_C_ZERO_FAULTS = 2;
    public static final int SN_C_CHUNKS_DECOMPRESSED = 3;
    public static final int SN_C_BYTES_DECOMPRESSED = 4;
    public static final int SN_C_BYTES_MAPPED = 5;
    public static final int SN_C_REVALIDATIONS = 6;
    public static final int SN_C_ERRORS = 7;
    public static final int SN_C_POISONED_FAULTS = 8;
    public static final int SN_C_LAST_ERROR = 9;
    public static final int SN_C_LAST_ERROR_CHUNK = 10;
    public static final int SN_C_WARM_VALID_AT_OPEN = 11;
    public static final int SN_C_PREFETCHED = 12;
    /** 1 + the first chunk that could not be produced (the region's error latch), 0 = none. */
    public static final int SN_C_FIRST_ERROR_CHUNK = 13;
    /** errno why the warm cache was not used (another user's file or directory at our name), 0 = used. */
    public static final int SN_C_WARM_REFUSED = 14;
    /** Fill units filled by profile replay ({@link #sn_region_replay}) ahead of the application. */
    public static final int SN_C_REPLAYED = 15;
    /** Fill units handed to the kernel: SHMEM over huge pages, no longer served by the resolvers. */
    public static final int SN_C_HANDED = 16;
    public static final int SN_C_COUNT = 17;
    public static final int SN_C_HIST_BASE = 24;
    public static final int SN_HIST_BUCKETS = 48;
    public static final int SN_STATS_SLOTS = 72;

    /** Error kinds ({@code enum sn_error_kind}), read with {@link #sn_error_kind()} after a failure. */
    public static final int SN_E_NONE = 0;
    public static final int SN_E_ARGUMENT = 1;
    public static final int SN_E_IO = 2;
    public static final int SN_E_UFFD_UNAVAILABLE = 3;
    public static final int SN_E_UFFD_PERMISSION = 4;
    public static final int SN_E_UFFD_FEATURES = 5;
    public static final int SN_E_HUGETLB_UNSUPPORTED = 6;
    public static final int SN_E_HUGETLB_RESERVE = 7;
    public static final int SN_E_WARM_DIR = 8;
    public static final int SN_E_WARM_FOREIGN = 9;
    public static final int SN_E_CORRUPT_INDEX = 10;
    public static final int SN_E_SNAPSHOT_CHANGED = 11;
    public static final int SN_E_CORRUPT_CHUNK = 12;

    /** {@link #sn_uffd_disabled()} bits beyond the UFFDIO_API features. */
    public static final long SN_DISABLE_DEV_USERFAULTFD = 1L << 62;
    public static final long SN_DISABLE_SYSCALL = 1L << 63;

    /** Where the library is packed in the jar. */
    static final String RESOURCE = "linux-x86-64/libsnapstore.so";

    private static final Throwable LOAD_ERROR;
    private static final int BOUND;

    static {
        Throwable error = null;
        int bound = 0;
        try {
            NativeLibraryCache.load(SnapEngine.class, RESOURCE);
            bound = sn_jni_bind();
        } catch (Throwable t) {
            error = t;
        }
        LOAD_ERROR = error;
        BOUND = bound;
    }

    /** Registers {@code jni.c}'s wrappers on this class; returns how many (tests compare it with the declared natives). */
    private static native int sn_jni_bind();

    /** How many native methods {@code jni.c} registered (0 when the library was not loaded). */
    static int boundMethods() {
        return BOUND;
    }

    private SnapEngine() {
    }

    /** Whether libsnapstore.so was found and bound. */
    public static boolean isLoaded() {
        return LOAD_ERROR == null;
    }

    /** Why the library could not be loaded, or null. */
    public static Throwable loadError() {
        return LOAD_ERROR;
    }

    public static native int sn_version();

    /**
     * Name and value of the library's {@code i}-th constant (value in {@code value[0]}), or null
     * past the last one.
     */
    public static native String sn_constant_at(int i, long[] value);

    /** The value of the library's constant {@code name}, or {@link Long#MIN_VALUE} when it has none. */
    public static native long sn_constant(String name);

    /** The kind ({@code SN_E_*}) of the last error on this thread. */
    public static native int sn_error_kind();

    /** The errno of the last error on this thread. */
    public static native int sn_error_errno();

    /** The failing call of the last error on this thread (a static string in the library). */
    public static native String sn_error_call();

    /** The last error's detail: the index entry, the chunk, or the missing feature bits; -1 when none. */
    public static native long sn_error_arg();

    /** Bit {@code 1 << codecId} for each codec the engine can decode (liblz4.so.1, libzstd.so.1 found). */
    public static native int sn_codecs_available();

    /**
     * out[0] features in effect (offered minus SNAPSTORE_UFFD_DISABLE), out[1] 1 = syscall /
     * 2 = /dev/userfaultfd, out[2] syscall errno.
     */
    public static native int sn_uffd_probe(long[] out);

    /** What SNAPSTORE_UFFD_DISABLE masks: UFFDIO_API feature bits and {@code SN_DISABLE_*} bits. */
    public static native long sn_uffd_disabled();

    /**
     * Replaces the SNAPSTORE_UFFD_DISABLE mask for regions opened from now on ({@code
     * "POISON,MINOR_SHMEM"}; null or "" clears it). Tests switch kernel paths with it.
     */
    public static native int sn_uffd_disable(String spec);

    /**
     * Decodes {@code count} index entries as {@link #sn_region_open} does, writing
     * {@link #SN_DECODED_FIELDS} longs per entry to {@code out}; 0 or {@code -errno}.
     */
    public static native int sn_index_decode(byte[] index, int count, int chunkShift, long length, long[] out);

    public static native int sn_crc32c_update(int crc, long address, long length);

    /** {@link #sn_sha256} is there: 2 when it uses the CPU's SHA extensions, 1 with the portable code. */
    public static native int sn_sha256_available();

    /**
     * SHA-256 of {@code aLength} bytes at {@code a} followed by {@code bLength} bytes at {@code b}
     * into {@code out[0..31]}; 0, or {@code -EINVAL} on a negative length.
     */
    public static native int sn_sha256(long a, long aLength, long b, long bLength, byte[] out);

    /** Test hook: non-zero makes {@link #sn_sha256} use its portable code even with SHA-NI; returns the previous setting. */
    public static native int sn_sha256_portable(int on);

    /**
     * Returns a handle ({@code > 0}) or {@code -errno}. {@code index} is the address of chunkCount
     * 40-byte entries (a direct buffer the caller keeps reachable until this returns; only read).
     */
    public static native long sn_region_open(String snapPath, long snapSize, long index, int chunkCount,
            int chunkShift, long length, int mode, int flags, int resolvers, String warmDir, String warmName);

    /** 1 when libcurl.so.4 can be loaded: remote snapshots can be restored lazily. */
    public static native int sn_remote_available();

    /** Replaces a remote region's URL (a renewed pre-signed URL); 0 or {@code -errno}. */
    public static native int sn_region_set_url(long handle, String url);

    /** A remote region's fetch limits: one attempt, all attempts with back-off, attempts; 0 or {@code -errno}. */
    public static native int sn_region_set_fetch_limits(long handle, long requestMs, long totalMs, int attempts);

    /** Gives a remote region its local tier: {@code dir} (this snapshot's), at most {@code budget} more bytes. */
    public static native int sn_region_set_chunk_cache(long handle, String dir, long budget);

    /** Payloads a remote region served from its local tier. */
    public static native long sn_region_chunk_cache_hits(long handle);

    public static native long sn_region_address(long handle);

    public static native long sn_region_mapped_length(long handle);

    public static native long sn_region_page_size(long handle);

    /** Address of the region's stats block: {@code SN_C_*} slots, then the latency histogram. */
    public static native long sn_region_stats(long handle);

    public static native int sn_region_populate(long handle, long offset, long length, int write);

    /** Copies up to {@code max} recorded chunk ids (first-touch order) into {@code out}; returns how many, or -errno. */
    public static native int sn_region_profile(long handle, int[] out, int max);

    /** Queues {@code count} chunk ids for replay by idle resolvers, in order; returns the units queued, or -errno. */
    public static native int sn_region_replay(long handle, int[] chunks, int count);

    /** How many of the region's resolver threads have taken a profile replay job so far. */
    public static native int sn_region_replay_resolvers(long handle);

    /**
     * The error latch for a range: 0, or {@code -errno} of the first chunk overlapping it that could
     * not be produced (typed error SN_E_CORRUPT_CHUNK, arg: the chunk).
     */
    public static native int sn_region_check(long handle, long offset, long length);

    public static native int sn_region_reset(long handle, long offset, long length);

    public static native int sn_region_close(long handle);

    /** Gives a region opened with {@link #SN_OPEN_BUDGET} its budget; call before using its address. */
    public static native int sn_region_budget(long handle, long budget);

    /** Address of the residency counters ({@code SN_R_*} slots), 0 without a budget. */
    public static native long sn_region_budget_stats(long handle);

    /** Bytes of one residency (fill) unit. */
    public static native long sn_region_unit_size(long handle);

    /** Moves up to {@code max} fill/access/gone events into {@code out}; single consumer. Returns the count. */
    public static native int sn_region_budget_drain(long handle, long[] out, int max);

    /** Evicts a unit if still resident in generation {@code gen}: 1 evicted, 0 gone already, -EBUSY pinned. */
    public static native int sn_region_evict(long handle, long unit, long gen);

    /** Zaps the page-table entries of up to {@code count} resident unpinned units (file modes); returns how many. */
    public static native int sn_region_sample(long handle, int count);

    /** Decompressed bytes present now, measured with mincore (file pages, or the region's own pages). */
    public static native long sn_region_measure_resident(long handle);

    /**
     * Unmaps the guards left at closed regions' addresses for at least a second (all of them when
     * {@code all} is non-zero; only safe when nothing can touch those addresses any more); returns
     * how many remain. Opening or closing a region does this too.
     */
    public static native int sn_guards_release(int all);
}
