package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import dev.snapstore.store.linux.internal.SnapEngine;
import org.junit.jupiter.api.Test;

/**
 * The engine's CRC32C (crc32c.c: the folding path from 256 bytes on CPUs with AVX-512 VPCLMULQDQ,
 * three crc32 streams otherwise or below it, a table without SSE4.2) agrees with
 * {@code java.util.zip.CRC32C} on every length around the paths' boundaries (256, 16-byte tails,
 * 24 KiB groups), at every alignment, chained from a non-zero CRC, and on chunk-sized buffers.
 */
class NativeCrc32cTest {
    @Test
    void agreesWithJavaCrc32c() {
        NativeTestSupport.assumeEngine();
        int max = (2 << 20) + 4096;
        ByteBuffer buf = ByteBuffer.allocateDirect(max + 64);
        SplittableRandom rnd = new SplittableRandom(5);
        byte[] bytes = new byte[max + 64];
        rnd.nextBytes(bytes);
        buf.put(0, bytes);
        long base = Pointer.nativeValue(Native.getDirectBufferPointer(buf));
        int checked = 0;
        for (int len = 0; len <= 1100; len++) {
            int off = len % 64;
            checked += check(bytes, base, off, len, len * 0x9E3779B9);
        }
        for (int len : new int[] {24_575, 24_576, 24_577, 73_728, 256 << 10, (1 << 20) + 15, 2 << 20, max}) {
            for (int off : new int[] {0, 1, 7, 33}) {
                checked += check(bytes, base, off, len, rnd.nextInt());
            }
        }
        assertEquals(1101 + 8 * 4, checked);
    }

    /**
     * The provider's answer to the chunk decoder is CRC32C's unsigned value, for values with the high
     * bit set too (an int compared with it sign-extended once made the decoder fall back to
     * java.util.zip.CRC32C unseen), and -1 for a heap buffer.
     */
    @Test
    void providerAnswersUnsignedValues() {
        NativeTestSupport.assumeEngine();
        LinuxRegionProvider provider = new LinuxRegionProvider();
        SplittableRandom rnd = new SplittableRandom(9);
        int highBit = 0;
        for (int i = 0; i < 64; i++) {
            byte[] bytes = new byte[300 + i];
            rnd.nextBytes(bytes);
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
            CRC32C want = new CRC32C();
            want.update(bytes);
            assertEquals(want.getValue(), provider.crc32c(0, direct));
            highBit += want.getValue() >= 1L << 31 ? 1 : 0;
            assertEquals(-1, provider.crc32c(0, ByteBuffer.wrap(bytes)));
        }
        assertTrue(highBit > 0, "no value with the high bit set was checked");
    }

    /** Both halves of [off, off + len) chained: the second starts from the first's CRC. */
    private static int check(byte[] bytes, long base, int off, int len, int seedSplit) {
        int split = len == 0 ? 0 : Math.floorMod(seedSplit, len + 1);
        CRC32C want = new CRC32C();
        want.update(bytes, off, len);
        int first = SnapEngine.sn_crc32c_update(0, base + off, split);
        int got = SnapEngine.sn_crc32c_update(first, base + off + split, len - split);
        assertEquals((int) want.getValue(), got, "length " + len + " at offset " + off + " split at " + split);
        CRC32C head = new CRC32C();
        head.update(bytes, off, split);
        assertEquals((int) head.getValue(), first, "first " + split + " bytes at offset " + off);
        return 1;
    }
}
