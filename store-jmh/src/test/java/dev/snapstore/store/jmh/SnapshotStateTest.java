package dev.snapstore.store.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.SnapshotWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** {@link TouchBenchmark} through JMH's Runner (in this JVM, tiny settings) with {@link SnapstoreProfiler}. */
class SnapshotStateTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 64;
    private static final long BUDGET = 16L * CHUNK;

    @TempDir
    Path dir;

    @Test
    void theProfilerReportsEachIterationsFillsAndTheBudgetsEvictions() throws Exception {
        byte[] content = new byte[CHUNKS * CHUNK];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < content.length; i += 8) {
            content[i] = (byte) r.nextInt(100);
        }
        Path snap = dir.resolve("data.snap");
        SnapshotWriter.builder().codec(Codec.LZ4).chunkSize(CHUNK).build()
                .write(new ByteArrayInputStream(content), snap, "data");

        Collection<RunResult> runs = new Runner(new OptionsBuilder()
                .include(TouchBenchmark.class.getName() + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(2)
                .measurementTime(TimeValue.milliseconds(200))
                .threads(1)
                .param("snapshot", snap.toString())
                .param("mode", "ANONYMOUS") // a lazy mode every userfaultfd kernel offers: the faults are counted
                .param("memoryBudget", "0", Long.toString(BUDGET))
                .addProfiler(SnapstoreProfiler.class)
                .shouldFailOnError(true)
                .build()).run();
        assertEquals(2, runs.size(), "one run without a budget, one with");
        for (RunResult run : runs) {
            boolean budgeted = !run.getParams().getParam("memoryBudget").equals("0");
            Map<String, Result> total = run.getSecondaryResults();
            assertTrue(total.get("snapstore.faults").getScore() > 0, total.toString());
            assertTrue(total.get("snapstore.chunks.decompressed").getScore() > 0, total.toString());
            assertTrue(total.get("snapstore.bytes.decompressed").getScore() >= CHUNK, total.toString());
            assertEquals(0, total.get("snapstore.errors").getScore(), total.toString());
            if (budgeted) {
                assertTrue(total.get("snapstore.evictions").getScore() > 0, total.toString());
                double resident = total.get("snapstore.resident.bytes").getScore();
                // an ANONYMOUS region's chunk cache counts in the same budget on top of its mapped
                // (and, when written, pinned) pages, so the bound is the image plus the budget plus
                // the resolvers' slack
                long slack = 2L * MapOptions.defaults().resolverThreads() * CHUNK;
                assertTrue(resident > 0 && resident <= (long) CHUNKS * CHUNK + BUDGET + slack, "resident: " + resident);
            } else {
                assertNull(total.get("snapstore.evictions"), "no budget, no eviction counters: " + total);
            }
            List<BenchmarkResult> forks = List.copyOf(run.getBenchmarkResults());
            List<IterationResult> iterations = List.copyOf(forks.get(0).getIterationResults());
            assertEquals(2, iterations.size());
            for (IterationResult it : iterations) {
                Result chunks = it.getSecondaryResults().get("snapstore.chunks.decompressed");
                assertNotNull(chunks, it.getSecondaryResults().toString());
                // the reset before every iteration discards the data: the second decompresses again
                assertTrue(chunks.getScore() > 0, "iteration decompressed chunks after its reset: " + it.getSecondaryResults());
            }
        }
        assertFalse(Regions.look().iterator().hasNext(), "closed regions leave the registry");
    }
}
