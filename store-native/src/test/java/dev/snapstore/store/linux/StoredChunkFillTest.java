package dev.snapstore.store.linux;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Prefetch;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.format.ChunkIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fills that check a chunk piece by piece (256 KiB at a time, while it is in cache): a stored
 * (uncompressed) chunk is read and checked a piece at a time into its destination (HUGETLB's file,
 * ANONYMOUS's buffer, EAGER's memory), or read, checked and written a piece at a time (SHMEM's
 * pwrite); a compressed one is decoded whole, then checked (and in SHMEM written) piece by piece.
 * 1 MiB chunks, so every chunk has four pieces, and a short last chunk (not a whole piece nor page).
 */
class StoredChunkFillTest {
    private static final int CHUNK = 1 << 20;
    private static final int CHUNKS = 72;
    private static final int TAIL = 300_001; // the last chunk: one whole piece and a partial one

    @TempDir
    Path dir;

    static Stream<Mode> modes() {
        return Stream.of(Mode.ANONYMOUS, Mode.SHMEM, Mode.HUGETLB, Mode.EAGER);
    }

    /** Random (stored as is by LZ4's pack) and text (compressed) chunks, alternating in runs. */
    private static byte[] content() {
        byte[] b = new byte[(CHUNKS - 1) * CHUNK + TAIL];
        SplittableRandom rnd = new SplittableRandom(71);
        byte[] text = TestData.mixed(CHUNK, 72);
        for (int c = 0; c * CHUNK < b.length; c++) {
            int n = Math.min(CHUNK, b.length - c * CHUNK);
            if (c % 3 == 1) {
                System.arraycopy(text, 0, b, c * CHUNK, n);
                b[c * CHUNK] = (byte) c; // not a dedup of the previous text chunk
            } else {
                for (int i = 0; i < n; i++) {
                    b[c * CHUNK + i] = (byte) rnd.nextInt();
                }
            }
        }
        return b;
    }

    private static void assumeMode(Mode mode) {
        if (mode == Mode.EAGER) {
            NativeTestSupport.assumeEngine();
        } else {
            NativeTestSupport.assumeMode(mode);
        }
    }

    private static MapOptions options() {
        return MapOptions.builder().resolverThreads(2).prefetch(Prefetch.NONE).build();
    }

    private static int[] codecCounts(ChunkIndex index) {
        int[] n = new int[2];
        for (int c = 0; c < index.count(); c++) {
            n[index.codec(c) == Codec.NONE ? 0 : 1]++;
        }
        return n;
    }

    @ParameterizedTest
    @MethodSource("modes")
    void storedAndCompressedChunksFillByteExact(Mode mode) throws Exception {
        assumeMode(mode);
        byte[] content = content();
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            int[] kinds = codecCounts(s.index());
            assertTrue(kinds[0] >= 40 && kinds[1] >= 20, "stored / compressed chunks: " + kinds[0] + " / " + kinds[1]);
            assertEquals(CHUNKS, s.chunkCount());
            try (Region r = s.map(mode, options())) {
                r.load(0, r.size());
                if (mode != Mode.EAGER) {
                    assertEquals(CHUNKS, r.stats().chunksDecompressed(), r.stats().asMap().toString());
                }
                assertEquals(0, r.stats().errors());
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            }
        }
    }

    /**
     * A byte changed in the third piece of a stored chunk, and in a compressed one: the fill of that
     * chunk fails its check (the pieces before it matched) and load() throws the typed error naming
     * the chunk; the chunks before it load, and the bad chunk's bytes are never served.
     */
    @ParameterizedTest
    @MethodSource("modes")
    void corruptPieceIsTheTypedError(Mode mode) throws Exception {
        assumeMode(mode);
        byte[] content = content();
        for (Codec want : new Codec[] {Codec.NONE, Codec.LZ4}) {
            Path snap = TestData.pack(java.nio.file.Files.createDirectories(dir.resolve(want.name())), content, Codec.LZ4, CHUNK);
            int found = 40;
            try (Snapshot s = Snapshot.open(snap)) {
                while (s.index().codec(found) != want) {
                    found++;
                }
                long at = s.index().offset(found) + (want == Codec.NONE ? 600_000 : s.index().storedLength(found) / 2);
                try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    ch.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ 0x5a)).clear();
                    ch.write(one, at);
                }
            }
            int bad = found;
            try (Snapshot s = Snapshot.open(snap)) {
                if (mode == Mode.EAGER) {
                    // EAGER's restore is its load: map() itself meets the chunk
                    CorruptSnapshotException c = assertThrows(CorruptSnapshotException.class, () -> s.map(mode, options()));
                    assertEquals(bad, c.chunk(), c.getMessage());
                    continue;
                }
                try (Region r = s.map(mode, options())) {
                    UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> r.load(0, r.size()));
                    CorruptSnapshotException c = assertInstanceOf(CorruptSnapshotException.class, u.getCause());
                    assertEquals(bad, c.chunk(), want + ": " + c.getMessage());
                    assertEquals(snap, c.file());
                    long unit = mode == Mode.HUGETLB ? 2 << 20 : CHUNK;
                    long good = (long) bad * CHUNK / unit * unit;
                    r.load(0, good);
                    byte[] got = new byte[(int) good];
                    r.read(0, got, 0, got.length);
                    assertEquals(TestData.sha256(java.util.Arrays.copyOf(content, (int) good)), TestData.sha256(got));
                    // asking again for the bad chunk: the same typed error, never its bytes
                    UncheckedIOException again = assertThrows(UncheckedIOException.class,
                            () -> r.load((long) bad * CHUNK, CHUNK));
                    assertEquals(bad, assertInstanceOf(CorruptSnapshotException.class, again.getCause()).chunk());
                }
            }
        }
    }
}
