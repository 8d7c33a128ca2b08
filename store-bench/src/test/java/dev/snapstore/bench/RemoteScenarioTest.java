package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import dev.snapstore.tools.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote scenario end to end at 16 MiB (64 KiB chunks: over 200 of them) behind a 2 ms range server:
 * every system reports its rows, the request counts are those of the work done, and the goals are
 * judged. No timing is asserted.
 */
class RemoteScenarioTest {
    @Test
    void remoteScenarioReportsEverySystemWithRequestCounts(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchCommand.run(new String[] {
            "--scenario", "remote", "--size", "16m", "--chunk-size", "64k", "--remote-latency", "2",
            "--modes", "shmem", "--out", dir.toString(), "--timeout", "120"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, "exit code; stdout:\n" + stdout + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8));
        Map<?, ?> doc = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("results.json")));
        Map<String, Map<String, Double>> rows = ResultRows.of(doc, "remote");
        assertEquals(Set.of("server 2ms", "parallel-download 8x8MiB", "snapstore shmem"), rows.keySet(), stdout);
        Map<String, Double> base = rows.get("parallel-download 8x8MiB");
        assertEquals(2, base.get("requests"), "16 MiB in 8 MiB parts: " + base);
        assertTrue(base.get("download_ms") <= base.get("full_ms"), base.toString());
        Map<String, Double> snap = rows.get("snapstore shmem");
        assertTrue(snap.get("chunks") >= 64, "a race needs >= 64 chunks: " + snap);
        assertTrue(snap.get("ttfb_requests") >= 1 && snap.get("ttfb_requests") <= 5,
                "open (header, footer, index) and one chunk: " + snap);
        assertTrue(snap.get("random5_requests") >= 1 && snap.get("random5_requests") <= Math.max(1, snap.get("chunks") / 20), snap.toString());
        assertTrue(snap.get("random5_" + Remote.TOUCHERS + "t_requests") >= 1
                && snap.get("random5_" + Remote.TOUCHERS + "t_requests") <= Math.max(1, snap.get("chunks") / 20),
                "several threads touch the same words (a server in a child process): " + snap);
        assertTrue(snap.get("random5_profile_requests") >= 1 && snap.containsKey("random5_profile_ms"), snap.toString());
        assertTrue(stdout.contains("(" + Remote.TOUCHERS + " threads)") && stdout.contains("(1 thread, recorded profile)"), stdout);
        assertTrue(snap.get("requests") > snap.get("random5_requests") && snap.get("requests") <= snap.get("chunks") + 3,
                "the full load fetched more, and no chunk twice: " + snap);
        assertTrue(snap.get("ttfb_min_ms") <= snap.get("ttfb_ms") && snap.get("ttfb_ms") <= snap.get("ttfb_max_ms"),
                snap.toString());
        assertEquals(3, rows.get("server 2ms").get("rounds"));
        assertTrue(stdout.contains("Goals (issue 13: remote), from this run:"), stdout);
        assertTrue(stdout.contains("TTFB <= 2 round trips + one chunk"), stdout);
    }

    /**
     * {@code --input URI}: the remote scenario restores from the user's server (here a range server in
     * a child JVM, which the harness does not count) and the baseline downloads that object.
     */
    @Test
    void remoteScenarioRestoresFromAnInputUri(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("image.bin");
        byte[] image = new byte[16 << 20];
        new java.util.Random(7).nextBytes(image);
        for (int i = 0; i < image.length; i += 3) {
            image[i] = 0; // compressible, and not all alike
        }
        Files.write(raw, image);
        Path snap = dir.resolve("image.snap");
        dev.snapstore.store.SnapshotWriter.builder().chunkSize(64 << 10).build().write(raw, snap);
        try (Remote.ServerProcess server = Remote.ServerProcess.start(2, Map.of("/snap", snap), dir)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = BenchCommand.run(new String[] {
                "--scenario", "remote", "--input", server.uri("/snap").toString(), "--modes", "shmem",
                "--out", dir.resolve("out").toString(), "--timeout", "120"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String stdout = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, "exit code; stdout:\n" + stdout + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8));
            Map<?, ?> doc = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("out").resolve("results.json")));
            Map<String, Map<String, Double>> rows = ResultRows.of(doc, "remote");
            assertEquals(Set.of("server remote", "parallel-download 8x8MiB", "snapstore shmem"), rows.keySet(), stdout);
            Map<String, Double> snapRow = rows.get("snapstore shmem");
            assertEquals(256, snapRow.get("chunks"), snapRow.toString());
            assertTrue(snapRow.containsKey("full_ms") && snapRow.containsKey("random5_ms"), snapRow.toString());
            assertTrue(rows.values().stream().noneMatch(m -> m.keySet().stream().anyMatch(k -> k.endsWith("requests"))),
                    "a server not ours is not counted: " + rows);
            assertTrue(stdout.contains("Goals (issue 13: remote), from this run:"), stdout);
        }
    }
}
