package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;

import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the harness end to end on a tiny synthetic image (each measurement in a child JVM, as in real use). */
class BenchCommandTest {
    private static final Set<String> SYSTEMS = Set.of("snapstore", "eager", "mmap", "chronicle-mapped", "codec-raw", "memcpy", "cat");

    /**
     * The budget scenario at 32 MiB with an 8 MiB budget, 2 s a system: the input is packed with 1 MiB
     * chunks and the scenario reads its own copy with 64 KiB chunks (512 of them); every system
     * reports its rows, hit ratios are ratios, the budgeted region stays within budget plus slack,
     * the goals are printed, and the memory cgroups the harness made are gone.
     */
    @Test
    void budgetScenarioReportsEverySystemAndRemovesItsCgroups(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Os.isRoot(), "the budget scenario's memory cgroups need root");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchCommand.run(new String[] {
            "--scenario", "budget", "--size", "32m", "--chunk-size", "1m", "--memory-budget", "8m", "--budget-seconds", "2",
            "--modes", "shmem", "--out", dir.toString(), "--timeout", "120"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, "exit code; stdout:\n" + stdout + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8));
        Map<?, ?> doc = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("results.json")));
        Map<?, ?> input = (Map<?, ?>) ((Map<?, ?>) doc.get("machine")).get("input");
        assertEquals(1 << 20, ((Number) input.get("chunk_size")).intValue(), input.toString());
        assertEquals(64 << 10, ((Number) input.get("budget_chunk_size")).intValue(), input.toString());
        try (Snapshot s = Snapshot.open(Path.of((String) input.get("budget_snapshot_file")))) {
            assertEquals(64 << 10, s.chunkSize(), "the budget scenario's own snapshot");
            assertEquals(((Number) input.get("logical_bytes")).longValue(), s.length(), "of the same image");
        }
        Map<String, Map<String, Double>> rows = ResultRows.of(doc, "budget");
        assertEquals(Set.of("snapstore shmem", "mmap read-only", "snapstore-unbounded shmem",
                "snapstore-resident sampling", "snapstore-resident no-sampling", "snapstore-resident no-budget"),
                rows.keySet(), stdout);
        assertEquals(0, rows.get("snapstore-resident no-budget").getOrDefault("budget_bytes", 0.0),
                "the fully resident region without a budget has none: " + rows.get("snapstore-resident no-budget"));
        for (Map.Entry<String, Map<String, Double>> row : rows.entrySet()) {
            Map<String, Double> m = row.getValue();
            assertTrue(m.get("lookups") > 0 && m.get("lookups_per_s") > 0, row.toString());
            assertTrue(m.get("hit_ratio") >= 0 && m.get("hit_ratio") <= 1, row.toString());
            assertTrue(m.get("lookup_p99_us") > 0, row.toString());
        }
        Map<String, Double> budgeted = rows.get("snapstore shmem");
        assertEquals(8 << 20, budgeted.get("budget_bytes"));
        assertTrue(budgeted.get("resident_peak_sampled_bytes") <= budgeted.get("budget_bytes") + budgeted.get("slack_bytes"),
                budgeted.toString());
        assertTrue(budgeted.get("evictions") > 0, "a 32 MiB image through an 8 MiB budget evicts: " + budgeted);
        assertTrue(budgeted.get("cgroup_peak_sampled_bytes") > 0, "ran in its cgroup: " + budgeted);
        assertTrue(stdout.contains("Goals (issue 9), from this run:"), stdout);
        String mine = "snapstore-bench-" + ProcessHandle.current().pid() + "-";
        for (String root : List.of("/sys/fs/cgroup/memory", "/sys/fs/cgroup", "/sys/fs/cgroup/unified")) {
            try (var cgroups = Files.list(Path.of(root))) {
                assertTrue(cgroups.noneMatch(p -> p.getFileName().toString().startsWith(mine)), "cgroups removed from " + root);
            } catch (java.nio.file.NoSuchFileException e) {
                // not mounted here
            }
        }
    }

    @Test
    void tinyRunWritesResultsJsonAndCharts(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchCommand.run(new String[] {
            "--scenario", "full-scan,jmh-fork", "--size", "8m", "--out", dir.toString(), "--no-load", "--timeout", "120"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, "exit code; stdout:\n" + stdout + "\nstderr:\n" + stderr);

        Object parsed = Json.parse(Files.readString(dir.resolve("results.json")));
        assertTrue(parsed instanceof Map, "top level is an object");
        Map<?, ?> doc = (Map<?, ?>) parsed;
        assertEquals(Set.of("machine", "results"), doc.keySet());
        Map<?, ?> machine = (Map<?, ?>) doc.get("machine");
        assertNotNull(machine.get("cores"));
        assertTrue(((List<?>) machine.get("failures")).isEmpty(), "no failed measurement: " + machine.get("failures"));

        List<?> results = (List<?>) doc.get("results");
        assertFalse(results.isEmpty());
        Set<String> metrics = new HashSet<>();
        Set<String> systems = new HashSet<>();
        Set<String> scenarios = new HashSet<>();
        for (Object o : results) {
            Map<?, ?> r = (Map<?, ?>) o;
            assertEquals(Set.of("scenario", "system", "mode", "state", "metric", "value", "unit"), r.keySet(), r.toString());
            assertTrue(r.get("state").equals("cold") || r.get("state").equals("warm"), r.toString());
            assertTrue(SYSTEMS.contains((String) r.get("system")), r.toString());
            assertTrue(r.get("value") == null || r.get("value") instanceof Number, r.toString());
            metrics.add((String) r.get("metric"));
            systems.add((String) r.get("system"));
            scenarios.add((String) r.get("scenario"));
        }
        for (String m : List.of("open_ms", "ttfb_us", "touch_all_gbps", "fault_p50_us", "fault_p99_us", "rss_bytes",
                "cpu_ms", "touch_1pct_ms", "touch_10pct_ms", "touch_all_ms", "fault_p999_us")) {
            assertTrue(metrics.contains(m), "metric " + m + " in " + metrics);
        }
        assertTrue(systems.containsAll(SYSTEMS), "every system measured: " + systems);
        assertTrue(scenarios.containsAll(Set.of("full-scan", "jmh-fork")), scenarios.toString());

        Path svg = dir.resolve("results.svg");
        assertTrue(Files.readString(svg).startsWith("<svg"));
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile()); // well-formed XML
        assertTrue(stdout.contains("== full-scan ==") && stdout.contains("Goals (issue 4)"), stdout);

        // --render reads the file back into the same table and redraws the charts
        Files.delete(svg);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertEquals(0, BenchCommand.run(new String[] {"--render", dir.toString()},
                new PrintStream(again, true, StandardCharsets.UTF_8), System.err));
        String rendered = again.toString(StandardCharsets.UTF_8);
        assertTrue(rendered.contains("== jmh-fork ==") && rendered.contains("Goals (issue 4)"), rendered);
        assertTrue(Files.readString(svg).startsWith("<svg"));
    }

    @Test
    void medianOfRepeats() {
        assertEquals(2.0, BenchRun.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, BenchRun.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertEquals(7.0, BenchRun.median(List.of(7.0)));
    }

    @Test
    void badOptionsAreAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, BenchCommand.run(new String[] {"--scenario", "nope"}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scenario"));
        assertEquals(2, BenchCommand.run(new String[] {"--size"}, System.out, e));
        assertEquals(2, BenchCommand.run(new String[] {"--frobnicate", "1"}, System.out, e));
    }
}
