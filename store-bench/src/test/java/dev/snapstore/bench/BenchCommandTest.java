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

import dev.snapstore.tools.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the harness end to end on a tiny synthetic image (each measurement in a child JVM, as in real use). */
class BenchCommandTest {
    private static final Set<String> SYSTEMS = Set.of("snapstore", "eager", "mmap", "chronicle-mapped", "codec-raw", "memcpy");

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
