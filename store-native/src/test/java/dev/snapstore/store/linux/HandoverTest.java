package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Handover of valid fill units to the kernel, in the file modes over 2 MiB pages: HUGETLB, and SHMEM
 * when shmem's huge-page policy for memfds is {@code within_size} (set here, as root, and put back).
 * A unit whose chunks are valid leaves the userfaultfd, and the kernel maps it and serves its later
 * faults. Checked: the units really are handed (PMD-mapped in SHMEM) and after a reset no fault
 * reaches the engine; every byte is the snapshot's, under concurrent readers and a GC storm too;
 * writes are private and a reset brings the snapshot's bytes back; a corrupt chunk is still refused
 * (its unit never handed); chunks smaller than 2 MiB fill whole 2 MiB units; and with the policy at
 * {@code never} SHMEM hands nothing over.
 */
class HandoverTest {
    private static final int CHUNK = 2 << 20;
    private static final int CHUNKS = 96;
    private static final int PAGE = 4096;

    @TempDir
    static Path dir;
    private static byte[] content;
    private static Path snap;

    @BeforeAll
    static void pack() throws IOException {
        content = TestData.mixed(CHUNKS * CHUNK, 21);
        snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
    }

    private AutoCloseable policy;

    /** Regions mapped in this test follow shmem's huge-page policy {@code value}; put back after it. */
    private void policy(String value) throws IOException {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        policy = NativeTestSupport.shmemPolicy(value);
    }

    @AfterEach
    void restorePolicy() throws Exception {
        if (policy != null) {
            policy.close();
        }
    }

    private static MapOptions options(boolean writable) {
        return MapOptions.builder().writable(writable).resolverThreads(2).build();
    }

    /** kB of the region's range that the kernel maps with 2 MiB entries (ShmemPmdMapped + FilePmdMapped in smaps). */
    private static long pmdMappedKb(Region r) throws IOException {
        long lo = r.address();
        long hi = lo + r.size();
        long kb = 0;
        boolean inside = false;
        Pattern head = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            Matcher m = head.matcher(line);
            if (m.find()) {
                long s = Long.parseUnsignedLong(m.group(1), 16);
                long e = Long.parseUnsignedLong(m.group(2), 16);
                inside = s < hi && e > lo;
            } else if (inside && (line.startsWith("ShmemPmdMapped:") || line.startsWith("FilePmdMapped:"))) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb;
    }

    @ParameterizedTest(name = "{0} writable={1}")
    @CsvSource({"SHMEM,false", "SHMEM,true", "HUGETLB,false", "HUGETLB,true"})
    void validUnitsAreHandedAndLaterFaultsAreTheKernels(Mode mode, boolean writable) throws Exception {
        if (mode == Mode.SHMEM) {
            policy("within_size");
        }
        NativeTestSupport.assumeMode(mode);
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, options(writable))) {
            LazyRegion lazy = (LazyRegion) r;
            ByteBuffer view = r.slice(0, (int) r.size());
            ByteBuffer want = ByteBuffer.wrap(content).order(view.order());
            for (int off = 0; off < content.length; off += PAGE) {
                assertEquals(want.getLong(off), view.getLong(off), "the word at " + off);
            }
            // a writable SHMEM region maps an all-zero chunk with the zero page (no file memory): not handed
            int zero = 0;
            for (int i = 0; i < CHUNKS; i++) {
                zero += mode == Mode.SHMEM && writable && s.index().isZero(i) ? 1 : 0;
            }
            int handed = CHUNKS - zero;
            assertEquals(handed, lazy.handedUnits(), r.stats().asMap().toString());
            if (mode == Mode.SHMEM) {
                long pmdKb = pmdMappedKb(r);
                assertTrue(pmdKb >= (long) handed * CHUNK / 1024 * 3 / 4,
                        pmdKb + " kB of " + (CHUNKS * CHUNK / 1024) + " mapped with 2 MiB entries");
            }
            if (writable) {
                for (int u = 0; u < CHUNKS; u += 5) {
                    view.put(u * CHUNK + 3 * PAGE + 1, (byte) ~content[u * CHUNK + 3 * PAGE + 1]);
                }
                for (int u = 0; u < CHUNKS; u += 5) {
                    assertEquals((byte) ~content[u * CHUNK + 3 * PAGE + 1], view.get(u * CHUNK + 3 * PAGE + 1));
                }
            }
            // after a reset every fault is the kernel's: none reaches the resolvers, the bytes are the
            // snapshot's (private writes dropped) and the units stay handed
            r.reset();
            long faults = r.stats().faults();
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r), "after reset(): the snapshot's bytes");
            long again = r.stats().faults() - faults;
            assertTrue(again <= zero, again + " engine faults after the reset (zero-page units: " + zero + "): " + r.stats().asMap());
            assertEquals(handed, lazy.handedUnits(), "a reset keeps the units handed");
            assertEquals(0, r.stats().errors());
        }
    }

    @Test
    void smallChunksFillWholeHugePagesThatAreHanded() throws Exception {
        policy("within_size");
        int small = 64 << 10;
        byte[] mine = TestData.mixed(48 * CHUNK, 23);
        Path packed = TestData.pack(dir, mine, Codec.ZSTD, small);
        try (Snapshot s = Snapshot.open(packed); Region r = s.map(Mode.SHMEM, options(false))) {
            LazyRegion lazy = (LazyRegion) r;
            assertEquals(CHUNK, lazy.pageSize(), "a 2 MiB fill unit over 64 KiB chunks");
            assertEquals(TestData.sha256(mine), NativeTestSupport.sha256(r));
            assertEquals(48, lazy.handedUnits(), r.stats().asMap().toString());
            assertTrue(pmdMappedKb(r) >= 48L * CHUNK / 1024 * 3 / 4, pmdMappedKb(r) + " kB mapped with 2 MiB entries");
            assertEquals(0, r.stats().errors());
        }
    }

    @Test
    void concurrentRandomReadersUnderAGcStormReadExactBytes() throws Exception {
        policy("within_size");
        int threads = 6;
        AtomicBoolean stop = new AtomicBoolean();
        Thread gc = new Thread(() -> {
            List<byte[]> junk = new ArrayList<>();
            while (!stop.get()) {
                junk.add(new byte[64 << 10]);
                if (junk.size() > 200) {
                    junk.clear();
                    System.gc();
                }
            }
        }, "gc-storm");
        gc.setDaemon(true);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(Mode.SHMEM, options(true))) {
            gc.start();
            for (int round = 0; round < 3; round++) {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = round * 100L + t;
                    fs.add(pool.submit(() -> {
                        ByteBuffer view = r.slice(0, (int) r.size());
                        SplittableRandom rnd = new SplittableRandom(seed);
                        byte[] got = new byte[256];
                        for (int i = 0; i < 4000; i++) {
                            int off = rnd.nextInt(content.length - got.length);
                            view.get(off, got);
                            assertArrayEquals(Arrays.copyOfRange(content, off, off + got.length), got, "bytes at " + off);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(120, TimeUnit.SECONDS);
                }
                r.reset();
            }
            assertTrue(((LazyRegion) r).handedUnits() > 0, r.stats().asMap().toString());
            assertEquals(0, r.stats().errors());
        } finally {
            stop.set(true);
            pool.shutdownNow();
            gc.join(10_000);
        }
    }

    @Test
    void aCorruptChunkIsRefusedAndItsUnitNeverHanded() throws Exception {
        policy("within_size");
        byte[] mine = TestData.mixed(CHUNKS * CHUNK, 22);
        Path bad = TestData.pack(dir, mine, Codec.LZ4, CHUNK);
        int chunk = RefusalTest.corruptOneChunk(bad, 70);
        try (Snapshot s = Snapshot.open(bad); Region r = s.map(Mode.SHMEM, options(false))) {
            ByteBuffer view = r.slice(0, (int) r.size());
            Object outcome = NativeTestSupport.readPagesOnAnotherThread(view, (long) chunk * CHUNK, CHUNK, "refused-reader");
            assertInstanceOf(InternalError.class, outcome, () -> "outcome: " + outcome);
            // every other unit is handed and reads exactly
            for (int u = 0; u < CHUNKS; u++) {
                if (u != chunk) {
                    byte[] got = new byte[CHUNK];
                    view.get(u * CHUNK, got);
                    assertArrayEquals(Arrays.copyOfRange(mine, u * CHUNK, (u + 1) * CHUNK), got, "unit " + u);
                }
            }
            assertEquals(CHUNKS - 1, ((LazyRegion) r).handedUnits());
            // the refused unit still answers through the engine: again InternalError, never zeros
            Object again = NativeTestSupport.readPagesOnAnotherThread(view, (long) chunk * CHUNK, CHUNK, "refused-again");
            assertInstanceOf(InternalError.class, again, () -> "outcome: " + again);
            CorruptSnapshotException c = assertThrows(CorruptSnapshotException.class, r::checkHealthy);
            assertEquals(chunk, c.chunk(), c.getMessage());
        }
    }

    @Test
    void withoutHugeShmemNothingIsHanded() throws Exception {
        policy("never");
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(Mode.SHMEM, options(false))) {
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            assertEquals(0, ((LazyRegion) r).handedUnits());
            assertEquals(0, pmdMappedKb(r));
        }
    }
}
