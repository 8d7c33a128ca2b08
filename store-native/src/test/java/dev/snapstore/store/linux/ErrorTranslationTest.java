package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.DirectBuffers;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the engine's typed errors become exceptions naming the fix. Every case makes the real C code
 * fail (SNAPSTORE_UFFD_DISABLE emulating an older or locked-down kernel, a tampered index, a
 * snapshot that changed, a warm directory on the wrong filesystem), so the kinds and calls the
 * engine reports are what is tested, not strings typed here.
 */
class ErrorTranslationTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    static Path dir;
    static Path snap;
    /** What this JVM emulates already (SNAPSTORE_UFFD_DISABLE), restored after each test. */
    static String inherited;

    @BeforeAll
    static void pack() throws Exception {
        NativeTestSupport.assumeLazyModes();
        inherited = Userfaultfd.disabledNames(SnapEngine.sn_uffd_disabled());
        snap = TestData.pack(dir, TestData.mixed(80 * CHUNK, 3), Codec.LZ4, CHUNK);
    }

    @AfterEach
    void restoreKernel() {
        SnapEngine.sn_uffd_disable(inherited);
        Userfaultfd.forgetProbe();
    }

    private static void emulate(String disabled) {
        assertEquals(0, SnapEngine.sn_uffd_disable(inherited.isEmpty() ? disabled : inherited + "," + disabled));
        Userfaultfd.forgetProbe();
    }

    @Test
    void userfaultfdNotPermittedNamesTheSysctlAndTheDevice() throws Exception {
        emulate("SYSCALL,DEV_USERFAULTFD");
        try (Snapshot s = Snapshot.open(snap)) {
            ModeUnavailableException e = assertThrows(ModeUnavailableException.class,
                    () -> LazyRegion.map(s, Mode.SHMEM, MapOptions.defaults(), "test").close());
            assertTrue(e.getMessage().contains("sysctl -w vm.unprivileged_userfaultfd=1"), e.getMessage());
            assertTrue(e.getMessage().contains("/dev/userfaultfd"), e.getMessage());
            assertTrue(e.getMessage().contains("EPERM"), e.getMessage());
            assertEquals(Mode.SHMEM, e.mode());
        }
    }

    @Test
    void missingKernelFeatureSaysWhichAndToUpgrade() throws Exception {
        NativeTestSupport.assumeMode(Mode.HUGETLB);
        emulate("MINOR_HUGETLBFS");
        try (Snapshot s = Snapshot.open(snap)) {
            ModeUnavailableException e = assertThrows(ModeUnavailableException.class,
                    () -> LazyRegion.map(s, Mode.HUGETLB, MapOptions.builder().readOnly().build(), "test").close());
            assertTrue(e.getMessage().contains("lacks MINOR_HUGETLBFS,"), e.getMessage());
            assertTrue(e.getMessage().contains("upgrade the kernel"), e.getMessage());
            assertTrue(e.getMessage().contains("SNAPSTORE_UFFD_DISABLE"), e.getMessage());
            assertTrue(!e.getMessage().contains("lacks POISON") && !e.getMessage().contains("needs POISON"), e.getMessage());
        }
    }

    @Test
    void warmCacheOnWrongFilesystemNamesTheMount() throws Exception {
        Path disk = Files.createTempDirectory(Path.of("target"), "warm-on-disk").toAbsolutePath();
        try (Snapshot s = Snapshot.open(snap)) {
            MapOptions o = MapOptions.builder().warmCache(disk).build();
            ModeUnavailableException e = assertThrows(ModeUnavailableException.class,
                    () -> LazyRegion.map(s, Mode.SHMEM, o, "test").close());
            assertTrue(e.getMessage().contains(disk + " is not on tmpfs") && e.getMessage().contains("/dev/shm"),
                    e.getMessage());
        } finally {
            Files.deleteIfExists(disk);
        }
    }

    @Test
    void rejectedIndexEntryIsCorruptionNamingTheEntry() throws Exception {
        try (Snapshot s = Snapshot.open(snap)) {
            ByteBuffer entries = s.index().entries().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer raw = ByteBuffer.allocateDirect(entries.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            raw.put(entries).flip();
            // entry 37's raw length no longer matches its chunk
            raw.putInt(37 * SnapEngine.SN_INDEX_ENTRY_SIZE + 12, CHUNK - 1);
            long h = SnapEngine.sn_region_open(snap.toString(), s.fileSize(), DirectBuffers.address(raw), s.chunkCount(),
                    s.chunkShift(), s.length(), SnapEngine.SN_MODE_ANONYMOUS, 0, 1, null, null);
            assertTrue(h < 0, "the engine accepted a bad entry");
            Exception e = EngineErrors.last(h, s, Mode.ANONYMOUS, MapOptions.defaults());
            CorruptSnapshotException c = assertInstanceOf(CorruptSnapshotException.class, e);
            assertEquals(snap, c.file());
            assertTrue(c.getMessage().contains("index entry 37 rejected"), c.getMessage());
        }
    }

    @Test
    void snapshotChangedSinceOpenIsCorruption() throws Exception {
        Path copy = Files.copy(snap, dir.resolve("changing.snap"));
        try (Snapshot s = Snapshot.open(copy)) {
            Files.write(copy, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
            CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class,
                    () -> LazyRegion.map(s, Mode.ANONYMOUS, MapOptions.defaults(), "test").close());
            assertEquals(copy, e.file());
            assertTrue(e.getMessage().contains("changed size since it was opened"), e.getMessage());
        }
    }

    @Test
    void anythingElseIsANativeIoExceptionWithCallErrnoAndMessage() throws Exception {
        try (Snapshot s = Snapshot.open(snap)) {
            ByteBuffer entries = ByteBuffer.allocateDirect(s.chunkCount() * 40).put(s.index().entries()).flip(); // the index is on the heap
            long h = SnapEngine.sn_region_open(dir.resolve("gone.snap").toString(), -1, DirectBuffers.address(entries), s.chunkCount(),
                    s.chunkShift(), s.length(), SnapEngine.SN_MODE_ANONYMOUS, 0, 1, null, null);
            assertEquals(-Errno.ENOENT, h);
            NativeIoException n = assertInstanceOf(NativeIoException.class,
                    EngineErrors.last(h, s, Mode.ANONYMOUS, MapOptions.defaults()));
            assertEquals("open(snapshot)", n.call());
            assertEquals(Errno.ENOENT, n.errno());
            assertTrue(n.getMessage().startsWith("open(snapshot) failed: ENOENT (No such file or directory)"), n.getMessage());
        }
    }

    /** The reservation failure needs a pool emptied under the test; the kind itself comes from the library. */
    @Test
    void hugepageReservationFailureNamesNrHugepagesAndTheAlternatives() throws Exception {
        int kind = (int) SnapEngine.sn_constant("SN_E_HUGETLB_RESERVE");
        try (Snapshot s = Snapshot.open(snap)) {
            Exception e = EngineErrors.translate(new EngineErrors.EngineError(kind, Errno.ENOMEM,
                    "mmap(hugetlb MAP_PRIVATE)", -1), s, Mode.HUGETLB, MapOptions.defaults());
            assertInstanceOf(ModeUnavailableException.class, e);
            assertTrue(e.getMessage().contains("> /proc/sys/vm/nr_hugepages"), e.getMessage());
            assertTrue(e.getMessage().contains("readOnly()") && e.getMessage().contains("SHMEM"), e.getMessage());
        }
    }
}
