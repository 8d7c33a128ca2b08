package dev.snapstore.store.linux.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Constants of {@code linux/userfaultfd.h} (kernel 6.8 numbering) and the feature probe. The
 * userfaultfd itself is only ever created and driven by the C engine ({@link SnapEngine}); Java
 * asks it what the kernel offers. Thread-safe.
 */
public final class Userfaultfd {
    /** linux/userfaultfd.h: UFFDIO_API features. */
    public static final long UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1L << 0;
    public static final long UFFD_FEATURE_EVENT_FORK = 1L << 1;
    public static final long UFFD_FEATURE_EVENT_REMAP = 1L << 2;
    public static final long UFFD_FEATURE_EVENT_REMOVE = 1L << 3;
    public static final long UFFD_FEATURE_MISSING_HUGETLBFS = 1L << 4;
    public static final long UFFD_FEATURE_MISSING_SHMEM = 1L << 5;
    public static final long UFFD_FEATURE_EVENT_UNMAP = 1L << 6;
    public static final long UFFD_FEATURE_SIGBUS = 1L << 7;
    public static final long UFFD_FEATURE_THREAD_ID = 1L << 8;
    public static final long UFFD_FEATURE_MINOR_HUGETLBFS = 1L << 9;
    public static final long UFFD_FEATURE_MINOR_SHMEM = 1L << 10;
    public static final long UFFD_FEATURE_EXACT_ADDRESS = 1L << 11;
    public static final long UFFD_FEATURE_WP_HUGETLBFS_SHMEM = 1L << 12;
    public static final long UFFD_FEATURE_WP_UNPOPULATED = 1L << 13;
    public static final long UFFD_FEATURE_POISON = 1L << 14;
    public static final long UFFD_FEATURE_WP_ASYNC = 1L << 15;
    public static final long UFFD_FEATURE_MOVE = 1L << 16;

    private static final String[] FEATURE_NAMES = {
        "PAGEFAULT_FLAG_WP", "EVENT_FORK", "EVENT_REMAP", "EVENT_REMOVE", "MISSING_HUGETLBFS", "MISSING_SHMEM",
        "EVENT_UNMAP", "SIGBUS", "THREAD_ID", "MINOR_HUGETLBFS", "MINOR_SHMEM", "EXACT_ADDRESS",
        "WP_HUGETLBFS_SHMEM", "WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE",
    };

    /** How the probe obtained a userfaultfd. */
    public static final int VIA_SYSCALL = 1;
    public static final int VIA_DEV_USERFAULTFD = 2;

    private static volatile Probe probe;

    private Userfaultfd() {
    }

    /**
     * What the kernel offers: {@code errno == 0} when a userfaultfd could be created; then
     * {@code features} are the UFFDIO_API feature bits and {@code via} says how it was created.
     */
    public record Probe(int errno, String call, long features, int via, int syscallErrno) {
        public boolean available() {
            return errno == 0;
        }

        public boolean has(long feature) {
            return available() && (features & feature) == feature;
        }
    }

    /** Probes once (creates and closes a userfaultfd) and remembers the answer. */
    public static Probe probe() {
        Probe p = probe;
        if (p == null) {
            if (!SnapEngine.isLoaded()) {
                p = new Probe(-1, "load libsnapstore.so", 0, 0, 0);
            } else {
                long[] out = new long[3];
                int rc = SnapEngine.sn_uffd_probe(out);
                p = rc < 0 ? new Probe(-rc, SnapEngine.sn_error_call(), 0, 0, (int) out[2])
                        : new Probe(0, "", out[0], (int) out[1], (int) out[2]);
            }
            probe = p;
        }
        return p;
    }

    /**
     * Forgets the remembered probe, so the next {@link #probe()} asks the engine again (after
     * {@link SnapEngine#sn_uffd_disable} changed what it emulates).
     */
    public static void forgetProbe() {
        probe = null;
    }

    /** SNAPSTORE_UFFD_DISABLE's mask as names: "POISON,DEV_USERFAULTFD". */
    public static String disabledNames(long mask) {
        List<String> names = featureNames(mask & ~(SnapEngine.SN_DISABLE_DEV_USERFAULTFD | SnapEngine.SN_DISABLE_SYSCALL));
        if ((mask & SnapEngine.SN_DISABLE_DEV_USERFAULTFD) != 0) {
            names.add("DEV_USERFAULTFD");
        }
        if ((mask & SnapEngine.SN_DISABLE_SYSCALL) != 0) {
            names.add("SYSCALL");
        }
        return String.join(",", names);
    }

    /** Whether a userfaultfd can be created in this process. */
    public static boolean isAvailable() {
        return probe().available();
    }

    /** Names of the bits set in {@code features}, as in the kernel without the UFFD_FEATURE_ prefix. */
    public static List<String> featureNames(long features) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((features & (1L << i)) != 0) {
                names.add(i < FEATURE_NAMES.length ? FEATURE_NAMES[i] : "BIT_" + i);
            }
        }
        return names;
    }
}
