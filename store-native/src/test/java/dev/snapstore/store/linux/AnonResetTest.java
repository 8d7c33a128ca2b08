package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.linux.internal.SnapEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * reset() of an ANONYMOUS region restores written chunks in place (the engine's sn_anon_reset):
 * after many threads write into many chunks under a GC storm, a reset brings back the snapshot's
 * bytes exactly, touching the written chunks again raises no MISSING fault (they were never
 * dropped), and a reset of part of the region keeps the writes outside it. Without a budget, with
 * one above the image and with one far below it (eviction pressure while writers pin units).
 */
class AnonResetTest {
    private static final int CHUNK = 256 << 10;
    private static final int SIZE = 64 << 20; // 256 chunks
    private static final int CHUNKS = SIZE / CHUNK;
    private static final int THREADS = 6;
    private static final int ROUNDS = 4;
    private static final int PAGE = 4096;

    @TempDir
    static Path dir;
    static byte[] content;
    static Path snap;
    static Thread halter;

    @BeforeAll
    static void pack() throws Exception {
        content = TestData.mixed(SIZE, 977);
        snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        halter = TortureTest.watchdog(Duration.ofMinutes(6));
    }

    @AfterAll
    static void stopWatchdog() {
        halter.interrupt();
    }

    /** budget: 0 = none, 1 = twice the image, 2 = sixteen chunks (far below what the writers pin) */
    private static MapOptions options(int budget) {
        MapOptions.Builder b = MapOptions.builder().resolverThreads(2);
        if (budget == 1) {
            b.memoryBudget(2L * SIZE);
        } else if (budget == 2) {
            b.memoryBudget(16L * CHUNK);
        }
        return b.build();
    }

    @ParameterizedTest(name = "budget kind {0}")
    @ValueSource(ints = {0, 1, 2})
    void writtenChunksComeBackInPlaceUnderManyWriters(int budget) throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        String want = TestData.sha256(content);
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(Mode.ANONYMOUS, options(budget))) {
            ByteBuffer view = r.slice(0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
            for (int round = 0; round < ROUNDS; round++) {
                BitSet written = new BitSet(CHUNKS);
                int seed = round;
                assertTimeoutPreemptively(Duration.ofSeconds(120), () -> write(view, written, seed));
                assertTrue(written.cardinality() >= CHUNKS / 4, "writers reached many chunks: " + written.cardinality());
                long restoresBefore = budget == 0 ? 0 : r.residency().counter(SnapEngine.SN_R_RESET_RESTORES);
                r.reset(0, r.size());
                RegionStats st = r.stats();
                assertEquals(0, st.errors(), st.asMap().toString());
                assertEquals(0, st.pinnedBytes(), "reset() unpins every written unit: " + st.asMap());
                if (budget != 0) {
                    long restored = r.residency().counter(SnapEngine.SN_R_RESET_RESTORES) - restoresBefore;
                    assertTrue(restored >= nonZero(written), "every written chunk restored in place: " + restored
                            + " of " + written.cardinality() + " " + st.asMap());
                }
                // the written chunks read back as the snapshot, without a single MISSING fault where
                // nothing evicts (under pressure, Caffeine evicts what the reset unpinned meanwhile)
                long missing = st.missingFaults();
                ByteBuffer expect = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
                for (int c = written.nextSetBit(0); c >= 0; c = written.nextSetBit(c + 1)) {
                    for (int at = c * CHUNK; at < (c + 1) * CHUNK; at += 8) {
                        if (view.getLong(at) != expect.getLong(at)) {
                            throw new AssertionError("round " + round + ": byte " + at + " of chunk " + c
                                    + " is not the snapshot's after reset()");
                        }
                    }
                }
                if (budget != 2) {
                    assertEquals(missing, r.stats().missingFaults(), "written chunks were restored, not dropped: "
                            + r.stats().asMap());
                }
                assertEquals(want, NativeTestSupport.sha256(r), "round " + round);
            }
            System.out.println("anon reset, budget kind " + budget + ": " + r.stats().asMap());
        }
    }

    /** Written chunks that are not all zeros (a zero chunk is dropped, never restored). */
    private static long nonZero(BitSet chunks) {
        long n = 0;
        for (int c = chunks.nextSetBit(0); c >= 0; c = chunks.nextSetBit(c + 1)) {
            for (int i = c * CHUNK; i < (c + 1) * CHUNK; i++) {
                if (content[i] != 0) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /** THREADS writers, under a GC storm, each write (and read) random pages of random chunks. */
    private static void write(ByteBuffer view, BitSet written, int seed) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong gcs = new AtomicLong();
        Thread storm = NativeTestSupport.gcStorm(stop, gcs);
        storm.setDaemon(true);
        storm.start();
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed * 100L + id);
                ByteBuffer v = view.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                try {
                    for (int i = 0; i < 64; i++) {
                        int c = rnd.nextInt(CHUNKS);
                        synchronized (written) {
                            written.set(c);
                        }
                        for (int p = 0; p < 8; p++) {
                            int at = c * CHUNK + rnd.nextInt(CHUNK / PAGE) * PAGE + rnd.nextInt(PAGE / 8) * 8;
                            long old = v.getLong(at);
                            v.putLong(at, ~old ^ id);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "anon-reset-writer-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        stop.set(true);
        storm.join();
        if (!failures.isEmpty()) {
            throw new AssertionError("a writer failed", failures.get(0));
        }
    }

    @ParameterizedTest(name = "budget kind {0}")
    @ValueSource(ints = {0, 1})
    void aPartialResetKeepsWritesOutsideItsRange(int budget) throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(Mode.ANONYMOUS, options(budget))) {
            ByteBuffer view = r.slice(0, SIZE);
            for (int at = 0; at < SIZE; at += PAGE) {
                view.put(at, (byte) (content[at] + 1));
            }
            // starts two pages into chunk 3, ends two pages into chunk 70: both ends cover chunks in part
            long from = 3L * CHUNK + 2 * PAGE;
            long to = 70L * CHUNK + 2 * PAGE;
            r.reset(from, to - from);
            for (int at = 0; at < SIZE; at += PAGE) {
                byte expect = at >= from && at < to ? content[at] : (byte) (content[at] + 1);
                assertEquals(expect, view.get(at), "page at " + at + (at >= from && at < to ? " reset" : " kept"));
                assertEquals(content[at + 1], view.get(at + 1), "byte " + (at + 1));
            }
            assertEquals(0, r.stats().errors(), r.stats().asMap().toString());
        }
    }
}
