package dev.snapstore.store.linux;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.SnapEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** How the engine's (call, errno) failures become typed exceptions naming the fix. */
class ErrorTranslationTest {
    @TempDir
    static Path dir;
    static Path snap;

    @BeforeAll
    static void pack() throws Exception {
        assumeTrue(SnapEngine.isLoaded(), "libsnapstore.so not loadable");
        snap = TestData.pack(dir, TestData.mixed(100_000, 3), Codec.LZ4, 64 << 10);
    }

    private static Exception translate(Mode mode, MapOptions o, String call, int errno) throws Exception {
        try (Snapshot s = Snapshot.open(snap)) {
            return LazyRegion.translate(s, mode, o, call, errno);
        }
    }

    @Test
    void userfaultfdNotPermittedNamesTheSysctlAndTheDevice() throws Exception {
        Exception e = translate(Mode.SHMEM, MapOptions.defaults(), "userfaultfd", Errno.EPERM);
        assertInstanceOf(ModeUnavailableException.class, e);
        assertTrue(e.getMessage().contains("sysctl -w vm.unprivileged_userfaultfd=1"), e.getMessage());
        assertTrue(e.getMessage().contains("/dev/userfaultfd"), e.getMessage());
        assertEquals(Mode.SHMEM, ((ModeUnavailableException) e).mode());
    }

    @Test
    void missingKernelFeatureSaysWhichAndToUpgrade() throws Exception {
        Exception e = translate(Mode.HUGETLB, MapOptions.defaults(), "ioctl(UFFDIO_API) features", Errno.EOPNOTSUPP);
        assertInstanceOf(ModeUnavailableException.class, e);
        assertTrue(e.getMessage().contains("MINOR_HUGETLBFS") && e.getMessage().contains("POISON"), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade the kernel"), e.getMessage());
    }

    @Test
    void hugepageReservationFailureNamesNrHugepagesAndTheAlternatives() throws Exception {
        Exception e = translate(Mode.HUGETLB, MapOptions.defaults(), "mmap(hugetlb MAP_PRIVATE)", Errno.ENOMEM);
        assertInstanceOf(ModeUnavailableException.class, e);
        assertTrue(e.getMessage().contains("> /proc/sys/vm/nr_hugepages"), e.getMessage());
        assertTrue(e.getMessage().contains("readOnly()") && e.getMessage().contains("SHMEM"), e.getMessage());
    }

    @Test
    void warmCacheOnWrongFilesystemNamesTheMount() throws Exception {
        MapOptions o = MapOptions.builder().warmCache(Path.of("/var/tmp")).build();
        Exception e = translate(Mode.HUGETLB, o, "warm cache directory is not on hugetlbfs", Errno.EXDEV);
        assertInstanceOf(ModeUnavailableException.class, e);
        assertTrue(e.getMessage().contains("mount -t hugetlbfs"), e.getMessage());
    }

    @Test
    void rejectedIndexIsCorruption() throws Exception {
        Exception e = translate(Mode.ANONYMOUS, MapOptions.defaults(), "index entry", Errno.EINVAL);
        assertInstanceOf(CorruptSnapshotException.class, e);
        assertEquals(snap, ((CorruptSnapshotException) e).file());
    }

    @Test
    void anythingElseIsANativeIoExceptionWithCallErrnoAndMessage() throws Exception {
        Exception e = translate(Mode.SHMEM, MapOptions.defaults(), "memfd_create", 24);
        assertInstanceOf(NativeIoException.class, e);
        NativeIoException n = (NativeIoException) e;
        assertEquals("memfd_create", n.call());
        assertEquals(24, n.errno());
        assertTrue(n.getMessage().startsWith("memfd_create failed: errno 24 (Too many open files)"), n.getMessage());
    }
}
