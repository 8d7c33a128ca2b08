package dev.snapstore.tools;

import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of latencies as the tools report them: p50, p99 and p99.9 in microseconds, from an
 * HdrHistogram of nanoseconds, or from the engine's power-of-two buckets. Stateless, thread-safe.
 */
public final class Latency {
    /** The percentiles reported, with the suffix of their metric names. */
    private static final double[] PERCENTILES = {50, 99, 99.9};
    private static final String[] SUFFIXES = {"p50", "p99", "p999"};

    private Latency() {
    }

    /** A histogram of nanoseconds from 1 ns, three significant digits. */
    public static Histogram newHistogram() {
        return new Histogram(3);
    }

    /** {@code prefix_p50_us}, {@code prefix_p99_us}, {@code prefix_p999_us} of {@code h} (zeros when it is empty). */
    public static Map<String, Double> micros(String prefix, Histogram h) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < PERCENTILES.length; i++) {
            m.put(prefix + "_" + SUFFIXES[i] + "_us", h.getValueAtPercentile(PERCENTILES[i]) / 1e3);
        }
        return m;
    }

    /**
     * The same percentiles of counts in power-of-two buckets (bucket {@code i} holds values below
     * {@code 2^(i+1)} ns, the engine's fault-latency histogram): each an upper bound within 2x.
     */
    public static Map<String, Double> microsOfBuckets(String prefix, long[] buckets) {
        Map<String, Double> m = new LinkedHashMap<>();
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        if (total == 0) {
            return m;
        }
        for (int q = 0; q < PERCENTILES.length; q++) {
            long rank = (long) Math.ceil(PERCENTILES[q] / 100 * total);
            long seen = 0;
            for (int i = 0; i < buckets.length; i++) {
                seen += buckets[i];
                if (seen >= rank) {
                    m.put(prefix + "_" + SUFFIXES[q] + "_us", (1L << (i + 1)) / 1e3);
                    break;
                }
            }
        }
        return m;
    }
}
