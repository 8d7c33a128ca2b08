package dev.snapstore.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.snapstore.tools.Json;

/**
 * {@code results.json}: {@code {"machine": {...}, "results": [row, ...]}}, rows as {@link Result#toJson}
 * writes them; and the charts drawn from it. Stateless.
 */
final class ResultsFile {
    private ResultsFile() {
    }

    /** Writes DIR/results.json and DIR/results.svg; returns the name of the PNG, or null when it could not be drawn. */
    static String write(Path dir, Map<String, Object> machine, List<Result> results, PrintWriter err) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", machine);
        List<Object> rows = new ArrayList<>();
        for (Result r : results) {
            rows.add(r.toJson());
        }
        doc.put("results", rows);
        Files.writeString(dir.resolve("results.json"), Json.pretty(doc), StandardCharsets.UTF_8);
        Chart chart = new Chart(results, machine);
        Files.writeString(dir.resolve("results.svg"), chart.svg(), StandardCharsets.UTF_8);
        try {
            chart.png(dir.resolve("results.png"));
            return "results.png";
        } catch (IOException | RuntimeException | Error e) {
            err.println("snapstore bench: no PNG (" + e + "); the SVG has the same chart");
            return null;
        }
    }

    /** The table, the goals, and the rest of what a run prints at its end. */
    static void print(PrintWriter out, List<Result> results, List<Map<String, Object>> unavailable,
                      List<Map<String, Object>> failures) {
        out.print(Table.render(results, unavailable, failures));
        out.println();
        out.print(Goals.render(results));
    }

    /** Re-reads DIR/results.json, prints its table and goals, and redraws DIR/results.svg and .png. */
    @SuppressWarnings("unchecked")
    static int render(Path dir, PrintWriter out) throws IOException {
        Map<String, Object> doc = Json.parseObject(Files.readString(dir.resolve("results.json")));
        Map<String, Object> machine = (Map<String, Object>) doc.get("machine");
        List<Result> results = new ArrayList<>();
        for (Object o : (List<Object>) doc.get("results")) {
            Map<String, Object> r = (Map<String, Object>) o;
            Object v = r.get("value");
            results.add(new Result((String) r.get("scenario"), (String) r.get("system"), (String) r.get("mode"),
                    (String) r.get("state"), (String) r.get("metric"), v == null ? Double.NaN : ((Number) v).doubleValue(),
                    (String) r.get("unit")));
        }
        print(out, results, (List<Map<String, Object>>) machine.getOrDefault("unavailable", List.of()),
                (List<Map<String, Object>>) machine.getOrDefault("failures", List.of()));
        Chart chart = new Chart(results, machine);
        Files.writeString(dir.resolve("results.svg"), chart.svg(), StandardCharsets.UTF_8);
        chart.png(dir.resolve("results.png"));
        return 0;
    }
}
