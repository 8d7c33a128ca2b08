package dev.snapstore.store;

import java.lang.foreign.MemorySegment;

import dev.snapstore.store.safetensors.TensorView;

/**
 * {@link MemorySegment} views of a {@link Region}, whatever its size (a {@link java.nio.ByteBuffer}
 * slice stops at 2 GiB). A view is read-only unless the region is writable, and is valid until the
 * region is closed: it has the global scope, so, like {@link Region#slice} and
 * {@link Region#address()}, touching it after {@link Region#close()} is touching freed memory.
 * Element reads are raw accesses (see {@link Region} on chunks that cannot be produced).
 *
 * <p>Making a view calls {@link MemorySegment#reinterpret(long)}, a restricted method: start the
 * JVM with {@code --enable-native-access=ALL-UNNAMED} (or use a jar whose manifest says
 * {@code Enable-Native-Access: ALL-UNNAMED}) to keep the JDK from warning about it.
 *
 * <p>Thread-safe (stateless).
 */
public final class RegionSegments {
    private RegionSegments() {
    }

    /** Whether this JVM has MemorySegment views: true (this is the JDK 22+ version of the class). */
    public static boolean isSupported() {
        return true;
    }

    /** The whole region as one segment. */
    public static MemorySegment of(Region region) {
        return of(region, 0, region.size());
    }

    /**
     * {@code [offset, offset + length)} of the region.
     *
     * @throws IndexOutOfBoundsException when the range is outside the region
     */
    public static MemorySegment of(Region region, long offset, long length) {
        if (offset < 0 || length < 0 || offset > region.size() - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") outside region of "
                    + region.size() + " bytes");
        }
        MemorySegment s = MemorySegment.ofAddress(region.address() + offset).reinterpret(length);
        return region.writable() ? s : s.asReadOnly();
    }

    /** A tensor's bytes (little-endian data, as the safetensors format stores them). */
    public static MemorySegment of(TensorView tensor) {
        return of(tensor.region(), tensor.offset(), tensor.byteSize());
    }
}
