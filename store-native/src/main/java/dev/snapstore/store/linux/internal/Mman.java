package dev.snapstore.store.linux.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Raw binding of {@code sys/mman.h} (constants from {@code asm-generic/mman-common.h} and
 * {@code linux/mman.h}, x86_64 values). JNA direct mapping; failures throw
 * {@link LastErrorException} carrying errno. Thread-safe.
 */
public final class Mman {
    /** asm-generic/mman-common.h */
    public static final int PROT_NONE = 0x0;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;

    /** linux/mman.h, asm-generic/mman-common.h */
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    public static final long MAP_FAILED = -1L;

    /** asm-generic/mman-common.h */
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_POPULATE_READ = 22;
    public static final int MADV_POPULATE_WRITE = 23;

    static {
        Native.register(Mman.class, Platform.C_LIBRARY_NAME);
    }

    private Mman() {
    }

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    public static native int munmap(long addr, long length) throws LastErrorException;

    public static native int madvise(long addr, long length, int advice) throws LastErrorException;
}
