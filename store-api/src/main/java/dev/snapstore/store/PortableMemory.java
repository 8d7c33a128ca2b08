package dev.snapstore.store;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.snapstore.store.spi.OffHeapMemory;
import net.openhft.chronicle.core.OS;

/**
 * Off-heap memory from the C heap, page-aligned and zero-filled; the allocator of eager regions
 * where no platform provider offers hugepages. Thread-safe.
 */
final class PortableMemory implements OffHeapMemory {
    private static final long PAGE = 4096;

    private final long raw;
    private final long rawSize;
    private final long address;
    private final long size;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PortableMemory(long size) {
        this.size = size;
        this.rawSize = size + PAGE;
        this.raw = OS.memory().allocate(rawSize);
        this.address = (raw + PAGE - 1) & -PAGE;
    }

    /** Allocates {@code size} bytes; the memory is not zeroed (eager restores overwrite all of it). */
    static PortableMemory allocate(long size) {
        return new PortableMemory(size);
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String kind() {
        return "heap (malloc), 4 KiB pages";
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            OS.memory().freeMemory(raw, rawSize);
        }
    }
}
