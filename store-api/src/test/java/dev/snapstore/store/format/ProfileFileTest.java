package dev.snapstore.store.format;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.format.FormatV1.FormatException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profile sidecar: round trip, atomic replacement, and every way a bad file is rejected. */
class ProfileFileTest {
    private static final String DIGEST = "3fa2" + "0123456789abcdef".repeat(3) + "456789ab9c01";

    @TempDir
    Path dir;

    @Test
    void roundTripsAndIsNamedByTheDigest() throws Exception {
        int[] ids = {7, 3, 99, 0, 42};
        Path snap = dir.resolve("model.snap");
        Path side = ProfileFile.sidecar(snap, DIGEST);
        assertEquals(snap.toAbsolutePath().resolveSibling("model.snap." + DIGEST.substring(0, 16) + ".profile"), side);
        ProfileFile.write(side, DIGEST, 100, ids);
        ProfileFile.Contents c = ProfileFile.read(side);
        assertEquals(DIGEST, c.digest());
        assertEquals(100, c.chunkCount());
        assertArrayEquals(ids, c.chunks());
        // replaced atomically, no temporary file left behind
        ProfileFile.write(side, DIGEST, 100, new int[] {1});
        assertArrayEquals(new int[] {1}, ProfileFile.read(side).chunks());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void rejectsDamage() {
        ByteBuffer good = ProfileFile.encode(DIGEST, 10, new int[] {1, 2, 3});
        byte[] b = new byte[good.remaining()];
        good.get(b);
        for (int at : new int[] {0, 8, 12, 20, 50, 60, b.length - 1}) {
            byte[] bad = b.clone();
            bad[at] ^= 0x40;
            assertThrows(FormatException.class, () -> ProfileFile.decode(ByteBuffer.wrap(bad)), "byte " + at);
        }
        byte[] cut = java.util.Arrays.copyOf(b, b.length - 5);
        assertThrows(FormatException.class, () -> ProfileFile.decode(ByteBuffer.wrap(cut)));
        assertThrows(IllegalArgumentException.class, () -> ProfileFile.encode(DIGEST, 3, new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> ProfileFile.encode("abcd", 3, new int[] {1}));
        // an id past the chunk count with a correct CRC: the profile section's own check names it
        ByteBuffer wide = ProfileFile.encode(DIGEST, 10, new int[] {9});
        byte[] w = new byte[wide.remaining()];
        wide.get(w);
        ByteBuffer.wrap(w).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(48, 5);
        ByteBuffer.wrap(w).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(w.length - 4, FormatV1.crc(w, 0, w.length - 4));
        FormatException e = assertThrows(FormatException.class, () -> ProfileFile.decode(ByteBuffer.wrap(w)));
        assertTrue(e.getMessage().contains("chunk 9"), e.getMessage());
    }
}
