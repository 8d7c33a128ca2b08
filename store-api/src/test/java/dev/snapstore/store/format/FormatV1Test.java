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
}
