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
        NativeTestSupport.Touches crowd = new NativeTestSupport.Touches();
        AtomicBoolean stop = crowd.stop();
        AtomicLong touches = crowd.touches();
        AtomicLong gcs = new AtomicLong();
        List<Throwable> failures = crowd.failures();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < TOUCHERS; t++) {
            // a few hot chunks shared by every toucher, plus the rest at random
            threads.add(NativeTestSupport.toucher("toucher-" + t, t, regions, expect, CHUNK, 4, 8, crowd));
        }
        threads.add(NativeTestSupport.gcStorm(stop, gcs));
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
        crowd.runFor(threads, RUN_MILLIS);
        System.out.println("torture: " + touches.get() + " touches, " + gcs.get() + " System.gc() calls");
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
