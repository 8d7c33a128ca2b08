package dev.snapstore.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of a region's counters. Immutable. The budget counters ({@code budgetBytes} and after)
 * appear in {@link #asMap()} only for a region with a memory budget.
 *
 * @param mode                 the region's mode
 * @param minorFaults          faults on pages already in the backing file, served with UFFDIO_CONTINUE
 * @param missingFaults        faults on pages not present, served by decompressing (or from the chunk cache)
 * @param zeroFaults           faults served from all-zero chunks without decompression
 * @param chunksDecompressed   chunks decompressed (each at most once per fill)
 * @param bytesDecompressed    raw bytes produced by decompression
 * @param bytesMapped          bytes made present in the region
 * @param revalidations        warm chunks checked (state + CRC32C) before first use in this process
 * @param errors               chunks that could not be produced (poisoned, never zero-filled)
 * @param faultLatencyNanos    fault service latency histogram: bucket {@code i} counts faults that
 *                             took less than {@code 2^(i+1)} ns (and at least {@code 2^i} ns, for i &gt; 0)
 * @param budgetBytes          {@link MapOptions.Builder#memoryBudget(long)} of the region, 0 without one
 *                             (the counters below are then 0 too)
 * @param residentBytes        decompressed bytes the region keeps resident now (fill units: chunks, or
 *                             2 MiB pages for HUGETLB with smaller chunks), pinned ones included
 * @param residentPeakBytes    the highest {@code residentBytes} seen
 * @param pinnedBytes          resident bytes of units holding private writes: never evicted until
 *                             {@link Region#reset} covers them, so they may exceed the budget
 * @param evictions            units evicted (Caffeine's choice, or the native hard cap while Java lags)
 * @param refills              fills of units that had been resident before (decompressed again)
 * @param sampledAccesses      accesses seen as MINOR faults on resident units (after sampling zapped
 *                             their page-table entries), reported to Caffeine
 */
public record RegionStats(
        Mode mode,
        long minorFaults,
        long missingFaults,
        long zeroFaults,
        long chunksDecompressed,
        long bytesDecompressed,
        long bytesMapped,
        long revalidations,
        long errors,
        long[] faultLatencyNanos,
        long budgetBytes,
        long residentBytes,
        long residentPeakBytes,
        long pinnedBytes,
        long evictions,
        long refills,
        long sampledAccesses) {

    public RegionStats {
        faultLatencyNanos = faultLatencyNanos == null ? new long[0] : faultLatencyNanos.clone();
    }

    /** Counters of a region without a memory budget. */
    public RegionStats(Mode mode, long minorFaults, long missingFaults, long zeroFaults, long chunksDecompressed,
            long bytesDecompressed, long bytesMapped, long revalidations, long errors, long[] faultLatencyNanos) {
        this(mode, minorFaults, missingFaults, zeroFaults, chunksDecompressed, bytesDecompressed, bytesMapped,
                revalidations, errors, faultLatencyNanos, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Statistics of a region with nothing counted yet. */
    public static RegionStats empty(Mode mode) {
        return new RegionStats(mode, 0, 0, 0, 0, 0, 0, 0, 0, new long[0]);
    }

    @Override
    public long[] faultLatencyNanos() {
        return faultLatencyNanos.clone();
    }

    /** All faults served. */
    public long faults() {
        return minorFaults + missingFaults + zeroFaults;
    }

    /**
     * The latency under which {@code fraction} (0..1) of faults were served, in nanoseconds,
     * from the histogram's bucket bounds (an upper bound, within a factor of two); 0 when no fault
     * was timed.
     */
    public long faultLatencyPercentileNanos(double fraction) {
        long total = 0;
        for (long c : faultLatencyNanos) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i < faultLatencyNanos.length; i++) {
            seen += faultLatencyNanos[i];
            if (seen >= rank && faultLatencyNanos[i] > 0) {
                return 1L << (i + 1);
            }
        }
        return 1L << faultLatencyNanos.length;
    }

    /** The counters by name, for JSON and tables. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode.name().toLowerCase());
        m.put("minor_faults", minorFaults);
        m.put("missing_faults", missingFaults);
        m.put("zero_faults", zeroFaults);
        m.put("chunks_decompressed", chunksDecompressed);
        m.put("bytes_decompressed", bytesDecompressed);
        m.put("bytes_mapped", bytesMapped);
        m.put("revalidations", revalidations);
        m.put("errors", errors);
        m.put("fault_p50_ns", faultLatencyPercentileNanos(0.50));
        m.put("fault_p99_ns", faultLatencyPercentileNanos(0.99));
        if (budgetBytes > 0) {
            m.put("budget_bytes", budgetBytes);
            m.put("resident_bytes", residentBytes);
            m.put("resident_peak_bytes", residentPeakBytes);
            m.put("pinned_bytes", pinnedBytes);
            m.put("evictions", evictions);
            m.put("refills", refills);
            m.put("sampled_accesses", sampledAccesses);
        }
        return m;
    }
}
