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

/** Snapshot.map examines the machine once per mode it considers, not once more inside the provider's map. */
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
}
