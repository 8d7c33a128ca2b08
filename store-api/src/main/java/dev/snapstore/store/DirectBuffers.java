package dev.snapstore.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.snapstore.store.internal.NativeMemory;

/**
 * Direct {@link ByteBuffer}s over native memory the caller owns, without copying. The buffer does
 * not own the memory: it must not be used after the memory is freed. Thread-safe.
 *
 * <p>Needs no JVM flag (see {@link NativeMemory}).
 */
public final class DirectBuffers {
    private DirectBuffers() {
    }

    /** A little-endian direct buffer over {@code [address, address + length)}. */
    public static ByteBuffer wrap(long address, int length) {
        return NativeMemory.wrap(address, length);
    }

    /**
     * Checks that {@code [offset, offset + length)} lies inside {@code [0, size)}.
     *
     * @throws IndexOutOfBoundsException naming the range and the size when it does not
     */
    public static void checkRange(long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") outside region of " + size + " bytes");
        }
    }

    /**
     * A little-endian view of {@code [offset, offset + length)} of {@code size} bytes at
     * {@code base}, bounds-checked, read-only unless {@code writable}: what {@link Region#slice}
     * returns.
     */
    public static ByteBuffer slice(long base, long size, long offset, int length, boolean writable) {
        if (length < 0) {
            // the usual cause: (int) of a size of 2 GiB or more
            throw new IndexOutOfBoundsException("slice length " + length + " is negative: a ByteBuffer holds at most "
                    + Integer.MAX_VALUE + " bytes (2 GiB - 1), this region has " + size + "; take slices of at most "
                    + "that, or one MemorySegment of any size with RegionSegments.of(region) on JDK 22+");
        }
        checkRange(offset, length, size);
        ByteBuffer b = wrap(base + offset, length);
        // asReadOnlyBuffer() resets the byte order to big-endian: keep the little-endian of wrap()
        return writable ? b : b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The native address of a direct buffer's element 0. */
    public static long address(ByteBuffer direct) {
        return NativeMemory.address(direct);
    }
}
