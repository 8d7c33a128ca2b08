package dev.snapstore.store;

import dev.snapstore.store.safetensors.TensorView;

/**
 * {@code java.lang.foreign.MemorySegment} views of a {@link Region}, whatever its size (a
 * {@link java.nio.ByteBuffer} slice stops at 2 GiB): JDK 22 and later only, where the foreign memory
 * API is final. The library's jar is multi-release: on JDK 22+ the JVM loads the version of this
 * class from {@code META-INF/versions/22}, whose {@code of} methods return {@code MemorySegment}s.
 * This is the version a JDK 17..21 JVM loads: {@link #isSupported()} is false and every view throws
 * {@link UnsupportedOperationException} saying so.
 *
 * <p>Thread-safe (stateless).
 */
public final class RegionSegments {
    private RegionSegments() {
    }

    /** Whether this JVM has MemorySegment views: JDK 22 or later. */
    public static boolean isSupported() {
        return false;
    }

    /**
     * On JDK 22+: the whole region as one {@code MemorySegment}. Here: throws.
     *
     * @throws UnsupportedOperationException always, on this JDK
     */
    public static Object of(Region region) {
        throw unsupported();
    }

    /**
     * On JDK 22+: {@code [offset, offset + length)} of the region as a {@code MemorySegment}. Here: throws.
     *
     * @throws UnsupportedOperationException always, on this JDK
     */
    public static Object of(Region region, long offset, long length) {
        throw unsupported();
    }

    /**
     * On JDK 22+: a tensor's bytes as a {@code MemorySegment}. Here: throws.
     *
     * @throws UnsupportedOperationException always, on this JDK
     */
    public static Object of(TensorView tensor) {
        throw unsupported();
    }

    private static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("MemorySegment views need JDK 22 or later (java.lang.foreign is final "
                + "there); this JVM is Java " + Runtime.version().feature() + ". Use Region.slice (up to 2 GiB) or "
                + "Region.address() meanwhile");
    }
}
