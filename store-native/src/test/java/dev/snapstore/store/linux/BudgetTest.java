package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.linux.internal.SnapEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lazy region held to a memory budget: content stays byte-exact while units are evicted and
 * refilled under many threads, a GC storm and a budget of two fill units; writes are never lost;
 * the budget holds (measured with mincore) while the Java drain thread is stalled; counters add up.
 * Runs like TortureTest: a watchdog halts a wedged JVM, and a GC storm runs during the touches.
 */
class BudgetTest {
    private static final int CHUNK = 256 << 10;
    private static final int SIZE = 64 << 20; // 256 chunks; 32 units of 2 MiB for HUGETLB
    private static final long RUN_MILLIS = Long.getLong("snapstore.budget.millis", 3_000);
    private static final int THREADS = 6;
    private static final int RESOLVERS = 2;

    @TempDir
    static Path dir;
    static byte[] content;
    static Path snap;
    static Thread halter;

    @BeforeAll
    static void pack() throws Exception {
        content = TestData.mixed(SIZE, 4242);
        snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        halter = TortureTest.watchdog(Duration.ofMinutes(8));
    }

    @AfterAll
    static void stopWatchdog() {
        halter.interrupt();
    }

    static Stream<Arguments> modes() {
        return Stream.of(Arguments.of(Mode.SHMEM, false), Arguments.of(Mode.SHMEM, true),
                Arguments.of(Mode.HUGETLB, false), Arguments.of(Mode.HUGETLB, true),
                Arguments.of(Mode.ANONYMOUS, true));
    }

    private static MapOptions options(boolean writable, long budget) {
        return MapOptions.builder().writable(writable).resolverThreads(RESOLVERS).memoryBudget(budget).build();
    }

    private static long unit(Mode mode) {
        return NativeTestSupport.fillUnit(mode, CHUNK);
    }

    /** budget + the documented slack of two fill units per resolver */
    private static long ceiling(Mode mode, long budget) {
        return budget + 2L * RESOLVERS * unit(mode);
    }

    @ParameterizedTest(name = "{0} writable={1}")
    @MethodSource("modes")
    void contentExactUnderEvictionWithManyThreadsAndGcStorm(Mode mode, boolean writable) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long budget = 2 * unit(mode);
        ByteBuffer expect = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(mode, options(writable, budget))) {
            AtomicLong maxMeasured = new AtomicLong();
            assertTimeoutPreemptively(Duration.ofMillis(RUN_MILLIS + 60_000), () -> storm(r, expect, maxMeasured));
            // one whole sequential pass, byte-exact
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            RegionStats st = r.stats();
            System.out.println("budget " + mode + (writable ? " rw" : " ro") + ": measured max " + maxMeasured.get()
                    + " " + st.asMap());
            assertEquals(0, st.errors(), st.asMap().toString());
            assertEquals(budget, st.budgetBytes());
            assertTrue(st.evictions() > 0, "evictions happened: " + st.asMap());
            assertTrue(st.refills() > 0, "evicted units were refilled: " + st.asMap());
            assertTrue(st.residentPeakBytes() <= ceiling(mode, budget), "peak within budget + slack: " + st.asMap());
            // file modes: the file's allocated blocks, exact; ANONYMOUS: a mincore scan, no atomic
            // snapshot (a unit evicted behind the scan and one filled ahead of it both count): one unit more
            long slack = mode == Mode.ANONYMOUS ? unit(mode) : 0;
            assertTrue(maxMeasured.get() <= ceiling(mode, budget) + slack,
                    "measured resident " + maxMeasured.get() + " within " + (ceiling(mode, budget) + slack));
            assertEquals(0, st.pinnedBytes(), "reads pin nothing");
        }
    }

    private static void storm(LazyRegion r, ByteBuffer expect, AtomicLong maxMeasured) throws Exception {
        NativeTestSupport.Touches crowd = new NativeTestSupport.Touches();
        AtomicBoolean stop = crowd.stop();
        AtomicLong touches = crowd.touches();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            // a few hot chunks every thread shares (eviction racing faults on one chunk)
            threads.add(NativeTestSupport.toucher("budget-toucher-" + t, t, List.of(r), expect, CHUNK, 3, 4, crowd));
        }
        threads.add(gcStorm(stop));
        threads.add(new Thread(() -> {
            // ANONYMOUS is measured by a mincore scan, not atomic: each unit filled while the scan
            // runs may be counted once more than the region ever held (its eviction behind the
            // scan, its fill ahead of it); the fills counter brackets the scan to discount those
            boolean scanned = r.mode() == Mode.ANONYMOUS;
            long u = unit(r.mode());
            while (!stop.get()) {
                long f0 = r.residency().counter(SnapEngine.SN_R_FILLS);
                long measured = r.residentBytesMeasured();
                long during = r.residency().counter(SnapEngine.SN_R_FILLS) - f0;
                maxMeasured.accumulateAndGet(scanned ? measured - during * u : measured, Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "budget-sampler"));
        crowd.runFor(threads, RUN_MILLIS);
        assertTrue(touches.get() > 100, "touchers made progress: " + touches.get()); // a fill per touch at worst
    }

    static Thread gcStorm(AtomicBoolean stop) {
        return NativeTestSupport.gcStorm(stop, new AtomicLong());
    }

    @ParameterizedTest(name = "{0} writable={1}")
    @MethodSource("modes")
    void budgetHoldsWhileTheDrainThreadIsStalled(Mode mode, boolean writable) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long budget = 4 * unit(mode);
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(mode, options(writable, budget))) {
            r.residency().stall(true); // Java cannot evict: only the native hard cap can
            long maxMeasured = 0;
            long u = unit(mode);
            for (long off = 0; off < SIZE; off += u) {
                r.load(off, Math.min(u, SIZE - off));
                maxMeasured = Math.max(maxMeasured, r.residentBytesMeasured());
            }
            // idle resolvers may still be reading ahead (and the hard cap evicting for them): read the
            // counters once they stand still, so both come from the same moment
            long last = -1;
            for (int i = 0; i < 200 && r.residency().counter(SnapEngine.SN_R_FILLS) != last; i++) {
                last = r.residency().counter(SnapEngine.SN_R_FILLS);
                maxMeasured = Math.max(maxMeasured, r.residentBytesMeasured());
                Thread.sleep(50);
            }
            RegionStats st = r.stats();
            System.out.println("stalled " + mode + (writable ? " rw" : " ro") + ": measured max " + maxMeasured + " "
                    + st.asMap());
            assertTrue(maxMeasured <= ceiling(mode, budget), "measured " + maxMeasured + " <= " + ceiling(mode, budget));
            assertTrue(st.residentPeakBytes() <= ceiling(mode, budget), st.asMap().toString());
            long hard = r.residency().counter(SnapEngine.SN_R_HARD_EVICTIONS);
            assertTrue(hard > 0, "the native hard cap evicted");
            assertEquals(st.evictions(), hard, "every eviction was the hard cap's");
            r.residency().stall(false);
            // the drain catches up: Caffeine forgets what the engine evicted itself
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (r.residency().cachedUnits() * u > budget && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(r.residency().cachedUnits() * u <= budget, "Caffeine holds " + r.residency().cachedUnits());
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
        }
    }

    @ParameterizedTest(name = "{0} writable={1}")
    @MethodSource("modes")
    void countersAddUp(Mode mode, boolean writable) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long budget = 3 * unit(mode);
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(mode, options(writable, budget))) {
            NativeTestSupport.sha256(r);
            NativeTestSupport.sha256(r);
            Residency b = r.residency();
            // idle resolvers may still be reading ahead: wait until the counters stand still
            long last = -1;
            for (int i = 0; i < 200 && b.counter(SnapEngine.SN_R_FILLS) != last; i++) {
                last = b.counter(SnapEngine.SN_R_FILLS);
                Thread.sleep(50);
            }
            long fills = b.counter(SnapEngine.SN_R_FILLS);
            long evictions = b.counter(SnapEngine.SN_R_EVICTIONS);
            long dropped = b.counter(SnapEngine.SN_R_RESET_DROPS);
            long resident = b.counter(SnapEngine.SN_R_RESIDENT);
            long u = unit(mode);
            RegionStats st = r.stats();
            assertEquals(resident, st.residentBytes());
            assertEquals(resident / u, fills - evictions - dropped, "fills - evictions = resident units: " + st.asMap());
            if (mode != Mode.ANONYMOUS) {
                assertEquals(fills - SIZE / u, st.refills(), "every fill after the first of each unit is a refill: " + st.asMap());
            } else {
                // a chunk's pages and its chunk-cache buffer are fills of their own
                assertTrue(st.refills() <= fills - SIZE / u, st.asMap().toString());
            }
            if (mode != Mode.ANONYMOUS) {
                assertTrue(st.chunksDecompressed() >= fills * (u / CHUNK), "a fill decompresses its chunks: " + st.asMap());
            } else {
                // fills count a chunk's pages and its cache buffer; at most one of each per decompression,
                // and pages filled from the cache come from a hit
                assertTrue(2 * st.chunksDecompressed() + b.counter(SnapEngine.SN_R_CACHE_HITS) >= fills,
                        "pages come from decompression or the cache: " + st.asMap());
            }
            assertTrue(resident <= ceiling(mode, budget), st.asMap().toString());
            assertEquals(0, b.counter(SnapEngine.SN_R_DROPS), "no event lost");
        }
    }

    static Stream<Mode> sampledModes() {
        return Stream.of(Mode.SHMEM, Mode.HUGETLB);
    }

    /**
     * Access sampling runs while units are evicted and reports touches of resident units as
     * accesses (MINOR faults); a region whose image fits in its budget is never sampled.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sampledModes")
    void accessesAreSampledUnderPressureOnly(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long u = unit(mode);
        try (Snapshot s = Snapshot.open(snap);
             LazyRegion tight = (LazyRegion) s.map(mode, options(false, 4 * u));
             LazyRegion roomy = (LazyRegion) s.map(mode, options(false, SIZE + u))) {
            // a hot unit touched all along while scans evict the others
            long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            long checksum = 0;
            while (System.nanoTime() < deadline
                    && (tight.residency().counter(SnapEngine.SN_R_SAMPLED) == 0 || tight.stats().sampledAccesses() == 0)) {
                for (long off = 0; off < SIZE; off += 4096) {
                    checksum += tight.bytesStore().readLong(off);
                    checksum += tight.bytesStore().readLong(0);
                    checksum += roomy.bytesStore().readLong(off);
                }
            }
            RegionStats t = tight.stats();
            assertTrue(t.evictions() > 0, "the scans evicted: " + t.asMap());
            assertTrue(tight.residency().counter(SnapEngine.SN_R_SAMPLED) > 0, "sampled under pressure: " + t.asMap());
            assertTrue(t.sampledAccesses() > 0, "a touched resident unit was reported as an access: " + t.asMap());
            RegionStats r = roomy.stats();
            assertEquals(0, r.evictions(), r.asMap().toString());
            assertEquals(0, roomy.residency().counter(SnapEngine.SN_R_SAMPLED), "the whole image fits: nothing to sample for " + r.asMap());
            assertTrue(checksum != 1, "keeps the reads");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writableModes")
    void noWriteLostUnderEvictionPressure(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long u = unit(mode);
        long budget = 2 * u;
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(mode, options(true, budget))) {
            ByteBuffer view = r.slice(0, (int) r.size()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer expect = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
            int units = (int) (SIZE / u);
            List<Integer> written = new ArrayList<>();
            for (int i = 1; i < units; i += 4) {
                written.add(i);
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread storm = gcStorm(stop);
            storm.start();
            try {
                for (int round = 0; round < 3; round++) {
                    for (int i : written) {
                        long off = i * u + 8L * round;
                        view.putLong((int) off, 0x5757_0000_0000_0000L | (i * 16L + round));
                    }
                    // churn every unit so the budget forces evictions of everything unpinned
                    for (long off = 0; off < SIZE; off += 4096) {
                        long got = view.getLong((int) off + 64);
                        if (got != expect.getLong((int) off + 64) && !written.contains((int) (off / u))) {
                            throw new AssertionError("unwritten content changed at " + off);
                        }
                    }
                }
            } finally {
                stop.set(true);
                storm.join();
            }
            for (int i : written) {
                for (int round = 0; round < 3; round++) {
                    long off = i * u + 8L * round;
                    assertEquals(0x5757_0000_0000_0000L | (i * 16L + round), view.getLong((int) off), "write kept at " + off);
                }
            }
            RegionStats st = r.stats();
            System.out.println("writes " + mode + ": " + st.asMap());
            assertEquals(written.size() * u, st.pinnedBytes(), "written units are pinned: " + st.asMap());
            assertTrue(st.evictions() > 0, st.asMap().toString());
            // reset() discards the writes and unpins: the snapshot's bytes come back
            r.reset(0, r.size());
            assertEquals(0, r.stats().pinnedBytes());
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            assertTrue(r.stats().residentPeakBytes() <= ceiling(mode, budget) + written.size() * u);
        }
    }

    /**
     * Torture for writable regions: writers keep rewriting their own units and reading them back,
     * readers check the rest, a resetter keeps resetting the readers' units, a GC storm runs, and a
     * two-unit budget evicts all the time. No write is ever lost, no read ever wrong.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("writableModes")
    void writersReadersResetsAndEvictionsTogether(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long u = unit(mode);
        int units = (int) (SIZE / u);
        int writers = 3;
        ByteBuffer expect = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        try (Snapshot s = Snapshot.open(snap); LazyRegion r = (LazyRegion) s.map(mode, options(true, 2 * u))) {
            ByteBuffer view = r.slice(0, (int) r.size()).order(ByteOrder.LITTLE_ENDIAN);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong lost = new AtomicLong();
            AtomicLong wrong = new AtomicLong();
            AtomicLong writes = new AtomicLong();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            // writer w owns units w, w + writers + 1, ... (one unit in writers + 1 is for readers)
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(new Thread(() -> {
                    SplittableRandom rnd = new SplittableRandom(id);
                    try {
                        long round = 0;
                        while (!stop.get()) {
                            round++;
                            for (int unit = id; unit < units; unit += writers + 1) {
                                long off = unit * u + (rnd.nextLong(u / 8 - 1) * 8);
                                long value = (long) id << 56 | round << 24 | unit;
                                view.putLong((int) off, value);
                                writes.incrementAndGet();
                                // touch other units so this one competes for the budget, then check
                                view.getLong((int) (((unit + 1) % units) * u));
                                if (view.getLong((int) off) != value) {
                                    lost.incrementAndGet();
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "budget-writer-" + w));
            }
            for (int t = 0; t < 2; t++) {
                long seed = 100 + t;
                threads.add(new Thread(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    try {
                        while (!stop.get()) {
                            int unit = rnd.nextInt(units / (writers + 1)) * (writers + 1) + writers;
                            if (unit >= units) {
                                continue;
                            }
                            long off = unit * u + (rnd.nextLong(u / 8 - 1) * 8);
                            if (view.getLong((int) off) != expect.getLong((int) off)) {
                                wrong.incrementAndGet();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "budget-reader-" + t));
            }
            threads.add(new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(7);
                try {
                    while (!stop.get()) {
                        int unit = rnd.nextInt(units / (writers + 1)) * (writers + 1) + writers;
                        if (unit < units) {
                            r.reset(unit * u, u); // only reader units: the writers' units are theirs
                        }
                        Thread.sleep(1);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "budget-resetter"));
            threads.add(gcStorm(stop));
            assertTimeoutPreemptively(Duration.ofMillis(RUN_MILLIS + 60_000), () -> {
                threads.forEach(Thread::start);
                Thread.sleep(RUN_MILLIS);
                // a loaded machine may have given the writers little time: let them reach the
                // progress asserted below (a stuck writer still fails it after 30 s more)
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (writes.get() <= 1000 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                stop.set(true);
                for (Thread t : threads) {
                    t.join();
                }
            });
            RegionStats st = r.stats();
            System.out.println("writers " + mode + ": " + writes.get() + " writes, " + st.asMap());
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            assertEquals(0, lost.get(), "writes lost under eviction: " + st.asMap());
            assertEquals(0, wrong.get(), "reads that did not match the snapshot: " + st.asMap());
            assertTrue(writes.get() > 100, "writers made progress: " + writes.get());
            assertTrue(st.evictions() > 0 && st.pinnedBytes() > 0, st.asMap().toString());
            assertEquals(0, st.errors(), st.asMap().toString());
        }
    }

    static Stream<Mode> writableModes() {
        return Stream.of(Mode.SHMEM, Mode.HUGETLB, Mode.ANONYMOUS);
    }

    static Stream<Mode> closeRaceModes() {
        return Stream.of(Mode.SHMEM, Mode.HUGETLB, Mode.ANONYMOUS);
    }

    /**
     * close() while threads fault on a few hot units that the budget keeps evicting: close returns,
     * every thread ends (served or poisoned), and no read made while the region was open returned
     * anything but the snapshot's bytes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("closeRaceModes")
    void evictionRacingFaultsAndClose(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        long u = unit(mode);
        ByteBuffer expect = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        try (Snapshot s = Snapshot.open(snap)) {
            for (int round = 0; round < 4; round++) {
                LazyRegion r = (LazyRegion) s.map(mode, options(mode == Mode.ANONYMOUS, 2 * u));
                ByteBuffer view = r.slice(0, (int) r.size());
                AtomicBoolean closing = new AtomicBoolean();
                AtomicLong wrong = new AtomicLong();
                AtomicLong reads = new AtomicLong();
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = round * 100L + t;
                    threads.add(new Thread(() -> {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        try {
                            while (!closing.get()) {
                                // 4 hot units shared by all threads: evictions race faults on them
                                long off = rnd.nextInt(4) * u + (rnd.nextLong(u - 8) & ~7L);
                                long v = view.getLong((int) off);
                                if (v != expect.getLong((int) off) && !closing.get()) {
                                    wrong.incrementAndGet();
                                }
                                reads.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            // InternalError: poisoned by close
                        }
                    }, "budget-close-" + t));
                }
                threads.forEach(Thread::start);
                // Close once the touchers have raced the eviction thread for a while: the first
                // eviction, or 10 s, whichever comes first (a loaded machine may starve both).
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                Thread.sleep(150);
                while (System.nanoTime() < deadline && (reads.get() <= 1000 || r.stats().evictions() == 0)) {
                    Thread.sleep(10);
                }
                closing.set(true);
                assertTimeoutPreemptively(Duration.ofSeconds(10), r::close);
                for (Thread t : threads) {
                    t.join(10_000);
                    assertTrue(!t.isAlive(), "a toucher is stuck after close: " + t.getName());
                }
                RegionStats st = r.stats();
                assertEquals(0, wrong.get(), "reads that did not match while open: " + st.asMap());
                assertTrue(reads.get() > 10, "touchers ran: " + reads.get());
                assertTrue(st.evictions() > 0 || st.residentPeakBytes() <= 2 * u, st.asMap().toString());
            }
        }
    }

    /**
     * Two regions share one warm file; the one with a budget evicts (punches the file) under the
     * other, whose chunk states still say valid: the other refills (MISSING fault, or CONTINUE
     * finding no page) and keeps reading the snapshot's bytes, never poisoned.
     */
    static Stream<Mode> fileModes() {
        return Stream.of(Mode.SHMEM, Mode.HUGETLB);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fileModes")
    void evictionUnderAnotherRegionOfTheSameWarmFile(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        Path warm;
        if (mode == Mode.SHMEM) {
            warm = java.nio.file.Files.createTempDirectory(Path.of("/dev/shm"), "snapstore-budget-");
        } else {
            warm = java.nio.file.Files.createTempDirectory(dir, "hugetlbfs");
            int rc = run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M,mode=0700", "none", warm.toString());
            org.junit.jupiter.api.Assumptions.assumeTrue(rc == 0, "cannot mount hugetlbfs (needs root): mount exit " + rc);
        }
        long u = unit(mode);
        String want = TestData.sha256(content);
        try (Snapshot s = Snapshot.open(snap)) {
            MapOptions plain = MapOptions.builder().readOnly().resolverThreads(RESOLVERS).warmCache(warm).build();
            MapOptions budgeted = plain.toBuilder().memoryBudget(2 * u).build();
            try (LazyRegion other = (LazyRegion) s.map(mode, plain); LazyRegion cache = (LazyRegion) s.map(mode, budgeted)) {
                assertEquals(want, NativeTestSupport.sha256(other));
                assertEquals(want, NativeTestSupport.sha256(cache)); // evicts: punches the shared file
                assertTrue(cache.stats().evictions() > 0, cache.stats().asMap().toString());
                // concurrently now: the budgeted region keeps punching while the other refills
                AtomicBoolean stop = new AtomicBoolean();
                Thread churn = new Thread(() -> {
                    while (!stop.get()) {
                        NativeTestSupport.sha256(cache);
                    }
                }, "budget-churn");
                churn.start();
                try {
                    for (int i = 0; i < 3; i++) {
                        assertEquals(want, NativeTestSupport.sha256(other));
                    }
                } finally {
                    stop.set(true);
                    churn.join();
                }
                assertEquals(0, other.stats().errors(), other.stats().asMap().toString());
                assertEquals(0, cache.stats().errors(), cache.stats().asMap().toString());
                assertTrue(other.stats().chunksDecompressed() > 0, "the other region refilled: " + other.stats().asMap());
                System.out.println("shared warm " + mode + ": other " + other.stats().asMap() + " cache " + cache.stats().asMap());
            }
        } finally {
            // the warm files sit in a per-user directory below warm (uid-N): delete depth first
            try (var files = java.nio.file.Files.walk(warm)) {
                for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    if (!f.equals(warm)) {
                        java.nio.file.Files.delete(f);
                    }
                }
            } finally {
                if (mode == Mode.HUGETLB) {
                    run("umount", warm.toString());
                }
                java.nio.file.Files.delete(warm);
            }
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /**
     * The JMH-fork pattern: touch and write, reset, touch again: reset() copies the written chunks
     * back in place from the chunk cache, so the second pass neither decompresses nor faults.
     */
    @Test
    void anonymousResetIsServedFromTheChunkCache() throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        try (Snapshot s = Snapshot.open(snap);
                LazyRegion r = (LazyRegion) s.map(Mode.ANONYMOUS, options(true, 3L * SIZE))) {
            String want = TestData.sha256(content);
            assertEquals(want, NativeTestSupport.sha256(r));
            long decompressed = r.stats().chunksDecompressed();
            long missing = r.stats().missingFaults();
            assertEquals(SIZE / CHUNK, decompressed, "each chunk decompressed once");
            ByteBuffer view = r.slice(0, SIZE);
            for (int i = 0; i < 3; i++) {
                for (int at = 0; at < SIZE; at += CHUNK) {
                    view.put(at + i, (byte) ~content[at + i]);
                }
                assertEquals(SIZE, r.stats().pinnedBytes(), "every chunk written: " + r.stats().asMap());
                r.reset(0, r.size());
                assertEquals(want, NativeTestSupport.sha256(r));
            }
            RegionStats st = r.stats();
            assertEquals(3L * SIZE / CHUNK, r.residency().counter(SnapEngine.SN_R_RESET_RESTORES), st.asMap().toString());
            assertEquals(missing, st.missingFaults(), "restored in place, never dropped: " + st.asMap());
            assertEquals(decompressed, st.chunksDecompressed(), "no second decompression after reset: " + st.asMap());
            assertEquals(0, st.refills(), "nothing decompressed again: " + st.asMap());
            assertTrue(r.residency().counter(SnapEngine.SN_R_CACHE_HITS) >= 3L * SIZE / CHUNK, st.asMap().toString());
            assertEquals(0, st.evictions(), st.asMap().toString());
            assertEquals(2L * SIZE, st.residentBytes(), "mapped and cached: " + st.asMap());
        }
    }

    @Test
    void budgetBelowTwoUnitsIsRejected() throws Exception {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        try (Snapshot s = Snapshot.open(snap)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.map(Mode.SHMEM, options(false, unit(Mode.SHMEM))));
            assertTrue(e.getMessage().contains("two fill units") && e.getMessage().contains(Long.toString(2L * unit(Mode.SHMEM))),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> MapOptions.builder().memoryBudget(-1));
    }
}
