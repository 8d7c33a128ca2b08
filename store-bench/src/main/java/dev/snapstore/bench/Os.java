package dev.snapstore.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The operating-system calls the harness needs (Linux x86_64): anonymous memory, page-cache
 * control, /proc readings and raw memory access. Process memory is measured by
 * {@link dev.snapstore.tools.MemoryUsage}, the same accounting {@code restore} reports. Stateless,
 * thread-safe.
 */
public final class Os {
    /** Page size the harness touches at. */
    public static final int PAGE = 4096;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MADV_HUGEPAGE = 14;
    static final int POSIX_FADV_DONTNEED = 4;
    static final int O_RDONLY = 0;

    /** The subset of libc used here; errors raise {@link LastErrorException}. */
    interface LibC extends Library {
        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

        int munmap(Pointer addr, long length) throws LastErrorException;

        int madvise(Pointer addr, long length, int advice) throws LastErrorException;

        int posix_fadvise(int fd, long offset, long length, int advice);

        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int mincore(Pointer addr, long length, byte[] vec) throws LastErrorException;
    }

    private static volatile LibC libc;
    static final sun.misc.Unsafe UNSAFE;

    static {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Os() {
    }

    static LibC libc() {
        LibC l = libc;
        if (l == null) {
            synchronized (Os.class) {
                if (libc == null) {
                    libc = Native.load("c", LibC.class);
                }
                l = libc;
            }
        }
        return l;
    }

    /** Reads 8 bytes at a native address. */
    public static long getLong(long address) {
        return UNSAFE.getLong(address);
    }

    /** Writes 8 bytes at a native address. */
    public static void putLong(long address, long value) {
        UNSAFE.putLong(address, value);
    }

    /** Copies native memory. */
    public static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(from, to, bytes);
    }

    /**
     * Private anonymous zero-filled memory (not touched: pages appear on first write). When
     * {@code hugepages} is set the range is advised MADV_HUGEPAGE (transparent hugepages), which
     * is what a tuned user of a big off-heap buffer does.
     */
    public static long mapAnonymous(long length, boolean hugepages) throws IOException {
        try {
            Pointer p = libc().mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            long address = Pointer.nativeValue(p);
            if (hugepages) {
                try {
                    libc().madvise(p, length, MADV_HUGEPAGE);
                } catch (LastErrorException ignored) {
                    // THP disabled ("never"): plain pages are what this machine offers
                }
            }
            return address;
        } catch (LastErrorException e) {
            throw new IOException("mmap(" + length + " bytes, anonymous): errno " + e.getErrorCode(), e);
        }
    }

    /** Releases memory from {@link #mapAnonymous}. */
    public static void unmap(long address, long length) {
        libc().munmap(new Pointer(address), length);
    }

    /** Unmaps a MappedByteBuffer now instead of at some later GC; the buffer must not be used again. */
    public static void unmapBuffer(java.nio.MappedByteBuffer buffer) {
        UNSAFE.invokeCleaner(buffer);
    }

    /** A direct ByteBuffer over native memory (no copy). */
    public static ByteBuffer buffer(long address, int length) {
        return new Pointer(address).getByteBuffer(0, length);
    }

    /**
     * Drops a file's clean pages from the page cache ({@code posix_fadvise(DONTNEED)}); returns
     * true when the call succeeded. Pages mapped by some process stay.
     */
    public static boolean dropFromPageCache(Path file) {
        int fd;
        try {
            fd = libc().open(file.toString(), O_RDONLY);
        } catch (LastErrorException e) {
            return false;
        }
        try {
            return libc().posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
        } finally {
            libc().close(fd);
        }
    }

    /**
     * Fraction (0..1) of a file's pages that are in the page cache now (mmap + mincore), or -1
     * when it cannot be told.
     */
    public static double residentFraction(Path file) {
        try {
            long size = Files.size(file);
            if (size == 0) {
                return 0;
            }
            int fd = libc().open(file.toString(), O_RDONLY);
            try {
                long resident = 0;
                long pages = 0;
                long step = 1L << 30;
                for (long off = 0; off < size; off += step) {
                    long len = Math.min(step, size - off);
                    Pointer p = libc().mmap(null, len, PROT_READ, MAP_PRIVATE, fd, off);
                    try {
                        byte[] vec = new byte[(int) ((len + PAGE - 1) / PAGE)];
                        libc().mincore(p, len, vec);
                        for (byte b : vec) {
                            resident += b & 1;
                        }
                        pages += vec.length;
                    } finally {
                        libc().munmap(p, len);
                    }
                }
                return resident / (double) pages;
            } finally {
                libc().close(fd);
            }
        } catch (IOException | LastErrorException | UnsatisfiedLinkError e) {
            return -1;
        }
    }

    /** CPU time of the whole process (every thread, native ones included), in nanoseconds, or -1. */
    public static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }

    /** The first line of a small text file, trimmed, or null. */
    public static String firstLine(String path) {
        try {
            for (String line : Files.readAllLines(Path.of(path))) {
                return line.trim();
            }
        } catch (IOException | RuntimeException e) {
            // absent on this system
        }
        return null;
    }

    /** True when this process runs as root (uid 0). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return false;
    }
}
