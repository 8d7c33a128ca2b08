package dev.snapstore.store.format;

import java.nio.ByteBuffer;

import dev.snapstore.store.DirectBuffers;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import net.openhft.hashing.LongTupleHashFunction;

/**
 * A chunk's 128-bit content hash, as the index entry of each format version stores it (low half
 * at entry offset 24, high half at 32):
 * <ul>
 *   <li>version 1: two XXH64 values of the raw bytes, with seeds {@link FormatV1#HASH_SEED_LO}
 *       (low) and {@link FormatV1#HASH_SEED_HI} (high): two passes over the chunk;</li>
 *   <li>version 2: XXH3-128 of the raw bytes with seed 0 (the low and the high 64 bits of
 *       {@code XXH3_128bits}): one pass.</li>
 * </ul>
 * Stateless and thread-safe; no allocation per call.
 */
public final class ContentHash {
    private static final XXHash64 XX64 = XXHashFactory.fastestInstance().hash64();
    private static final LongTupleHashFunction XXH3_128 = LongTupleHashFunction.xx128();

    private ContentHash() {
    }

    /**
     * Hashes {@code b[0, length)} (absolute index 0, direct or heap) as format {@code version}
     * does, into {@code out[0]} (low half) and {@code out[1]} (high half).
     *
     * @throws IllegalArgumentException for a version the format does not have
     */
    public static void hash(int version, ByteBuffer b, int length, long[] out) {
        switch (version) {
            case 1:
                out[0] = XX64.hash(b, 0, length, FormatV1.HASH_SEED_LO);
                out[1] = XX64.hash(b, 0, length, FormatV1.HASH_SEED_HI);
                return;
            case 2:
                if (length < 0 || length > b.capacity()) {
                    throw new IndexOutOfBoundsException("length " + length + " outside the buffer's " + b.capacity() + " bytes");
                }
                if (b.isDirect()) {
                    // by address: the library's ByteBuffer path needs sun.nio.ch exported to it
                    XXH3_128.hashMemory(DirectBuffers.address(b), length, out);
                } else if (b.hasArray()) {
                    XXH3_128.hashBytes(b.array(), b.arrayOffset(), length, out);
                } else {
                    byte[] copy = new byte[length];
                    b.duplicate().clear().get(copy);
                    XXH3_128.hashBytes(copy, 0, length, out);
                }
                return;
            default:
                throw new IllegalArgumentException("no content hash for format version " + version);
        }
    }

    /** Whether {@code b[0, length)} hashes to {@code lo}/{@code hi} in format {@code version}. */
    public static boolean matches(int version, ByteBuffer b, int length, long lo, long hi) {
        long[] h = new long[2];
        hash(version, b, length, h);
        return h[0] == lo && h[1] == hi;
    }
}
