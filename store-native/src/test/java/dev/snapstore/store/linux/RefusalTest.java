package dev.snapstore.store.linux;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same guarantees with and without UFFD_FEATURE_POISON (kernels 5.14-6.5 are emulated here by
 * masking it, as SNAPSTORE_UFFD_DISABLE=POISON does): content in every lazy mode; a corrupt chunk
 * is an InternalError for a raw access and a typed CorruptSnapshotException naming the file and the
 * chunk for load(), read() and checkHealthy(), read() throwing before any byte is copied; and a
 * close() racing blocked readers ends each of them served or with InternalError, never wrong bytes,
 * never a hang.
 */
class RefusalTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 128; // 4 hugepages: the bad chunk's stays apart from the ends

    @TempDir
    Path dir;
    private String inherited;

    /** "POISON" when the kernel offers it (and it is not masked already), and "SIGBUS guard" always. */
    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        NativeTestSupport.assumeLazyModes();
        boolean poison = Userfaultfd.probe().has(Userfaultfd.UFFD_FEATURE_POISON);
        for (Mode mode : NativeTestSupport.LAZY_MODES) {
            if (poison) {
                list.add(Arguments.of(mode, "POISON"));
            }
            list.add(Arguments.of(mode, "SIGBUS guard"));
        }
        return list.stream();
    }

    /** The close race runs ANONYMOUS and SHMEM, as CloseRaceTest: HUGETLB shares SHMEM's file path. */
    static Stream<Arguments> closeCases() {
        return cases().filter(a -> a.get()[0] != Mode.HUGETLB);
    }

    private void refuseWith(String refusal) {
        inherited = Userfaultfd.disabledNames(SnapEngine.sn_uffd_disabled());
        if (refusal.equals("SIGBUS guard")) {
            assertEquals(0, SnapEngine.sn_uffd_disable(inherited.isEmpty() ? "POISON" : inherited + ",POISON"));
            Userfaultfd.forgetProbe();
            assertTrue(!Userfaultfd.probe().has(Userfaultfd.UFFD_FEATURE_POISON));
        }
    }

    @AfterEach
    void restore() {
        if (inherited != null) {
            SnapEngine.sn_uffd_disable(inherited);
            Userfaultfd.forgetProbe();
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void contentIsExactInEveryMode(Mode mode, String refusal) throws Exception {
        NativeTestSupport.assumeMode(mode);
        refuseWith(refusal);
        byte[] content = TestData.mixed(CHUNKS * CHUNK - 777, 11);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        for (boolean writable : new boolean[] {true, false}) {
            try (Snapshot s = Snapshot.open(snap);
                    Region r = s.map(mode, MapOptions.builder().writable(writable).resolverThreads(2).build())) {
                assertTrue(r.modeReason().contains(refusal.equals("POISON") ? "UFFDIO_POISON" : "SIGBUS guard")
                        || mode == Mode.HUGETLB, r.modeReason());
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r), mode + " writable=" + writable);
                byte[] back = new byte[5000];
                r.read(CHUNK * 77L - 100, back, 0, back.length);
                assertArrayEquals(Arrays.copyOfRange(content, CHUNK * 77 - 100, CHUNK * 77 + 4900), back);
                r.checkHealthy();
                assertEquals(0, r.stats().errors());
            }
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void corruptChunkIsInternalErrorRawAndTypedThroughLoadReadAndTheLatch(Mode mode, String refusal) throws Exception {
        NativeTestSupport.assumeMode(mode);
        refuseWith(refusal);
        byte[] content = TestData.mixed(CHUNKS * CHUNK, 5);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        int bad = corruptOneChunk(snap, 60);
        long chunkStart = (long) bad * CHUNK;
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, MapOptions.defaults())) {
            // the synchronous path first: read() throws before a byte is copied
            ByteBuffer dst = ByteBuffer.allocate(3 * CHUNK);
            Arrays.fill(dst.array(), (byte) 0x7e);
            CorruptSnapshotException c = assertThrows(CorruptSnapshotException.class,
                    () -> r.read(chunkStart - CHUNK, dst));
            assertNamesTheChunk(c, snap, bad);
            assertEquals(0, dst.position(), "nothing read");
            for (byte b : dst.array()) {
                assertEquals((byte) 0x7e, b, "no byte copied into dst");
            }
            UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> r.load(chunkStart, CHUNK));
            assertNamesTheChunk(assertInstanceOf(CorruptSnapshotException.class, u.getCause()), snap, bad);
            // a raw access gets InternalError, never zeros
            ByteBuffer view = r.slice(0, (int) r.size());
            Object outcome = NativeTestSupport.readPagesOnAnotherThread(view, chunkStart, CHUNK, "refused-reader");
            assertInstanceOf(InternalError.class, outcome, () -> "outcome: " + outcome);
            // the latch names it; chunks elsewhere are fine and read exactly
            assertNamesTheChunk(assertThrows(CorruptSnapshotException.class, r::checkHealthy), snap, bad);
            r.checkHealthy(0, 8L * CHUNK);
            r.checkHealthy(r.size() - 8L * CHUNK, 8L * CHUNK);
            byte[] far = new byte[1000];
            r.read(r.size() - 1000, far, 0, far.length);
            assertArrayEquals(Arrays.copyOfRange(content, content.length - 1000, content.length), far);
            assertTrue(r.stats().errors() >= 1, r.stats().asMap().toString());
            r.close();
            assertNamesTheChunk(assertThrows(CorruptSnapshotException.class, r::checkHealthy), snap, bad);
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("closeCases")
    void closeRacingBlockedReadersNeverHandsOutWrongBytes(Mode mode, String refusal) throws Exception {
        NativeTestSupport.assumeMode(mode);
        NativeTestSupport.require(Files.isReadable(Path.of("/proc/self/wchan")), () -> "/proc/*/wchan not readable");
        inherited = Userfaultfd.disabledNames(SnapEngine.sn_uffd_disabled());
        String disable = refusal.equals("POISON") ? inherited : inherited.isEmpty() ? "POISON" : inherited + ",POISON";
        byte[] content = TestData.mixed(CloseRaceChild.THREADS * (4 << 20), 8);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, 4 << 20);
        Path raw = dir.resolve("content.bin");
        Files.write(raw, content);
        String out = NativeTestSupport.closeRaceInChild(java.util.Map.of("SNAPSTORE_UFFD_DISABLE", disable), snap, raw, mode, 3);
        System.out.println("close race " + mode + " with " + refusal + ": " + out);
    }

    private static void assertNamesTheChunk(CorruptSnapshotException c, Path snap, int bad) {
        assertEquals(snap, c.file(), c.getMessage());
        assertEquals(bad, c.chunk(), c.getMessage());
        assertTrue(c.getMessage().contains("chunk " + bad + ": could not be produced: EBADMSG"), c.getMessage());
    }

    /** Flips payload bytes of the first stored, non-dedup chunk at or after {@code from}; returns it. */
    static int corruptOneChunk(Path snap, int from) throws Exception {
        try (Snapshot s = Snapshot.open(snap)) {
            for (int i = from; i < s.chunkCount(); i++) {
                if (!s.index().isZero(i) && !s.index().isDedup(i)) {
                    try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x66, 0x77, 0x11, 0x22, 0x33, 0x44, 0x55}),
                                s.index().offset(i) + s.index().storedLength(i) / 2);
                    }
                    return i;
                }
            }
        }
        throw new AssertionError("no stored chunk after " + from);
    }
}
