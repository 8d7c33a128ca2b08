package dev.snapstore.store.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import dev.snapstore.store.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The format helpers other modules use instead of their own offsets and literals. */
class FormatV1Test {
    @TempDir
    Path dir;

    @Test
    void isSnapshotLooksAtTheMagicOnly() throws IOException {
        assertTrue(FormatV1.isSnapshot(Fixtures.copyTo(dir, "lz4.snap")));
        assertFalse(FormatV1.isSnapshot(Files.write(dir.resolve("short"), new byte[] {'S', 'N', 'A', 'P'})));
        assertFalse(FormatV1.isSnapshot(Files.write(dir.resolve("text"), "SNAPSHOT is not the magic".getBytes())));
    }

    @Test
    void rawHeaderReportsWhatIsStoredEvenWhenInvalid() throws IOException, FormatV1.FormatException {
        Path f = Fixtures.copyTo(dir, "zstd.snap");
        FormatV1.RawHeader h = FormatV1.readRawHeader(f);
        assertTrue(h.magicOk() && h.crcOk());
        assertEquals(1, h.version());
        assertEquals(64, h.headerLength());
        assertEquals(0, h.flags());
        assertEquals(16, h.chunkShift());
        assertEquals(4 * Fixtures.CHUNK + 3000, h.length());
        assertEquals(5, h.chunkCount());
        byte[] b = Files.readAllBytes(f);
        b[8] = 7;
        FormatV1.RawHeader v7 = FormatV1.readRawHeader(Files.write(dir.resolve("v7.snap"), b));
        assertEquals(7, v7.version());
        assertFalse(v7.crcOk());
        FormatV1.FormatException e = assertThrows(FormatV1.FormatException.class,
                () -> FormatV1.readRawHeader(Files.write(dir.resolve("tiny"), new byte[10])));
        assertEquals("shorter than a header (10 of 64 bytes)", e.getMessage());
    }

    @Test
    void zeroCrcIsTheCrcOfZeros() {
        for (int n : new int[] {0, 1, 4095, 65536, 65537, 3 << 20}) {
            CRC32C c = new CRC32C();
            c.update(new byte[n]);
            assertEquals((int) c.getValue(), FormatV1.zeroCrc(n), "length " + n);
        }
    }

    @Test
    void metadataAndProfileRoundTrip() throws FormatV1.FormatException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("source", "ünïcode");
        m.put("", "empty key");
        assertEquals(m, Metadata.decode(Metadata.encode(m)));
        assertArrayEquals(new int[] {3, 0, 2}, Profile.decode(Profile.encode(new int[] {3, 0, 2}), 4));
        FormatV1.FormatException e = assertThrows(FormatV1.FormatException.class,
                () -> Profile.decode(Profile.encode(new int[] {3, 4}), 4));
        assertEquals("profile names chunk 4 of 4", e.getMessage());
        ByteBuffer trailing = ByteBuffer.allocate(Metadata.encode(m).remaining() + 1).put(Metadata.encode(m)).flip();
        trailing.limit(trailing.capacity());
        assertEquals("metadata has 1 trailing bytes",
                assertThrows(FormatV1.FormatException.class, () -> Metadata.decode(trailing)).getMessage());
    }

    /** Version 2's hash is XXH3_128bits, seed 0: the reference value of the empty input, low then high. */
    @Test
    void v2ContentHashIsXxh3With128Bits() {
        long[] h = new long[2];
        ContentHash.hash(2, ByteBuffer.allocateDirect(16), 0, h);
        assertEquals(0x6001c324468d497fL, h[0]);
        assertEquals(0x99aa06d3014798d8L, h[1]);
    }

    /** Direct, heap and read-only buffers hash alike in both versions, and the versions differ. */
    @Test
    void contentHashDependsOnTheBytesAndTheVersionOnly() {
        byte[] data = new byte[100_003];
        new java.util.SplittableRandom(7).nextBytes(data);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data);
        for (int v = 1; v <= 2; v++) {
            long[] d = new long[2];
            long[] heap = new long[2];
            long[] ro = new long[2];
            ContentHash.hash(v, direct, data.length, d);
            ContentHash.hash(v, ByteBuffer.wrap(data), data.length, heap);
            ContentHash.hash(v, ByteBuffer.wrap(data).asReadOnlyBuffer(), data.length, ro);
            assertArrayEquals(d, heap, "version " + v);
            assertArrayEquals(d, ro, "version " + v);
            assertTrue(ContentHash.matches(v, direct, data.length, d[0], d[1]));
            assertFalse(ContentHash.matches(v, direct, data.length - 1, d[0], d[1]));
        }
        long[] v1 = new long[2];
        long[] v2 = new long[2];
        ContentHash.hash(1, direct, data.length, v1);
        ContentHash.hash(2, direct, data.length, v2);
        assertFalse(v1[0] == v2[0] && v1[1] == v2[1]);
        assertThrows(IllegalArgumentException.class, () -> ContentHash.hash(3, direct, 1, new long[2]));
    }
}
