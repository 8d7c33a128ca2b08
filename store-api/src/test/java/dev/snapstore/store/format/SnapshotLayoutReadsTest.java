package dev.snapstore.store.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.snapstore.store.Fixtures;
import dev.snapstore.store.source.FileSource;
import dev.snapstore.store.source.RangeSource;

/** Opening through a {@link RangeSource} reads at most three ranges and agrees with the file reader. */
class SnapshotLayoutReadsTest {
    @TempDir
    Path dir;

    /**
     * A source that knows its size only after a first read, as a remote one does, reads its tail by a
     * suffix range as a remote one does, and logs its reads (from two threads: the header and the tail
     * are read at the same time).
     */
    static final class Counting implements RangeSource {
        final FileSource file;
        final List<long[]> reads = new ArrayList<>();
        boolean sizeKnown;

        Counting(FileSource file) {
            this.file = file;
        }

        @Override
        public URI uri() {
            return file.uri();
        }

        @Override
        public synchronized long size() throws IOException {
            if (!sizeKnown) {
                throw new AssertionError("size asked before a read: a remote source would pay a request");
            }
            return file.size();
        }

        @Override
        public synchronized ByteBuffer readTail(int length) throws IOException {
            long size = file.size();
            int n = (int) Math.min(length, size);
            reads.add(new long[] {size - n, n});
            ByteBuffer b = ByteBuffer.allocateDirect(n);
            file.read(size - n, b);
            sizeKnown = true;
            return b.flip();
        }

        @Override
        public synchronized void read(long position, ByteBuffer dst) throws IOException {
            reads.add(new long[] {position, dst.remaining()});
            file.read(position, dst);
            sizeKnown = true;
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {SnapshotLayout.TAIL_READ, 4096, 200})
    void atMostThreeReadsWhateverTheTail(int tail) throws Exception {
        Path snap = Fixtures.copyTo(dir, "zstd.v2.snap");
        SnapshotLayout expect;
        try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
            expect = SnapshotLayout.read(ch);
        }
        try (Counting c = new Counting(FileSource.open(snap))) {
            SnapshotLayout got = SnapshotLayout.read(c, tail);
            long indexBytes = expect.footer().indexLength();
            int expectReads = tail >= Files.size(snap) - expect.footer().indexOffset() ? 2 : 3;
            assertEquals(expectReads, c.reads.size(), "reads for a tail of " + tail + " and an index of " + indexBytes);
            assertEquals(expect.digest(), got.digest());
            assertEquals(expect.metadata(), got.metadata());
            assertArrayEquals(expect.profile(), got.profile());
            assertEquals(expect.storedBytes(), got.storedBytes());
        }
    }

    @Test
    void aShortObjectIsAFormatError() throws Exception {
        Path f = dir.resolve("short.snap");
        Files.write(f, new byte[10]);
        try (FileSource s = FileSource.open(f)) {
            FormatV1.FormatException e = assertThrows(FormatV1.FormatException.class, () -> SnapshotLayout.read(s));
            assertEquals("file is 10 bytes, too short to be a snapshot (truncated?)", e.getMessage());
        }
    }

    /**
     * The digest a {@link SnapshotLayout.Sha256} computes is the one checked: its answer is asked
     * for exactly the header then the index, a wrong answer fails as a wrong footer digest does,
     * and a null answer falls back to MessageDigest.
     */
    @Test
    void aFastDigestIsCheckedLikeMessageDigestsAndNullFallsBack() throws Exception {
        Path snap = Fixtures.copyTo(dir, "zstd.v2.snap");
        SnapshotLayout expect;
        try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
            expect = SnapshotLayout.read(ch);
        }
        List<Integer> asked = new ArrayList<>();
        SnapshotLayout.Sha256 honest = (a, b) -> {
            asked.add(a.remaining());
            asked.add(b.remaining());
            java.security.MessageDigest md = FormatV1.sha256();
            md.update(a);
            md.update(b);
            return md.digest();
        };
        try (FileSource s = FileSource.open(snap)) {
            assertEquals(expect.digest(), SnapshotLayout.read(s, honest).digest());
        }
        assertEquals(List.of(FormatV1.HEADER_SIZE, (int) expect.footer().indexLength()), asked);
        try (FileSource s = FileSource.open(snap)) {
            assertEquals(expect.digest(), SnapshotLayout.read(s, (a, b) -> null).digest());
        }
        try (FileSource s = FileSource.open(snap)) {
            FormatV1.FormatException e = assertThrows(FormatV1.FormatException.class,
                    () -> SnapshotLayout.read(s, (a, b) -> new byte[32]));
            assertEquals("snapshot digest does not match its header and index", e.getMessage());
        }
    }

    /**
     * Local files whose sections do not fit in the tail read go through one spare sections buffer
     * kept between opens: a layout keeps its own copy of the index, so later reads (and reads from
     * 8 threads at once) never change an index read before, and every layout gets its own.
     */
    @Test
    void theSpareSectionsBufferIsNeverSharedWithALayout() throws Exception {
        int files = 4;
        Path[] snaps = new Path[files];
        ByteBuffer[] want = new ByteBuffer[files];
        String[] digests = new String[files];
        for (int f = 0; f < files; f++) {
            snaps[f] = dev.snapstore.store.TestData.pack(dir, dev.snapstore.store.TestData.mixed((64 + 3 * f) << 16, 40 + f),
                    dev.snapstore.store.Codec.LZ4, 64 << 10);
            try (FileChannel ch = FileChannel.open(snaps[f], StandardOpenOption.READ)) {
                SnapshotLayout l = SnapshotLayout.read(ch);
                digests[f] = l.digest();
                ByteBuffer raw = ByteBuffer.allocate((int) l.footer().indexLength());
                ch.read(raw, l.footer().indexOffset()); // the index as the file holds it
                want[f] = raw.flip();
            }
        }
        SnapshotLayout[] held = new SnapshotLayout[files];
        for (int round = 0; round < 3; round++) {
            for (int f = 0; f < files; f++) {
                try (FileSource src = FileSource.open(snaps[f])) {
                    SnapshotLayout l = SnapshotLayout.read(src, FormatV1.FOOTER_SIZE); // sections beyond the tail
                    assertEquals(64 + 3 * f, l.index().count());
                    if (held[f] == null) {
                        held[f] = l;
                    }
                }
            }
            for (int f = 0; f < files; f++) {
                assertEquals(want[f], held[f].index().entries(), "index of " + snaps[f] + " after later reads");
                assertEquals(digests[f], held[f].digest());
            }
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int i = 0; i < 50; i++) {
                        int f = (first + i) % files;
                        try (FileSource src = FileSource.open(snaps[f])) {
                            SnapshotLayout l = SnapshotLayout.read(src, FormatV1.FOOTER_SIZE);
                            assertEquals(want[f], l.index().entries(), "index of " + snaps[f]);
                            assertEquals(digests[f], l.digest(), "digest of " + snaps[f]);
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (java.util.concurrent.Future<Integer> d : done) {
                total += d.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertEquals(400, total);
        } finally {
            pool.shutdownNow();
        }
        for (int f = 0; f < files; f++) {
            assertEquals(want[f], held[f].index().entries(), "index of " + snaps[f] + " after concurrent reads");
        }
    }
}
