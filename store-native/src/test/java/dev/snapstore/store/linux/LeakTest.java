package dev.snapstore.store.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.spi.OffHeapMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After close, every descriptor, mapping, resolver thread and hugepage is released. */
class LeakTest {
    private static final int CHUNK = 64 << 10;
    private static final int CYCLES = 10;
    private static final int JVM_SLACK = 6;

    @TempDir
    Path dir;

    @Test
    void closeReleasesEverything() throws Exception {
        NativeTestSupport.assumeLazyModes();
        Path snap = TestData.pack(dir, TestData.mixed(97 * CHUNK + 3, 21), Codec.ZSTD, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            int baseThreads = NativeTestSupport.resolverThreads(); // regions other tests still hold
            cycle(s, baseThreads); // warm up lazily created JVM/JNA state
            releaseGuards();
            int fds = NativeTestSupport.fdCount();
            List<String> maps = NativeTestSupport.mappings();
            long hugeFree = NativeTestSupport.hugePagesFree();
            long hugeMine = NativeTestSupport.hugetlbPagesOfThisProcess();
            int regions = 0;
            for (int i = 0; i < CYCLES; i++) {
                regions += cycle(s, baseThreads);
            }
            releaseGuards();
            assertEquals(fds, NativeTestSupport.fdCount(), "file descriptors");
            List<String> after = NativeTestSupport.mappings();
            // The engine's own file mappings carry its names: those must match exactly.
            assertEquals(named(maps), named(after), "snapstore mappings in /proc/self/maps");
            // Anonymous ones cannot be told from the JVM's, which may start a compiler or GC thread
            // (a stack and its guard) meanwhile. A leak grows with every region mapped: CYCLES
            // cycles map at least 2 * CYCLES anonymous regions, several times the slack allowed.
            int grown = after.size() - maps.size();
            if (grown != 0) {
                List<String> added = new ArrayList<>(after);
                added.removeAll(maps);
                System.out.println("LeakTest: " + grown + " mappings more after " + regions + " regions; new lines: " + added);
            }
            assertTrue(grown <= JVM_SLACK, "mappings in /proc/self/maps grew by " + grown + " after " + regions
                    + " regions were mapped and closed (allowed for the JVM's own threads: " + JVM_SLACK + ")");
            assertEquals(hugeMine, NativeTestSupport.hugetlbPagesOfThisProcess(), "HugetlbPages in /proc/self/status");
            // HugePages_Free is machine-wide: other processes may allocate meanwhile, so allow them a moment
            long free = NativeTestSupport.hugePagesFree();
            for (int i = 0; i < 20 && free != hugeFree; i++) {
                Thread.sleep(50);
                free = NativeTestSupport.hugePagesFree();
            }
            if (free != hugeFree) {
                System.out.println("LeakTest: HugePages_Free moved from " + hugeFree + " to " + free
                        + " while other processes use the pool; this process holds " + NativeTestSupport.hugetlbPagesOfThisProcess());
            }
            assertEquals(baseThreads, NativeTestSupport.resolverThreadsSettled(baseThreads), "native resolver threads");
        }
    }

    /** Closed regions leave an empty guard mapping for a second; then the next open/close unmaps it. */
    private static void releaseGuards() throws Exception {
        Thread.sleep(1100);
        assertEquals(0, dev.snapstore.store.linux.internal.SnapEngine.sn_guards_release(0), "guards left after 1 s");
    }

    private static List<String> named(List<String> maps) {
        return maps.stream().filter(l -> l.contains("snapstore")).toList();
    }

    /** Maps and closes a region in every available lazy mode, writable and not; returns how many. */
    private static int cycle(Snapshot s, int baseThreads) throws Exception {
        int regions = 0;
        for (Mode mode : NativeTestSupport.LAZY_MODES) {
            if (mode == Mode.HUGETLB && Hugepages.pool2m().available() == 0) {
                continue;
            }
            for (boolean writable : new boolean[] {true, false}) {
                try (Region r = s.map(mode, MapOptions.builder().writable(writable).resolverThreads(3).build())) {
                    assertEquals(baseThreads + 3, NativeTestSupport.resolverThreadsSettled(baseThreads + 3));
                    r.load(0, r.size() / 2);
                    r.slice(0, (int) r.size()).get((int) r.size() - 1);
                }
                regions++;
            }
        }
        return regions;
    }

    @Test
    void eagerMemoryFromTheProviderIsReturned() throws Exception {
        NativeTestSupport.assumeMode(Mode.HUGETLB);
        LinuxRegionProvider p = new LinuxRegionProvider();
        long before = NativeTestSupport.hugePagesFree();
        long mineBefore = NativeTestSupport.hugetlbPagesOfThisProcess();
        try (OffHeapMemory m = p.allocate(5L << 20, true).orElseThrow()) {
            assertEquals("hugetlb 2 MiB pages", m.kind());
            assertEquals(0, m.address() % (2 << 20));
            assertTrue(before - NativeTestSupport.hugePagesFree() >= 0);
            net.openhft.chronicle.bytes.BytesStore.wrap(m.address(), m.size()).writeLong(m.size() - 8, 42L);
            assertTrue(NativeTestSupport.hugetlbPagesOfThisProcess() > mineBefore, "the memory is hugetlb-backed");
        }
        assertEquals(mineBefore, NativeTestSupport.hugetlbPagesOfThisProcess(), "HugetlbPages in /proc/self/status");
        // HugePages_Free is machine-wide: other processes may take or return pages meanwhile.
        long free = NativeTestSupport.hugePagesFree();
        for (int i = 0; i < 20 && free != before; i++) {
            Thread.sleep(50);
            free = NativeTestSupport.hugePagesFree();
        }
        if (free != before) {
            System.out.println("LeakTest: HugePages_Free moved from " + before + " to " + free + " while other processes use the pool");
        }
        try (OffHeapMemory m = p.allocate(5L << 20, false).orElseThrow()) {
            assertTrue(m.kind().startsWith("anonymous"), m.kind());
        }
    }
}
