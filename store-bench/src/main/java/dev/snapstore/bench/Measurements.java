package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.snapstore.tools.MemoryUsage;

/**
 * The lines a measuring JVM hands back to {@link BenchRun}: tab-separated {@code state metric value
 * unit}, {@code window state startMillis endMillis} (wall clock, to cut the safepoint log), or
 * one line {@code unavailable reason}. Not thread-safe: the measuring thread writes.
 */
final class Measurements {
    private final List<String> lines = new ArrayList<>();

    void emit(String state, String metric, double value, String unit) {
        lines.add(state + "\t" + metric + "\t" + value + "\t" + unit);
    }

    /** Every entry of {@code metrics} (name → {value, unit}). */
    void emitAll(String state, Map<String, Object[]> metrics) {
        for (Map.Entry<String, Object[]> e : metrics.entrySet()) {
            emit(state, e.getKey(), ((Number) e.getValue()[0]).doubleValue(), (String) e.getValue()[1]);
        }
    }

    /** Every entry of {@code values} in one unit. */
    void emitAll(String state, Map<String, Double> values, String unit) {
        values.forEach((k, v) -> emit(state, k, v, unit));
    }

    /** The counters' growth since {@code before} (cumulative counters of a subject). */
    void emitGrowth(String state, Map<String, Double> before, Map<String, Double> after) {
        after.forEach((k, v) -> emit(state, k, v - before.getOrDefault(k, 0.0), "count"));
    }

    /** This process's memory now, under {@link MemoryUsage}'s names (what {@code restore --json} reports). */
    void memory(String state) {
        for (Map.Entry<String, Object> e : MemoryUsage.current().asMap(null).entrySet()) {
            if (e.getValue() instanceof Long && (Long) e.getValue() >= 0) {
                emit(state, e.getKey(), (Long) e.getValue(), "bytes");
            }
        }
    }

    void window(String state, long startMillis, long endMillis) {
        lines.add("window\t" + state + "\t" + startMillis + "\t" + endMillis);
    }

    /** Replaces everything measured so far by the reason the subject could not be measured. */
    void unavailable(String reason) {
        lines.clear();
        lines.add("unavailable\t" + reason.replace('\t', ' ').replace('\n', ' '));
    }

    void writeTo(Path file) throws IOException {
        Files.write(file, lines);
    }
}
