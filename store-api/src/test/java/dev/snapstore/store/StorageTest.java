package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.FormatV1;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dedup and zero chunks really save space; huge sparse images stay small and restore exactly. */
class StorageTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void identicalChunksAreStoredOnceAndZeroChunksNotAtAll() throws IOException {
        byte[] unique = TestData.mixed(CHUNK, 99);
        byte[] content = new byte[8 * CHUNK];
        // chunks: U U 0 U 0 0 U x  (x: different)
        for (int c : new int[] {0, 1, 3, 6}) {
            System.arraycopy(unique, 0, content, c * CHUNK, CHUNK);
        }
        byte[] other = TestData.mixed(CHUNK, 100);
        System.arraycopy(other, 0, content, 7 * CHUNK, CHUNK);
        Path in = dir.resolve("in.bin");
        Files.write(in, content);
        Path out = dir.resolve("out.snap");
        SnapshotWriter.WriteResult r = SnapshotWriter.builder().codec(Codec.NONE).chunkSize(CHUNK).build().write(in, out);
        assertEquals(8, r.chunks());
        assertEquals(3, r.zeroChunks());
        assertEquals(3, r.dedupChunks());
        assertEquals(2L * CHUNK, r.storedBytes(), "two distinct non-zero chunks stored");
        long overhead = FormatV1.HEADER_SIZE + 8L * ChunkIndex.ENTRY_SIZE + FormatV1.FOOTER_SIZE;
        long meta = Files.size(out) - 2L * CHUNK - overhead;
        assertTrue(meta > 0 && meta < 1024, "file is payloads + index + small metadata, got " + Files.size(out));
        try (Snapshot s = Snapshot.open(out)) {
            assertEquals(2L * CHUNK, s.storedBytes());
            assertTrue(s.index().isZero(2) && s.index().isZero(4) && s.index().isZero(5));
            assertTrue(s.index().isDedup(1) && s.index().isDedup(3) && s.index().isDedup(6));
            assertEquals(s.index().offset(0), s.index().offset(6));
            assertArrayEquals(content, RoundTripTest.readAll(s));
        }
    }

    @Test
    void compressionActuallyCompressesAndIncompressibleChunksFallBackToRaw() throws IOException {
        byte[] text = new byte[4 * CHUNK];
        TestData.text(text, 0, text.length, new SplittableRandom(1));
        byte[] noise = new byte[2 * CHUNK];
        new SplittableRandom(2).nextBytes(noise);
        byte[] content = new byte[text.length + noise.length];
        System.arraycopy(text, 0, content, 0, text.length);
        System.arraycopy(noise, 0, content, text.length, noise.length);
        for (Codec c : new Codec[] {Codec.LZ4, Codec.ZSTD}) {
            Path snap = TestData.pack(dir, content, c, CHUNK);
            try (Snapshot s = Snapshot.open(snap)) {
                for (int i = 0; i < 4; i++) {
                    assertEquals(c, s.index().codec(i));
                    assertTrue(s.index().storedLength(i) < CHUNK * 3 / 4, c + " compresses text: " + s.index().storedLength(i));
                }
                assertEquals(Codec.NONE, s.index().codec(4), "noise stored raw");
                assertArrayEquals(content, RoundTripTest.readAll(s));
            }
        }
    }

    @Test
    void multiGigabyteSparseImageRestoresExactly() throws Exception {
        long size = (3L << 30) + 12345; // 3 GiB and a partial last chunk
        Path in = dir.resolve("sparse.bin");
        byte[] island = TestData.mixed(3 << 20, 3);
        long[] at = {0, 1L << 30, size - island.length};
        try (RandomAccessFile f = new RandomAccessFile(in.toFile(), "rw")) {
            f.setLength(size);
            for (long a : at) {
                f.seek(a);
                f.write(island);
            }
        }
        Path out = dir.resolve("sparse.snap");
        SnapshotWriter.WriteResult r = SnapshotWriter.builder().codec(Codec.LZ4).build().write(in, out);
        assertEquals(size, r.logicalBytes());
        assertTrue(Files.size(out) < 16L << 20, "mostly zero image packs small: " + Files.size(out));
        assertTrue(r.zeroChunks() > 1500);
        String expected = sha256(in);
        try (Snapshot s = Snapshot.open(out)) {
            byte[] got = new byte[island.length];
            for (long a : at) {
                s.readFully(a, ByteBuffer.wrap(got));
                assertArrayEquals(island, got);
            }
            try (Region region = s.map(Mode.EAGER)) {
                assertEquals(size, region.size());
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                for (long off = 0; off < size; off += 1 << 30) {
                    md.update(region.slice(off, (int) Math.min(1 << 30, size - off)));
                }
                assertEquals(expected, HexFormat.of().formatHex(md.digest()));
            }
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        try (var in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void profileAndMetadataRoundTrip() throws IOException {
        byte[] content = TestData.mixed(5 * CHUNK, 8);
        Path in = dir.resolve("p.bin");
        Files.write(in, content);
        Path out = dir.resolve("p.snap");
        SnapshotWriter.builder().chunkSize(CHUNK).metadata("tensor.table", "{\"w\":[0,4096]}")
                .profile(new int[] {4, 0, 2}).build().write(in, out);
        try (Snapshot s = Snapshot.open(out)) {
            assertArrayEquals(new int[] {4, 0, 2}, s.profile());
            assertEquals("{\"w\":[0,4096]}", s.metadata().get("tensor.table"));
            assertEquals("p.bin", s.metadata().get("source"));
        }
        assertTrue(Arrays.stream(Files.list(dir).toArray()).noneMatch(p -> p.toString().endsWith(".partial")),
                "no temporary file left behind");
    }

    /**
     * Workers place their payloads themselves, in chunk order: 1 and 4 threads write byte for byte
     * the same file (200 chunks with zero and repeated ones, so placement races are exercised),
     * which is format v2 and verifies.
     */
    @Test
    void workersPlacePayloadsInChunkOrderWhateverTheThreadCount() throws IOException {
        int chunks = 200;
        byte[] content = TestData.mixed(chunks * CHUNK - 777, 21);
        for (int c = 0; c < chunks; c++) {
            if (c % 7 == 3) {
                Arrays.fill(content, c * CHUNK, Math.min((c + 1) * CHUNK, content.length), (byte) 0);
            } else if (c % 5 == 4 && c < chunks - 1) {
                System.arraycopy(content, (c % 3) * CHUNK, content, c * CHUNK, CHUNK); // a repeat of chunk 0..2
            }
        }
        Path in = dir.resolve("order.bin");
        Files.write(in, content);
        byte[][] files = new byte[2][];
        int k = 0;
        for (int threads : new int[] {1, 4}) {
            Path out = dir.resolve("order-" + threads + ".snap");
            SnapshotWriter.WriteResult r = SnapshotWriter.builder().chunkSize(CHUNK).threads(threads)
                    .metadata("created", "fixed").build().write(in, out);
            assertTrue(r.zeroChunks() >= 28 && r.dedupChunks() >= 30, r.toString());
            try (Snapshot s = Snapshot.open(out)) {
                assertEquals(FormatV1.VERSION, s.formatVersion());
                assertTrue(s.verify(ProgressListener.NONE).ok());
                assertArrayEquals(content, RoundTripTest.readAll(s));
            }
            files[k++] = Files.readAllBytes(out);
        }
        assertArrayEquals(files[0], files[1], "the same file from 1 and 4 threads");
    }

    /** A source failing mid-pack: the error reaches the caller, no worker hangs and no file is left. */
    @Test
    void aFailingInputLeavesNothingBehind() throws IOException {
        byte[] content = TestData.mixed(100 * CHUNK, 22);
        java.io.InputStream failing = new java.io.FilterInputStream(new java.io.ByteArrayInputStream(content)) {
            private long read;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read > 70L * CHUNK) {
                    throw new IOException("disk gone at " + read);
                }
                int n = super.read(b, off, len);
                read += Math.max(n, 0);
                return n;
            }
        };
        Path out = dir.resolve("failed.snap");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () ->
                SnapshotWriter.builder().chunkSize(CHUNK).threads(4).build().write(failing, out, "failing"));
        assertTrue(e.getMessage().startsWith("disk gone"), e.getMessage());
        assertTrue(Arrays.stream(Files.list(dir).toArray()).noneMatch(p -> p.toString().endsWith(".partial")
                || p.equals(out)), "no snapshot and no temporary file left behind");
    }
}
