package dev.snapstore.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.tools.TextTable;

/** Renders results as a fixed-width terminal table, one block per scenario. Stateless. */
final class Table {
    private static final String[][] COLUMNS = {
        {"open_ms", "open ms"}, {"ttfb_us", "ttfb us"}, {"touch_1pct_ms", "1% ms"}, {"touch_10pct_ms", "10% ms"},
        {"touch_all_ms", "all ms"}, {"touch_all_gbps", "GB/s"}, {"fault_p50_us", "p50 us"},
        {"fault_p99_us", "p99 us"}, {"fault_p999_us", "p99.9 us"}, {"rss_bytes", "RSS MiB"}, {"mem_bytes", "mem MiB"}, {"cpu_ms", "CPU ms"},
        {"ttsp_max_us", "TTSP max us"}, {"gc_pause_max_ms", "GC max ms"},
    };

    /** The budget scenario's own columns ({@link BudgetWorkload}). */
    private static final String[][] BUDGET_COLUMNS = {
        {"lookups_per_s", "lookups/s"}, {"hit_ratio", "hit ratio"}, {"lookup_p50_us", "p50 us"},
        {"lookup_p99_us", "p99 us"}, {"scan_ms", "scan ms"}, {"bytes_decompressed", "decomp MiB"},
        {"budget_bytes", "budget MiB"}, {"resident_peak_sampled_bytes", "peak res MiB"},
        {"resident_peak_bytes", "engine peak MiB"}, {"cgroup_max_usage_bytes", "cgroup max MiB"},
        {"evictions", "evictions"}, {"cpu_ms", "CPU ms"},
    };

    private Table() {
    }

    /** Rows keyed by scenario → "system|mode|state" → metric → value, in first-seen order. */
    static Map<String, Map<String, Map<String, Double>>> pivot(List<Result> results) {
        Map<String, Map<String, Map<String, Double>>> by = new LinkedHashMap<>();
        for (Result r : results) {
            by.computeIfAbsent(r.scenario(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.system() + "|" + r.mode() + "|" + r.state(), k -> new LinkedHashMap<>())
                    .put(r.metric(), r.value());
        }
        return by;
    }

    static String render(List<Result> results, List<Map<String, Object>> unavailable, List<Map<String, Object>> failures) {
        StringBuilder sb = new StringBuilder();
        Map<String, Map<String, Map<String, Double>>> by = pivot(results);
        for (Map.Entry<String, Map<String, Map<String, Double>>> sc : by.entrySet()) {
            sb.append('\n').append("== ").append(sc.getKey()).append(" ==\n");
            if (sc.getKey().equals("pack")) {
                for (Map.Entry<String, Map<String, Double>> row : sc.getValue().entrySet()) {
                    Map<String, Double> v = row.getValue();
                    String[] k = row.getKey().split("\\|");
                    String range = v.containsKey("pack_gbps_min")
                            ? " (" + num(v.get("pack_gbps_min")) + ".." + num(v.get("pack_gbps_max")) + ")" : "";
                    sb.append(String.format(Locale.ROOT, "  %s %s %s: %s ms, %s GB/s%s, ratio %s%n", k[0], k[1], k[2],
                            num(v.get("pack_ms")), num(v.get("pack_gbps")), range, num(v.get("ratio"))));
                }
                continue;
            }
            if (sc.getKey().equals(Scenario.BUDGET.cliName())) {
                sb.append(budget(sc.getValue()));
                continue;
            }
            if (sc.getKey().equals(Remote.SCENARIO)) {
                sb.append(Remote.render(sc.getValue()));
                continue;
            }
            if (sc.getKey().equals(Scenario.COLD_START.cliName()) || sc.getKey().equals(Scenario.OPEN_SCALE.cliName())) {
                sb.append(Startup.render(sc.getKey(), sc.getValue()));
                continue;
            }
            List<String[]> rows = new ArrayList<>();
            List<String> head = new ArrayList<>(List.of("system", "mode", "state"));
            for (String[] c : COLUMNS) {
                head.add(c[1]);
            }
            head.add("x eager");
            head.add("x mmap");
            rows.add(head.toArray(new String[0]));
            for (Map.Entry<String, Map<String, Double>> row : sc.getValue().entrySet()) {
                String[] k = row.getKey().split("\\|");
                Map<String, Double> v = row.getValue();
                List<String> cells = new ArrayList<>(List.of(k[0], k[1], k[2]));
                for (String[] c : COLUMNS) {
                    Double d = v.get(c[0]);
                    if (c[0].equals("mem_bytes")) {
                        d = v.get("memory_bytes"); // MemoryUsage.footprint: PSS + hugetlb pages once
                        if (d == null && v.containsKey("pss_bytes")) {
                            d = v.get("pss_bytes") + v.getOrDefault("hugetlb_bytes", 0.0); // results from before memory_bytes
                        }
                    }
                    if (d != null && c[0].endsWith("_bytes")) {
                        d = d / (1 << 20);
                    }
                    cells.add(num(d));
                }
                cells.add(ratio(sc.getValue(), "eager", k[2], v.get("touch_all_ms")));
                cells.add(ratio(sc.getValue(), "mmap", k[2], v.get("touch_all_ms")));
                rows.add(cells.toArray(new String[0]));
            }
            TextTable grid = new TextTable(3, false, rows.get(0));
            for (String[] r : rows.subList(1, rows.size())) {
                grid.row(r);
            }
            sb.append(grid.render("  "));
        }
        sb.append("\n  mem MiB: memory_bytes, PSS + hugetlb pages each counted once (what the process really holds; RSS"
                + " counts the engine's alias mapping twice and hugetlb pages not at all).");
        sb.append("\n  x eager / x mmap: that system's time to touch everything (same scenario and state) divided by this row's; > 1 is faster.\n");
        for (Map<String, Object> u : unavailable) {
            sb.append("  not measured: ").append(u.get("system"));
            if (u.containsKey("mode")) {
                sb.append(' ').append(u.get("mode"));
            }
            if (u.containsKey("scenario")) {
                sb.append(" in ").append(u.get("scenario"));
            }
            sb.append(": ").append(u.get("reason")).append('\n');
        }
        for (Map<String, Object> f : failures) {
            sb.append("  FAILED: ").append(f.get("scenario")).append(' ').append(f.get("system")).append(' ')
                    .append(f.get("mode")).append(": ").append(f.get("error")).append('\n');
        }
        return sb.toString();
    }

    private static String budget(Map<String, Map<String, Double>> rowsByKey) {
        List<String> head = new ArrayList<>(List.of("system", "mode"));
        for (String[] c : BUDGET_COLUMNS) {
            head.add(c[1]);
        }
        TextTable grid = new TextTable(2, false, head.toArray(new String[0]));
        for (Map.Entry<String, Map<String, Double>> row : rowsByKey.entrySet()) {
            String[] k = row.getKey().split("\\|");
            List<String> cells = new ArrayList<>(List.of(k[0], k[1]));
            for (String[] c : BUDGET_COLUMNS) {
                Double d = row.getValue().get(c[0]);
                if (d != null && c[0].contains("bytes")) {
                    d = d / (1 << 20);
                }
                cells.add(c[0].equals("hit_ratio") && d != null ? String.format(Locale.ROOT, "%.3f", d) : num(d));
            }
            grid.row(cells.toArray(new String[0]));
        }
        return grid.render("  ") + "  budget: " + BudgetWorkload.LOOKUP_THREADS + " threads of Zipf(0.99) 4 KiB lookups, a scan of"
                + " 25% of the image every " + BudgetWorkload.SCAN_EVERY_MS / 1000 + " s; hit = a lookup that needed neither"
                + " decompression nor disk (no MISSING fault / no major fault); peak res = resident bytes sampled every"
                + " 10 ms (snapstore: the region's, mmap: RssFile); snapstore and mmap ran in a memory cgroup of the budget"
                + " + " + BenchCommand.BUDGET_HEADROOM_MIB + " MiB; snapstore read its own snapshot of the image with"
                + " --budget-chunk-size chunks (a budget keeps or evicts whole chunks; HUGETLB whole 2 MiB pages).\n";
    }

    private static String ratio(Map<String, Map<String, Double>> rows, String system, String state, Double mine) {
        if (mine == null || mine <= 0) {
            return "-";
        }
        for (Map.Entry<String, Map<String, Double>> e : rows.entrySet()) {
            String[] k = e.getKey().split("\\|");
            if (k[0].equals(system) && k[2].equals(state)) {
                Double theirs = e.getValue().get("touch_all_ms");
                return theirs == null ? "-" : num(theirs / mine);
            }
        }
        return "-";
    }

    static String num(Double d) {
        if (d == null || d.isNaN()) {
            return "-";
        }
        double a = Math.abs(d);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", d);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        return String.format(Locale.ROOT, "%.2f", d);
    }
}
