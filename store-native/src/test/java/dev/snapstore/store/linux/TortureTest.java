package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java threads faulting on shared chunks while another thread forces garbage collections in a
 * loop: with native resolvers no safepoint can wait on a fault that a Java thread would have to
 * serve, so this must finish. Pages keep going missing (reset) so faults continue for the whole
 * run. A watchdog fails the test instead of hanging the build; if even that cannot run (the JVM
 * stuck at a safepoint), it halts the JVM.
 */
class TortureTest {
    private static final int CHUNK = 64 << 10;
    private static final int SIZE = 48 << 20;
    private static final long RUN_MILLIS = Long.getLong("snapstore.torture.millis", 30_000);
    private static final int TOUCHERS = 8;

    @TempDir
    Path dir;

    @Test
    void eightTouchersUnderGcStormOneRegion() throws Exception {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        run(new Mode[] {Mode.SHMEM}, new boolean[] {true});
    }

    @Test
    void eightTouchersUnderGcStormTwoRegionsOfOneSnapshot() throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        boolean huge = Hugepages.pool2m().total() > 0;
        run(new Mode[] {Mode.ANONYMOUS, huge ? Mode.HUGETLB : Mode.SHMEM}, new boolean[] {true, false});
    }

    private void run(Mode[] modes, boolean[] writable) throws Exception {
        byte[] content = TestData.mixed(SIZE, 77);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        ByteBuffer expect = ByteBuffer.wrap(content).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Thread halter = watchdog(Duration.ofMillis(RUN_MILLIS + 90_000));
        try (Snapshot s = Snapshot.open(snap)) {
            List<Region> regions = new ArrayList<>();
            try {
                for (int i = 0; i < modes.length; i++) {
                    regions.add(s.map(modes[i], MapOptions.builder().writable(writable[i]).resolverThreads(2).build()));
                }
                assertTimeoutPreemptively(Duration.ofMillis(RUN_MILLIS + 60_000), () -> storm(regions, expect));
                long faults = 0;
                for (Region r : regions) {
                    RegionStats st = r.stats();
                    assertEquals(0, st.errors(), st.asMap().toString());
                    assertTrue(st.faults() > 10, "faults kept happening: " + st.asMap());
                    faults += st.faults();
                    System.out.println("torture " + r.mode() + (r.writable() ? " rw" : " ro") + ": " + st.asMap());
                }
                assertTrue(faults > 100, "faults kept happening: " + faults);
            } finally {
                for (Region r : regions) {
                    r.close();
                }
            }
        } finally {
            halter.interrupt();
        }
    }

    private static void storm(List<Region> regions, ByteBuffer expect) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong touches = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicLong gcs = new AtomicLong();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ByteBuffer> views = new ArrayList<>();
        for (Region r : regions) {
            views.add(r.slice(0, (int) r.size()));
        }
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < TOUCHERS; t++) {
            long seed = t;
            threads.add(new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                try {
                    while (!stop.get()) {
                        // a few hot chunks shared by every toucher, plus the rest at random
                        int chunk = rnd.nextInt(4) == 0 ? rnd.nextInt(8) : rnd.nextInt(SIZE / CHUNK);
                        int off = chunk * CHUNK + (rnd.nextInt(CHUNK - 8) & ~7);
                        int which = rnd.nextInt(views.size());
                        long got = views.get(which).getLong(off);
                        if (got != expect.getLong(off) && mismatches.incrementAndGet() <= 5) {
                            System.err.printf("mismatch in %s at %d: got %016x, want %016x, again %016x%n",
                                    regions.get(which).mode(), off, got, expect.getLong(off), views.get(which).getLong(off));
                        }
                        touches.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "toucher-" + t));
        }
        threads.add(new Thread(() -> {
            List<byte[]> keep = new ArrayList<>();
            while (!stop.get()) {
                for (int i = 0; i < 200; i++) {
                    keep.add(new byte[1024 + i]);
                }
                if (keep.size() > 20_000) {
                    keep.clear();
                }
                System.gc();
                gcs.incrementAndGet();
            }
        }, "gc-storm"));
        threads.add(new Thread(() -> {
            // keep pages going missing: drop pages so touchers fault again (MINOR or MISSING)
            SplittableRandom rnd = new SplittableRandom(99);
            try {
                while (!stop.get()) {
                    Region r = regions.get(rnd.nextInt(regions.size()));
                    long off = (long) rnd.nextInt(SIZE / CHUNK) * CHUNK;
                    r.reset(off, 16L * CHUNK > SIZE - off ? SIZE - off : 16L * CHUNK);
                    Thread.sleep(2);
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "resetter"));
        for (Thread t : threads) {
            t.start();
        }
        Thread.sleep(RUN_MILLIS);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("torture: " + touches.get() + " touches, " + gcs.get() + " System.gc() calls");
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(0, mismatches.get(), "reads that did not match the snapshot");
        assertTrue(gcs.get() > 10, "the GC storm ran");
        assertTrue(touches.get() > 10_000, "touchers made progress");
    }

    /** Last resort: if the JVM is wedged so badly that JUnit's timeout cannot fire, stop it. */
    static Thread watchdog(Duration limit) {
        Thread w = new Thread(() -> {
            try {
                Thread.sleep(limit.toMillis());
                System.err.println("TortureTest watchdog: no progress after " + limit + ", halting the JVM");
                Runtime.getRuntime().halt(97);
            } catch (InterruptedException e) {
                // finished in time
            }
        }, "torture-watchdog");
        w.setDaemon(true);
        w.start();
        return w;
    }
}
