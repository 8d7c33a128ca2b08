package dev.snapstore.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scenario's rows of a parsed results.json, for the tests: "system mode" to metric to value. */
final class ResultRows {
    private ResultRows() {
    }

    static Map<String, Map<String, Double>> of(Map<?, ?> doc, String scenario) {
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        for (Object o : (List<?>) doc.get("results")) {
            Map<?, ?> r = (Map<?, ?>) o;
            if (r.get("scenario").equals(scenario)) {
                rows.computeIfAbsent(r.get("system") + " " + r.get("mode"), k -> new HashMap<>())
                        .put((String) r.get("metric"), ((Number) r.get("value")).doubleValue());
            }
        }
        return rows;
    }
}
