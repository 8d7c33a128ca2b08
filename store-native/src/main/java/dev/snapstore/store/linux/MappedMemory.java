package dev.snapstore.store.linux;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.jna.LastErrorException;

import dev.snapstore.store.linux.internal.Mman;
import dev.snapstore.store.spi.OffHeapMemory;

/**
 * Memory for eager regions from mmap: hugetlb-backed (MAP_HUGETLB, reserved at mmap time so it
 * never SIGBUSes later) or anonymous with transparent hugepages advised. Thread-safe.
 */
final class MappedMemory implements OffHeapMemory {
    private final long address;
    private final long size;
    private final long mapped;
    private final String kind;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MappedMemory(long address, long size, long mapped, String kind) {
        this.address = address;
        this.size = size;
        this.mapped = mapped;
        this.kind = kind;
    }

    /** MAP_HUGETLB memory, or empty when the pool cannot reserve it (another process took the pages). */
    static Optional<OffHeapMemory> hugetlb(long size) {
        long mapped = Hugepages.pagesFor(size, Hugepages.SIZE_2M) * Hugepages.SIZE_2M;
        try {
            long a = Mman.mmap(0, mapped, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_HUGETLB, -1, 0);
            return Optional.of(new MappedMemory(a, size, mapped, "hugetlb 2 MiB pages"));
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
        return new MappedMemory(a, size, mapped, kind);
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
        return kind;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                Mman.munmap(address, mapped);
            } catch (LastErrorException e) {
                throw new IllegalStateException(NativeIoException.of("munmap", e));
            }
        }
    }
}
