package dev.snapstore.store.spi;

/**
 * A block of native memory owned by one region: page-aligned, zero-filled, freed once by
 * {@link #close()} (idempotent). Thread-safe.
 */
public interface OffHeapMemory extends AutoCloseable {
    /** Page-aligned base address. */
    long address();

    /** Usable bytes from {@link #address()}. */
    long size();

    /** A short description for logs: "hugetlb 2 MiB pages", "anonymous 4 KiB pages". */
    String kind();

    /**
     * Backs {@code [offset, offset + length)} with writable pages before a writer fills it: one
     * call instead of a page fault per page while the writer runs. Advisory: does nothing where
     * the platform has no such call or it fails (the writer's own faults then allocate the pages).
     * Safe from many threads on disjoint ranges. The default does nothing.
     */
    default void populate(long offset, long length) {
    }

    /** Returns the memory to the system. */
    @Override
    void close();
}
