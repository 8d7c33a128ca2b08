package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR events, recorded and read back: a budgeted region that fills and evicts, and a region with
 * a corrupt chunk, both mapped while a recording runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JfrEventsTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 128;

    @TempDir
    Path dir;

    private Path write(String name) throws Exception {
        byte[] content = new byte[CHUNKS * CHUNK];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < content.length; i += 8) {
            content[i] = (byte) rnd.nextInt(256); // compressible, never all-zero chunks
        }
        Path snap = dir.resolve(name);
        SnapshotWriter.builder().codec(Codec.LZ4).chunkSize(CHUNK).build().write(new java.io.ByteArrayInputStream(content), snap, name);
        return snap;
    }

    @Test
    @Order(1) // first: no recording has initialized the flight recorder of this JVM yet
    void aRegionMappedBeforeAnyRecordingIsSampledOnceOneStarts() throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        Path snap = write("early.snap");
        Path jfr = dir.resolve("late.jfr");
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(Mode.ANONYMOUS)) {
            System.out.println("JfrEventsTest: mapped with the flight recorder initialized: " + FlightRecorder.isInitialized());
            AtomicInteger fillTicks = new AtomicInteger();
            try (Recording rec = new Recording(); RecordingStream ticks = new RecordingStream()) {
                rec.enable("snapstore.ChunkFill").withPeriod(Duration.ofMillis(50));
                ticks.enable("snapstore.ChunkFill").withPeriod(Duration.ofMillis(50));
                ticks.onEvent("snapstore.ChunkFill", e -> fillTicks.incrementAndGet());
                ticks.startAsync();
                rec.start();
                r.load(0, r.size());
                long ms = await(fillTicks, 1);
                System.out.println("JfrEventsTest: the late recording's first fills after " + ms + " ms");
                rec.stop();
                rec.dump(jfr);
            }
            RegionStats st = r.stats();
            List<RecordedEvent> fills = of(RecordingFile.readAllEvents(jfr), "snapstore.ChunkFill", snap);
            assertFalse(fills.isEmpty());
            assertEquals(CHUNKS, st.chunksDecompressed());
            assertEquals(st.chunksDecompressed(), sum(fills, "chunksDecompressed"), "fills since the map, all reported");
        }
    }

    @Test
    @Order(2)
    void mapFillsEvictionsAndTheFirstErrorAreRecorded() throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        Path good = write("good.snap");
        Path bad = write("bad.snap");
        int badChunk = RefusalTest.corruptOneChunk(bad, 64);
        Path jfr = dir.resolve("events.jfr");
        RegionStats goodFinal;
        RegionStats badFinal;
        // The stream only watches the periodic ticks while the test runs; the file is what is checked.
        // (Dumping the running recording instead rotates its chunks, and JDK 17 then reads some
        // events' strings back as null.)
        AtomicInteger fillTicks = new AtomicInteger();
        try (Recording rec = new Recording(); RecordingStream ticks = new RecordingStream()) {
            for (String e : List.of("snapstore.RegionMap", "snapstore.ChunkFill", "snapstore.Eviction",
                    "snapstore.RegionError", "snapstore.RegionStatistics")) {
                rec.enable(e).withPeriod(Duration.ofMillis(50));
            }
            ticks.enable("snapstore.ChunkFill").withPeriod(Duration.ofMillis(50));
            ticks.onEvent("snapstore.ChunkFill", e -> fillTicks.incrementAndGet());
            ticks.startAsync();
            rec.start();
            long budget = 16L * CHUNK;
            try (Snapshot s = Snapshot.open(good); Snapshot b = Snapshot.open(bad)) {
                Region r = s.map(Mode.ANONYMOUS, MapOptions.builder().memoryBudget(budget).build());
                Region broken = b.map(Mode.ANONYMOUS);
                try {
                    for (int pass = 1; pass <= 2; pass++) {
                        for (long at = 0; at < r.size(); at += CHUNK) {
                            r.load(at, CHUNK);
                        }
                        // periodic ticks report this pass while the region is open: n passes, at least n ChunkFills
                        long ms = await(fillTicks, pass); // only this region fills yet
                        System.out.println("JfrEventsTest: pass " + pass + " reported after " + ms + " ms");
                    }
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (r.stats().evictions() == 0 && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThrows(UncheckedIOException.class, () -> broken.load(0, broken.size()));
                    Thread.sleep(200);
                } finally {
                    r.close();
                    broken.close();
                }
                goodFinal = r.stats();
                badFinal = broken.stats();
            }
            rec.stop();
            rec.dump(jfr);
        }
        assertTrue(goodFinal.evictions() > 0, "the budget evicted: " + goodFinal.asMap());
        assertTrue(badFinal.errors() > 0, "the bad chunk failed: " + badFinal.asMap());
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);

        List<RecordedEvent> maps = of(events, "snapstore.RegionMap");
        assertEquals(2, maps.size(), maps.toString());
        RecordedEvent m = maps.stream().filter(e -> e.getString("snapshot").equals(good.toString())).findFirst().orElseThrow();
        assertEquals("ANONYMOUS", m.getString("mode"));
        assertEquals("ANONYMOUS", m.getString("requestedMode"));
        assertEquals((long) CHUNKS * CHUNK, m.getLong("size"));
        assertEquals(budget(), m.getLong("memoryBudget"));
        assertTrue(m.getLong("mapNanos") > 0);

        List<RecordedEvent> fills = of(events, "snapstore.ChunkFill", good);
        assertTrue(fills.size() >= 2, "fills reported at several ticks, not once: " + fills.size());
        assertEquals(goodFinal.chunksDecompressed(), sum(fills, "chunksDecompressed"), "the fill events add up to the counters");
        assertEquals(goodFinal.bytesDecompressed(), sum(fills, "bytesDecompressed"));
        assertEquals(goodFinal.missingFaults(), sum(fills, "missingFaults"));
        assertTrue(fills.size() < goodFinal.missingFaults(), "aggregated, not one event per fault");

        List<RecordedEvent> evictions = of(events, "snapstore.Eviction", good);
        assertFalse(evictions.isEmpty());
        assertEquals(goodFinal.evictions(), sum(evictions, "evictions"));
        assertEquals(goodFinal.refills(), sum(evictions, "refills"));
        assertEquals(budget(), evictions.get(0).getLong("budgetBytes"));

        assertTrue(of(events, "snapstore.RegionError", good).isEmpty(), "no error on the good region");
        List<RecordedEvent> errors = of(events, "snapstore.RegionError", bad);
        assertEquals(1, errors.size(), "one event when the latch trips: " + errors);
        assertEquals(badChunk, errors.get(0).getLong("firstChunk"));
        assertTrue(errors.get(0).getString("reason").contains("EBADMSG"), errors.get(0).getString("reason"));
        assertTrue(errors.get(0).getLong("errors") >= 1);

        List<RecordedEvent> stats = of(events, "snapstore.RegionStatistics", good);
        assertFalse(stats.isEmpty());
        assertEquals((long) CHUNKS * CHUNK, stats.get(0).getLong("size"));
        assertEquals(budget(), stats.get(0).getLong("budgetBytes"));
        assertTrue(stats.stream().mapToLong(e -> e.getLong("chunksDecompressed")).max().orElse(0) > 0);
    }

    /** Waits (20 s at most) until {@code events} reaches {@code n}; the ms waited. */
    private static long await(AtomicInteger events, int n) throws InterruptedException {
        long start = System.nanoTime();
        while (events.get() < n) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 20_000, "no periodic event within 20 s (have " + events.get() + ", want " + n + ")");
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long budget() {
        return 16L * CHUNK;
    }

    private static List<RecordedEvent> of(List<RecordedEvent> all, String type) {
        return all.stream().filter(e -> e.getEventType().getName().equals(type)).collect(Collectors.toList());
    }

    private static List<RecordedEvent> of(List<RecordedEvent> all, String type, Path snapshot) {
        return of(all, type).stream().filter(e -> snapshot.toString().equals(e.getString("snapshot"))).collect(Collectors.toList());
    }

    private static long sum(List<RecordedEvent> events, String field) {
        return events.stream().mapToLong(e -> e.getLong(field)).sum();
    }
}
