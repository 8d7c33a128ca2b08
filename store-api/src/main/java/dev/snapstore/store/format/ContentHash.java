package dev.snapstore.store.format;

import java.nio.ByteBuffer;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A chunk's 128-bit content hash in format v1: two XXH64 values of its raw bytes, with seeds
 * {@link FormatV1#HASH_SEED_LO} and {@link FormatV1#HASH_SEED_HI}. Stateless and thread-safe.
 */
public final class ContentHash {
    private static final XXHash64 XX = XXHashFactory.fastestInstance().hash64();

    private ContentHash() {
    }

    /** The low half over {@code b[0, length)} (absolute index 0, direct or heap). */
    public static long lo(ByteBuffer b, int length) {
        return XX.hash(b, 0, length, FormatV1.HASH_SEED_LO);
    }

    /** The high half over {@code b[0, length)}. */
    public static long hi(ByteBuffer b, int length) {
        return XX.hash(b, 0, length, FormatV1.HASH_SEED_HI);
    }
}
