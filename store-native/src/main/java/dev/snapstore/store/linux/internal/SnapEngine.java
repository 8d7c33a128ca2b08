package dev.snapstore.store.linux.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Raw binding of {@code snapstore.h}, the C fault engine ({@code libsnapstore.so}, built from
 * {@code store-native/src/main/c} into {@code linux-x86-64/} on the class path). JNA direct mapping.
 *
 * <p>Conventions of the C side: functions return {@code >= 0} on success and {@code -errno} on
 * failure; {@link #sn_error_call()} then names the call that failed (per thread). Handles are the
 * native region's address. Nothing here checks arguments: callers ({@code LazyRegion}) do.
 *
 * <p>Thread-safety: every function may be called from any thread; a handle must not be used after
 * {@link #sn_region_close(long)}.
 */
public final class SnapEngine {
    public static final int SN_MODE_ANONYMOUS = 1;
    public static final int SN_MODE_SHMEM = 2;
    public static final int SN_MODE_HUGETLB = 3;

    /** {@code sn_region_open} flag: MAP_PRIVATE copy-on-write region (else MAP_SHARED + PROT_READ). */
    public static final int SN_OPEN_WRITABLE = 1;

    /** {@code sn_region_open} flag: no sequential read-ahead by idle resolvers. */
    public static final int SN_OPEN_NO_READAHEAD = 2;

    /** {@code sn_region_open} flag: the region gets a memory budget (writable ones register write-protect). */
    public static final int SN_OPEN_BUDGET = 4;

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
    public static final int SN_R_SLOTS = 14;

    /** Event kinds of {@link #sn_region_budget_drain}: bits 62-63; bits 32-61 generation, 0-31 unit. */
    public static final int SN_EV_FILL = 1;
    public static final int SN_EV_ACCESS = 2;
    public static final int SN_EV_GONE = 3;

    public static final int SN_CODEC_NONE = 0;
    public static final int SN_CODEC_LZ4 = 1;
    public static final int SN_CODEC_ZSTD = 2;

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
    public static final int SN_C_HIST_BASE = 16;
    public static final int SN_HIST_BUCKETS = 48;

    private static final Throwable LOAD_ERROR;

    static {
        Throwable error = null;
        try {
            Native.register(SnapEngine.class, NativeLibrary.getInstance("snapstore"));
        } catch (Throwable t) {
            error = t;
        }
        LOAD_ERROR = error;
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

    /** The failing call of the last error on this thread (a static string in the library). */
    public static native String sn_error_call();

    /** Bit {@code 1 << codecId} for each codec the engine can decode (liblz4.so.1, libzstd.so.1 found). */
    public static native int sn_codecs_available();

    /** out[0] features the kernel offers, out[1] 1 = syscall / 2 = /dev/userfaultfd, out[2] syscall errno. */
    public static native int sn_uffd_probe(long[] out);

    public static native int sn_crc32c_update(int crc, long address, long length);

    /** Returns a handle ({@code > 0}) or {@code -errno}. {@code index} holds chunkCount 40-byte entries. */
    public static native long sn_region_open(String snapPath, long snapSize, byte[] index, int chunkCount,
            int chunkShift, long length, int mode, int flags, int resolvers, String warmDir, String warmName);

    public static native long sn_region_address(long handle);

    public static native long sn_region_mapped_length(long handle);

    public static native long sn_region_page_size(long handle);

    /** Address of the region's stats block: {@code SN_C_*} slots, then the latency histogram. */
    public static native long sn_region_stats(long handle);

    public static native int sn_region_populate(long handle, long offset, long length, int write);

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
