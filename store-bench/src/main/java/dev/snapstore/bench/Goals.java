package dev.snapstore.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 4's goals, checked against one run's results: the ratios they are stated in, computed
 * from the rows that define them, with "n/a" where the run lacks a row (a mode not available, a
 * scenario not run). Stateless.
 */
final class Goals {
    private Goals() {
    }

    static String render(List<Result> results) {
        Map<String, Map<String, Map<String, Double>>> t = Table.pivot(results);
        List<String> lines = new ArrayList<>();
        lines.add("Goals (issue 4), from this run:");
        Double hugeCold = get(t, "full-scan", "snapstore|hugetlb|cold", "touch_all_ms");
        Double hugeWarm = get(t, "full-scan", "snapstore|hugetlb|warm", "touch_all_ms");
        Double eagerCold = get(t, "full-scan", "eager|" + codec(t) + "|cold", "touch_all_ms");
        Double mmapWarm = get(t, "full-scan", "mmap|read-only|warm", "touch_all_ms");
        lines.add(line("cold HUGETLB full touch >= 0.8x eager", ratio(eagerCold, hugeCold), 0.8, true,
                "eager cold all-ms / hugetlb cold all-ms (full-scan)"));
        lines.add(line("warm HUGETLB >= 5x cold", ratio(hugeCold, hugeWarm), 5, true, "cold all-ms / warm all-ms (full-scan)"));
        lines.add(line("warm HUGETLB >= 2x warm mmap, sequential", ratio(mmapWarm, hugeWarm), 2, true,
                "mmap warm all-ms / hugetlb warm all-ms (full-scan, one word per page)"));
        lines.add(line("warm HUGETLB >= 2x warm mmap, random lookups",
                ratio(get(t, "service-state", "mmap|read-only|warm", "touch_all_ms"),
                        get(t, "service-state", "snapstore|hugetlb|warm", "touch_all_ms")), 2, true,
                "mmap warm all-ms / hugetlb warm all-ms (service-state)"));
        Double rand = get(t, "random-chunks", "snapstore|hugetlb|cold", "touch_all_ms");
        Double randEager = get(t, "random-chunks", "eager|" + codec(t) + "|cold", "touch_all_ms");
        Double randEagerMode = get(t, "random-chunks", "snapstore|eager|cold", "touch_all_ms");
        lines.add(line("5% random touch <= 10% of eager's time", ratio(rand, randEager), 0.10, false,
                "hugetlb cold all-ms / eager cold all-ms (random-chunks); vs snapstore EAGER: "
                        + fmt(ratio(rand, randEagerMode))));
        for (String mode : new String[] {"shmem", "anonymous", "hugetlb"}) {
            Double p50 = get(t, "full-scan", "snapstore|" + mode + "|warm", "fault4k_p50_us");
            Double p99 = get(t, "full-scan", "snapstore|" + mode + "|warm", "fault4k_p99_us");
            Double e50 = get(t, "full-scan", "snapstore|" + mode + "|warm", "engine_fault_p50_us");
            String what = "warm " + mode + " fault (pagemap-checked, from Java): p50 " + fmt(p50) + " us, p99 " + fmt(p99)
                    + " us (engine service p50 <= " + fmt(e50) + " us)";
            boolean ok = p50 != null && p99 != null && p50 <= 10 && p99 <= 50;
            lines.add(String.format(Locale.ROOT, "  %-4s %-42s %s", p50 == null ? "n/a" : ok ? "MET" : "MISS",
                    "fault from a decompressed chunk p50<=10us p99<=50us", what));
        }
        if (lines.stream().skip(1).allMatch(l -> l.startsWith("  n/a"))) {
            return "Goals (issue 4): not judged; they need the full-scan, service-state and random-chunks scenarios.\n";
        }
        return String.join("\n", lines) + "\n";
    }

    private static String codec(Map<String, Map<String, Map<String, Double>>> t) {
        for (Map<String, Map<String, Double>> rows : t.values()) {
            for (String k : rows.keySet()) {
                if (k.startsWith("eager|")) {
                    return k.split("\\|")[1];
                }
            }
        }
        return "lz4";
    }

    private static Double get(Map<String, Map<String, Map<String, Double>>> t, String scenario, String row, String metric) {
        Map<String, Map<String, Double>> rows = t.get(scenario);
        if (rows == null || rows.get(row) == null) {
            return null;
        }
        return rows.get(row).get(metric);
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    private static String fmt(Double d) {
        return d == null ? "n/a" : Table.num(d);
    }

    private static String line(String goal, Double value, double target, boolean atLeast, String how) {
        String verdict = value == null ? "n/a" : (atLeast ? value >= target : value <= target) ? "MET" : "MISS";
        return String.format(Locale.ROOT, "  %-4s %-42s %s (%s)", verdict, goal, fmt(value), how);
    }
}
