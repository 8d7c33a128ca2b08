package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.FormatV1;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * {@code Snapshot.open} checks a large index in one pass, a block of entries at a time (CRC32C,
 * digest and entry checks together): an index of several blocks, with bad entries past the first
 * block, must be rejected exactly as before, with the failures in docs/FORMAT.md's order (index CRC,
 * then digest, then the first bad entry). Also what open no longer builds up front: the chunk cache
 * and the region's Chronicle view, made on first use.
 */
class IndexBlockTest {
    static final int CHUNK = 64 << 10;
    /** Enough entries for three blocks of the one-pass check (1638 entries each). */
    static final int CHUNKS = 4000;
    static final int E = ChunkIndex.ENTRY_SIZE;

    @TempDir
    static Path dir;
    static Path good;
    static byte[] bytes;
    static int io;
    static int footer;

    /** A chunk is stored (not zero) when its number is a multiple of 97; the others are zeros. */
    static boolean stored(long chunk) {
        return chunk % 97 == 0;
    }

    @BeforeAll
    static void pack() throws IOException {
        good = dir.resolve("blocks.snap");
        try (InputStream in = new Image((long) CHUNKS * CHUNK)) {
            SnapshotWriter.builder().codec(Codec.LZ4).chunkSize(CHUNK).threads(2).build().write(in, good, "blocks");
        }
        bytes = Files.readAllBytes(good);
        footer = bytes.length - FormatV1.FOOTER_SIZE;
        io = (int) le(bytes).getLong(footer);
        assertEquals((long) CHUNKS * E, le(bytes).getLong(footer + 8), "fixture: one entry per chunk");
    }

    @Test
    void aGoodIndexOfManyBlocksOpens() throws IOException {
        try (Snapshot s = Snapshot.open(good)) {
            assertEquals(CHUNKS, s.chunkCount());
            assertTrue(s.uses(Codec.LZ4), "LZ4 payloads");
            assertFalse(s.uses(Codec.ZSTD), "no ZSTD payload");
            assertTrue(s.storedBytes() > 0);
            ByteBuffer dst = ByteBuffer.allocate(CHUNK);
            s.readFully(3000L * CHUNK + 0, dst); // chunk 3000 is zero, 2910 = 97 * 30 stored
            assertEquals(0, dst.get(100));
            s.readFully(2910L * CHUNK, dst.clear());
            byte[] expect = new byte[CHUNK];
            Image.fill(2910, expect);
            assertArrayEquals(expect, dst.array(), "a stored chunk of the third block reads back");
        }
    }

    @Test
    void aBadEntryInTheThirdBlockIsNamed() throws IOException {
        int chunk = 3395; // 97 * 35: stored, in the third block
        assertTrue(stored(chunk) && chunk > 2 * 1638);
        byte[] b = bytes.clone();
        le(b).putInt(io + chunk * E + 12, CHUNK * 2); // raw length twice the chunk
        CorruptSnapshotException e = open(HostileCorpus.resign(b), "entry");
        assertEquals(chunk, e.chunk(), e::getMessage);
        assertTrue(e.reason().contains("raw length " + 2 * CHUNK + " but the chunk holds " + CHUNK), e::getMessage);
    }

    @Test
    void aZeroEntryWithAHashInTheLastBlockIsNamed() throws IOException {
        int chunk = CHUNKS - 2;
        assertFalse(stored(chunk));
        byte[] b = bytes.clone();
        le(b).putLong(io + chunk * E + 24, 5);
        CorruptSnapshotException e = open(HostileCorpus.resign(b), "zero-hash");
        assertEquals(chunk, e.chunk(), e::getMessage);
        assertTrue(e.reason().contains("zero chunk with a content hash"), e::getMessage);
    }

    @Test
    void theIndexChecksumIsReportedBeforeABadEntry() throws IOException {
        byte[] b = HostileCorpus.resign(bytes.clone());
        le(b).putInt(io + 100 * E + 12, 1); // a bad entry in the first block, not re-signed
        CorruptSnapshotException e = open(b, "crc-first");
        assertEquals(-1, e.chunk(), e::getMessage);
        assertTrue(e.reason().contains("index checksum mismatch"), e::getMessage);
    }

    @Test
    void theDigestIsReportedBeforeABadEntry() throws IOException {
        byte[] b = bytes.clone();
        le(b).putInt(io + 3000 * E + 20, 1); // a zero entry's CRC, in the second block
        b = HostileCorpus.resign(b);
        b[footer + 64] ^= 1; // the digest, footer CRC re-made: only the digest and the entry are wrong
        le(b).putInt(footer + 96, FormatV1.crc(b, footer, 96));
        CorruptSnapshotException e = open(b, "digest-first");
        assertEquals(-1, e.chunk(), e::getMessage);
        assertTrue(e.reason().contains("snapshot digest does not match"), e::getMessage);
    }

    @Test
    void theReadCacheIsMadeOnFirstUseAndNotAfterClose() throws IOException {
        Snapshot s = Snapshot.open(good);
        assertSame(s.cache(), s.cache(), "one cache per snapshot");
        s.close();
        Snapshot t = Snapshot.open(good);
        t.close();
        assertThrows(IllegalStateException.class, t::cache, "no cache is made for a closed snapshot");
    }

    @Test
    void manyThreadsAskingFirstGetOneChronicleView() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Snapshot s = Snapshot.open(good)) {
            for (int round = 0; round < 20; round++) {
                try (Region r = s.map(Mode.EAGER, MapOptions.builder().eagerThreads(1).hugepages(false).build())) {
                    List<Callable<BytesStore<?, Void>>> asks = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        asks.add(r::bytesStore);
                    }
                    List<Future<BytesStore<?, Void>>> got = pool.invokeAll(asks);
                    for (Future<BytesStore<?, Void>> f : got) {
                        assertSame(got.get(0).get(), f.get(), "round " + round);
                    }
                    assertEquals(r.address(), got.get(0).get().addressForRead(0));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static CorruptSnapshotException open(byte[] file, String name) throws IOException {
        Path bad = dir.resolve("bad-" + name + ".snap");
        Files.write(bad, file);
        CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class, () -> Snapshot.open(bad).close());
        assertEquals(bad, e.file());
        return e;
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Zeros, but every 97th chunk mixed content seeded by its number; generated, never held whole. */
    static final class Image extends InputStream {
        private final long size;
        private long pos;
        private final byte[] chunk = new byte[CHUNK];
        private long filled = -1;

        Image(long size) {
            this.size = size;
        }

        /** Text, numbers and bf16-like values (TestData.mixed): LZ4 compresses it, so the payload is LZ4. */
        static void fill(long c, byte[] out) {
            System.arraycopy(TestData.mixed(CHUNK, c), 0, out, 0, CHUNK);
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            long c = pos / CHUNK;
            int within = (int) (pos % CHUNK);
            int n = (int) Math.min(len, Math.min(CHUNK - within, size - pos));
            if (stored(c)) {
                if (filled != c) {
                    fill(c, chunk);
                    filled = c;
                }
                System.arraycopy(chunk, within, b, off, n);
            } else {
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
            }
            pos += n;
            return n;
        }
    }
}
