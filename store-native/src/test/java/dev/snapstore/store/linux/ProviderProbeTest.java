package dev.snapstore.store.linux;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshot.map examines the machine once per mode it considers, not once more inside the provider's
 * map; what does not change while the JVM runs is prepared once, in the background, at the first open.
 */
class ProviderProbeTest {
    @TempDir
    Path dir;

    @Test
    void mapExaminesTheMachineOncePerModeTried() throws Exception {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        Path snap = TestData.pack(dir, TestData.mixed(80 * (64 << 10), 9), Codec.LZ4, 64 << 10);
        try (Snapshot s = Snapshot.open(snap)) {
            long before = LinuxRegionProvider.CHECKS.get();
            try (Region r = s.map(Mode.SHMEM, MapOptions.defaults())) {
                assertEquals(Mode.SHMEM, r.mode());
            }
            assertEquals(1, LinuxRegionProvider.CHECKS.get() - before, "explicit SHMEM: one look");
            before = LinuxRegionProvider.CHECKS.get();
            // AUTO with hugepages refused: HUGETLB is considered and declined, SHMEM chosen
            try (Region r = s.map(Mode.AUTO, MapOptions.builder().hugepages(false).build())) {
                assertEquals(Mode.SHMEM, r.mode());
            }
            assertEquals(2, LinuxRegionProvider.CHECKS.get() - before, "AUTO: HUGETLB then SHMEM, nothing more");
            // a direct call without a preceding availability still checks
            before = LinuxRegionProvider.CHECKS.get();
            try (Region r = new LinuxRegionProvider().map(s, Mode.SHMEM, MapOptions.defaults())) {
                assertEquals(Mode.SHMEM, r.mode());
            }
            assertEquals(1, LinuxRegionProvider.CHECKS.get() - before);
        }
    }

    @Test
    void theFirstOpenPreparesTheProviderOncePerJvm() throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        Path snap = TestData.pack(dir, TestData.mixed(80 * (64 << 10), 3), Codec.LZ4, 64 << 10);
        for (int i = 0; i < 3; i++) {
            try (Snapshot s = Snapshot.open(snap)) {
                assertEquals(80, s.chunkCount());
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (LinuxRegionProvider.PREPARED.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, LinuxRegionProvider.PREPARED.get(), "prepare() ran once in this JVM, after the first open");
        // what it prepared is there, and a map still works after it
        assertTrue(dev.snapstore.store.linux.internal.Userfaultfd.probe().available());
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(Mode.ANONYMOUS, MapOptions.defaults())) {
            assertEquals(TestData.sha256(TestData.mixed(80 * (64 << 10), 3)), NativeTestSupport.sha256(r));
        }
        assertEquals(1, LinuxRegionProvider.PREPARED.get(), "not again at later opens");
    }
}
