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

    /** Returns the memory to the system. */
    @Override
    void close();
}
