package dev.snapstore.store.linux;

import java.util.Optional;

import com.sun.jna.LastErrorException;

import dev.snapstore.store.linux.internal.Mman;
import dev.snapstore.store.spi.AbstractOffHeapMemory;
import dev.snapstore.store.spi.OffHeapMemory;

/**
 * Memory for eager regions from mmap: hugetlb-backed (MAP_HUGETLB, reserved at mmap time so it
 * never SIGBUSes later) or anonymous with transparent hugepages advised. Thread-safe.
 */
final class MappedMemory extends AbstractOffHeapMemory {
    private final long mapped;
    private final long pageSize;

    private MappedMemory(long address, long size, long mapped, String kind, long pageSize) {
        super(address, size, kind);
        this.pageSize = pageSize;
        this.mapped = mapped;
    }

    /** MAP_HUGETLB memory, or empty when the pool cannot reserve it (another process took the pages). */
    static Optional<OffHeapMemory> hugetlb(long size) {
        long mapped = Hugepages.pagesFor(size, Hugepages.SIZE_2M) * Hugepages.SIZE_2M;
        try {
            long a = Mman.mmap(0, mapped, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_HUGETLB, -1, 0);
            return Optional.of(new MappedMemory(a, size, mapped, "hugetlb 2 MiB pages", Hugepages.SIZE_2M));
        } catch (LastErrorException e) {
            return Optional.empty();
        }
    }

    /** Anonymous memory with MADV_HUGEPAGE. */
    static MappedMemory anonymous(long size) throws NativeIoException {
        long mapped = (Math.max(size, 1) + 4095) & -4096L;
        long a;
        try {
            a = Mman.mmap(0, mapped, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_NORESERVE, -1, 0);
        } catch (LastErrorException e) {
            throw NativeIoException.of("mmap(MAP_ANONYMOUS)", e);
        }
        String kind = "anonymous 4 KiB pages, transparent hugepages advised";
        try {
            Mman.madvise(a, mapped, Mman.MADV_HUGEPAGE);
        } catch (LastErrorException e) {
            kind = "anonymous 4 KiB pages";
        }
        return new MappedMemory(a, size, mapped, kind, 4096);
    }

    /**
     * MADV_POPULATE_WRITE (Linux 5.14) over the range's pages: allocated and mapped in one call from
     * the decompressing thread instead of one page fault each. Failures (an older kernel's EINVAL,
     * memory pressure) are left to the writer's own faults, as without the call.
     */
    @Override
    public void populate(long offset, long length) {
        if (offset < 0 || length <= 0 || offset >= size() || isClosed()) {
            return;
        }
        long from = offset & -pageSize;
        long to = Math.min(mapped, (offset + length + pageSize - 1) & -pageSize);
        try {
            Mman.madvise(address() + from, to - from, Mman.MADV_POPULATE_WRITE);
        } catch (LastErrorException e) {
            // advisory: the decompressing thread's faults allocate the pages instead
        }
    }

    @Override
    protected void release() {
        try {
            Mman.munmap(address(), mapped);
        } catch (LastErrorException e) {
            throw new IllegalStateException(NativeIoException.of("munmap", e));
        }
    }
}
