package dev.snapstore.store;

/**
 * How a {@link Region} gets its bytes.
 *
 * <p>The lazy modes ({@link #HUGETLB}, {@link #SHMEM}, {@link #ANONYMOUS}) need Linux
 * {@code userfaultfd} and the {@code store-native} module on the class path; {@link #EAGER}
 * works everywhere.
 */
public enum Mode {
    /** Picks HUGETLB when enough free 2 MiB pages exist, else SHMEM, else ANONYMOUS, else EAGER. */
    AUTO,
    /** Lazy: pages filled on first touch into a hugetlb file (memfd or warm cache), mapped with UFFDIO_CONTINUE. */
    HUGETLB,
    /** Lazy: pages filled on first touch into a shmem file (memfd or /dev/shm), mapped with UFFDIO_CONTINUE. */
    SHMEM,
    /** Lazy: pages filled on first touch into anonymous memory with UFFDIO_COPY. */
    ANONYMOUS,
    /** Everything decompressed up front, in parallel, into off-heap memory. The portable baseline. */
    EAGER;

    /** True for the modes served by the userfaultfd engine. */
    public boolean isLazy() {
        return this == HUGETLB || this == SHMEM || this == ANONYMOUS;
    }
}
