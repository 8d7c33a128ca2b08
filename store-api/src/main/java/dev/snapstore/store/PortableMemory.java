package dev.snapstore.store;

import dev.snapstore.store.internal.NativeMemory;
import dev.snapstore.store.spi.AbstractOffHeapMemory;

/**
 * Off-heap memory from the C heap, page-aligned and zero-filled; the allocator of eager regions
 * where no platform provider offers hugepages. Thread-safe.
 */
final class PortableMemory extends AbstractOffHeapMemory {
    private static final long PAGE = 4096;

    private final long raw;
    private final long rawSize;

    private PortableMemory(long raw, long rawSize, long size) {
        super((raw + PAGE - 1) & -PAGE, size, "heap (malloc), 4 KiB pages");
        this.raw = raw;
        this.rawSize = rawSize;
    }

    /** Allocates {@code size} bytes; the memory is not zeroed (eager restores overwrite all of it). */
    static PortableMemory allocate(long size) {
        long rawSize = size + PAGE;
        return new PortableMemory(NativeMemory.allocate(rawSize), rawSize, size);
    }

    @Override
    protected void release() {
        NativeMemory.free(raw);
    }
}
