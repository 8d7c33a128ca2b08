package dev.snapstore.bench;

import java.util.Map;

import dev.snapstore.tools.Json;

/**
 * One measured number, as written to results.json. Immutable, thread-safe.
 *
 * @param scenario model-weights, service-state, random-chunks, jmh-fork, full-scan (or pack)
 * @param system   snapstore, eager, mmap, chronicle-mapped, codec-raw, memcpy
 * @param mode     the snapstore mode ("shmem", "hugetlb+load"), the codec, or the mapping kind
 * @param state    "cold" or "warm"
 * @param metric   open_ms, ttfb_us, touch_all_gbps, fault_p50_us, rss_bytes, ...
 * @param value    the number
 * @param unit     ms, us, GB/s, bytes, count, fraction, ratio
 */
public record Result(String scenario, String system, String mode, String state, String metric, double value, String unit) {

    /** The JSON object of this result, keys in the documented order. */
    public Map<String, Object> toJson() {
        return Json.object("scenario", scenario, "system", system, "mode", mode, "state", state, "metric", metric,
                "value", value, "unit", unit);
    }

    /** The row key: scenario, system, mode, state. */
    public String key() {
        return scenario + "|" + system + "|" + mode + "|" + state;
    }
}
