package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.SplittableRandom;

import dev.snapstore.store.linux.internal.SnapEngine;
import org.junit.jupiter.api.Test;

/**
 * The engine's SHA-256 ({@code digest.c}: SHA-NI where the CPU has it, else portable C), which
 * {@code Snapshot.open} checks the snapshot digest with, agrees with {@code MessageDigest} on every
 * split of the input around the 64-byte block and its padding boundaries, for direct and heap
 * buffers at non-zero positions, with both of its implementations.
 */
class NativeDigestTest {
    private static final int[] LENGTHS = {0, 1, 55, 56, 63, 64, 65, 119, 120, 4096, 20480, 327_680, 1 << 20};

    @Test
    void agreesWithMessageDigest() throws Exception {
        assertTrue(SnapEngine.sn_sha256_available() >= 1, "the engine has no SHA-256");
        assertEquals(3 * LENGTHS.length * 2, check(), "SHA-NI where the CPU has it");
    }

    @Test
    void portableCodeAgreesWithMessageDigest() throws Exception {
        assertEquals(0, SnapEngine.sn_sha256_portable(1));
        try {
            assertEquals(1, SnapEngine.sn_sha256_available(), "the portable code is not what the engine reports using");
            assertEquals(3 * LENGTHS.length * 2, check(), "portable");
        } finally {
            SnapEngine.sn_sha256_portable(0);
        }
    }

    @Test
    void usesTheShaExtensionsWhereTheCpuHasThem() throws Exception {
        boolean shaNi = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo")).contains(" sha_ni");
        assertEquals(shaNi ? 2 : 1, SnapEngine.sn_sha256_available(), "sha_ni in /proc/cpuinfo: " + shaNi);
    }

    /** Compares every case; returns how many were compared. */
    private static int check() throws Exception {
        LinuxRegionProvider provider = new LinuxRegionProvider();
        SplittableRandom rnd = new SplittableRandom(11);
        int checked = 0;
        for (int a : new int[] {0, 64, 100}) {
            for (int b : LENGTHS) {
                byte[] x = new byte[a];
                byte[] y = new byte[b];
                rnd.nextBytes(x);
                rnd.nextBytes(y);
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(x);
                md.update(y);
                byte[] want = md.digest();
                for (boolean direct : new boolean[] {true, false}) {
                    ByteBuffer first = at(x, 3, direct);
                    ByteBuffer second = at(y, 5, direct);
                    int p1 = first.position();
                    int p2 = second.position();
                    byte[] got = provider.sha256(first, second);
                    assertNotNull(got, "the provider answered null with the engine loaded");
                    assertArrayEquals(want, got, a + " + " + b + " bytes, direct " + direct);
                    assertEquals(p1, first.position(), "position of the first buffer moved");
                    assertEquals(p2, second.position(), "position of the second buffer moved");
                    checked++;
                }
            }
        }
        return checked;
    }

    /** {@code data} in a buffer at position {@code pad} (bytes before it that must not be hashed). */
    private static ByteBuffer at(byte[] data, int pad, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(pad + data.length + 7) : ByteBuffer.allocate(pad + data.length + 7);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a);
        }
        b.position(pad);
        b.put(data);
        return b.flip().position(pad);
    }
}
