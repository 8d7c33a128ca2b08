package dev.snapstore.store.linux;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What happens when a chunk cannot be produced, or a mode cannot be used. */
class FailureTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    /** A corrupted payload poisons its chunk: the reader gets InternalError, never zeros; others read fine. */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void corruptChunkIsPoisonedNeverZeroFilled(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(128 * CHUNK, 5); // 4 hugepages: the bad chunk's stays apart
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        int bad;
        try (Snapshot s = Snapshot.open(snap)) {
            bad = firstStoredChunkAfter(s, 40);
            try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x66, 0x77, 0x11, 0x22, 0x33, 0x44, 0x55}),
                        s.index().offset(bad) + s.index().storedLength(bad) / 2);
            }
        }
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, MapOptions.defaults())) {
            ByteBuffer view = r.slice(0, (int) r.size());
            long chunkStart = (long) bad * CHUNK;
            // chunks far from the bad one (and outside its hugepage) read correctly
            assertEquals(content[0], view.get(0));
            assertEquals(content[content.length - 1], view.get(content.length - 1));
            Object outcome = NativeTestSupport.readPagesOnAnotherThread(view, chunkStart, CHUNK, "poison-reader");
            assertInstanceOf(InternalError.class, outcome, () -> "outcome: " + outcome);
            RegionStats st = r.stats();
            assertTrue(st.errors() >= 1, st.asMap().toString());
            String last = ((LazyRegion) r).lastError();
            assertNotNull(last);
            assertTrue(last.contains("chunk " + bad), last);
            // load() over the bad chunk reports it, typed and named, instead of waiting or zero-filling
            UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> r.load(chunkStart, CHUNK));
            var c = assertInstanceOf(dev.snapstore.store.CorruptSnapshotException.class, u.getCause());
            assertEquals(bad, c.chunk(), c.getMessage());
            assertEquals(snap, c.file());
            assertTrue(c.getMessage().contains("EBADMSG"), c.getMessage());
        }
    }

    /**
     * Hugepages running out while a HUGETLB region fills (here: a size-limited hugetlbfs mount
     * holding the warm file, so the machine's pool is not drained): fallocate's ENOSPC poisons the
     * chunk, the reader gets InternalError, errors count it; never a SIGBUS that kills the JVM.
     */
    @Test
    void hugepagesRunningOutPoisonsInsteadOfSigbus() throws Exception {
        NativeTestSupport.assumeMode(Mode.HUGETLB);
        Path mnt = Files.createTempDirectory(dir, "small-hugetlbfs");
        int rc = run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M,size=8M,mode=0700", "none", mnt.toString());
        NativeTestSupport.require(rc == 0, () -> "cannot mount hugetlbfs (needs root): exit " + rc);
        try {
            int chunk = 2 << 20;
            byte[] content = TestData.mixed(8 * chunk, 17); // 8 hugepages; the mount holds 4, one for state
            Path snap = TestData.pack(dir, content, Codec.LZ4, chunk);
            try (Snapshot s = Snapshot.open(snap);
                    Region r = s.map(Mode.HUGETLB, MapOptions.builder().readOnly().warmCache(mnt).build())) {
                ByteBuffer view = r.slice(0, (int) r.size());
                assertEquals(content[0], view.get(0), "the first chunks fit");
                AtomicReference<Object> outcome = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        long sum = 0;
                        for (int c = 0; c < 8; c++) {
                            sum += view.get(c * chunk + 5);
                        }
                        outcome.set("returned normally, sum " + sum);
                    } catch (InternalError e) {
                        outcome.set(e);
                    }
                });
                t.start();
                t.join(30_000);
                assertInstanceOf(InternalError.class, outcome.get(), () -> "outcome: " + outcome.get());
                assertTrue(r.stats().errors() >= 1, r.stats().asMap().toString());
                String last = ((LazyRegion) r).lastError();
                assertTrue(last != null && last.contains("ENOSPC"), last);
            }
        } finally {
            try {
                NativeTestSupport.deleteContents(mnt);
            } finally {
                run("umount", mnt.toString());
            }
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static int firstStoredChunkAfter(Snapshot s, int from) {
        for (int i = from; i < s.chunkCount(); i++) {
            if (!s.index().isZero(i) && !s.index().isDedup(i)) {
                return i;
            }
        }
        throw new AssertionError("no stored chunk after " + from);
    }

    /** A writable HUGETLB region needs the image plus as many reserved pages: short pool -> clear refusal; AUTO -> SHMEM. */
    @Test
    void shortHugepagePoolIsRefusedWithTheFixAndAutoFallsBack() throws Exception {
        NativeTestSupport.assumeMode(Mode.HUGETLB);
        // writable needs 1.2x the whole pool: refused however other processes use the pool meanwhile
        long pages = Hugepages.pool2m().total() * 6 / 10;
        long size = pages * Hugepages.SIZE_2M;
        Path snap = NativeTestSupport.packSparse(dir, size, 128L << 20, Codec.LZ4);
        try (Snapshot s = Snapshot.open(snap)) {
            ModeUnavailableException e = assertThrows(ModeUnavailableException.class,
                    () -> s.map(Mode.HUGETLB, MapOptions.defaults()).close());
            assertEquals(Mode.HUGETLB, e.mode());
            assertTrue(e.getMessage().contains("/proc/sys/vm/nr_hugepages"), e.getMessage());
            try (Region auto = s.map(Mode.AUTO, MapOptions.defaults())) {
                assertEquals(Mode.SHMEM, auto.mode());
            }
            // read-only needs one copy only, which fits (other processes may have taken pages meanwhile)
            NativeTestSupport.ensureHugepages(pages + 16);
            try (Region ro = s.map(Mode.HUGETLB, MapOptions.builder().readOnly().build())) {
                assertEquals(Mode.HUGETLB, ro.mode());
                ro.load(0, Math.min(ro.size(), 8L << 20));
            }
        }
    }

    @Test
    void warmCacheOnTheWrongFilesystemNamesTheFix() throws Exception {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        Path snap = TestData.pack(dir, TestData.mixed(3 * CHUNK, 1), Codec.ZSTD, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            ModeUnavailableException e = assertThrows(ModeUnavailableException.class,
                    () -> s.map(Mode.SHMEM, MapOptions.builder().warmCache(dir).build()).close());
            assertTrue(e.getMessage().contains("/dev/shm"), e.getMessage());
        }
    }

    @Test
    void snapshotReplacedAfterOpenIsReported() throws Exception {
        NativeTestSupport.assumeMode(Mode.ANONYMOUS);
        Path snap = TestData.pack(dir, TestData.mixed(3 * CHUNK, 2), Codec.LZ4, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            Files.write(snap, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
            var e = assertThrows(dev.snapstore.store.CorruptSnapshotException.class,
                    () -> s.map(Mode.ANONYMOUS, MapOptions.defaults()).close());
            assertTrue(e.getMessage().contains("changed"), e.getMessage());
        }
    }

    @Test
    void useAfterCloseFailsFast() throws Exception {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        Path snap = TestData.pack(dir, TestData.mixed(3 * CHUNK, 3), Codec.LZ4, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            Region r = s.map(Mode.SHMEM, MapOptions.defaults());
            r.load(0, r.size());
            ByteBuffer stale = r.slice(0, (int) r.size());
            r.close();
            r.close();
            // a late access through a stale buffer hits the guard left at the address: InternalError, not a crash
            AtomicReference<Object> late = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    late.set("read " + stale.get(100));
                } catch (InternalError e) {
                    late.set(e);
                }
            });
            t.start();
            t.join(10_000);
            assertInstanceOf(InternalError.class, late.get(), () -> "late access: " + late.get());
            assertThrows(IllegalStateException.class, () -> r.slice(0, 1));
            assertThrows(IllegalStateException.class, () -> r.load(0, 1));
            assertThrows(IllegalStateException.class, r::reset);
            assertTrue(r.stats().faults() > 0, "final stats kept after close");
            try (Region other = s.map(Mode.SHMEM)) {
                assertThrows(IndexOutOfBoundsException.class, () -> other.slice(other.size(), 1));
                assertThrows(IndexOutOfBoundsException.class, () -> other.load(-1, 2));
            }
        }
    }
}
