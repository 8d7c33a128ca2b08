package dev.snapstore.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of a region's counters. Immutable.
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
        long[] faultLatencyNanos) {

    public RegionStats {
        faultLatencyNanos = faultLatencyNanos == null ? new long[0] : faultLatencyNanos.clone();
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
        return m;
    }
}
