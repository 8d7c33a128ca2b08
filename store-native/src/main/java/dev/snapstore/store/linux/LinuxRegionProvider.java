package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;
import dev.snapstore.store.spi.OffHeapMemory;
import dev.snapstore.store.spi.RegionProvider;

/**
 * The Linux userfaultfd engine as a {@link RegionProvider} (registered in
 * {@code META-INF/services}). {@link #availability} gives AUTO its decision inputs:
 * userfaultfd and its features, the free 2 MiB hugepages against what the region needs, the
 * codecs, and the warm cache directory's filesystem.
 *
 * <p>Hugepage policy: a read-only HUGETLB region needs one hugepage per 2 MiB of image (the file's
 * pages, shared); a writable one also reserves as many again at map time for its private copies
 * (so a copy-on-write can never SIGBUS). When the pool is shorter than that, HUGETLB is reported
 * unavailable, AUTO falls back to SHMEM, and an explicit HUGETLB fails with
 * {@link ModeUnavailableException} naming the {@code nr_hugepages} to set. If the pool is emptied
 * by others after mapping, a chunk that cannot get its pages is poisoned (ENOSPC from fallocate,
 * counted in errors), never a SIGBUS.
 *
 * <p>Thread-safe and stateless.
 */
public final class LinuxRegionProvider implements RegionProvider {

    /**
     * The answer {@link #availability} just gave on this thread: {@code Snapshot.map} asks for it
     * and then calls {@link #map} with the same arguments, which uses it instead of reading the
     * hugepage pool and the mount table again (they were read once per mode tried, and once more
     * by map). Userfaultfd's features and the codecs are probed once per JVM.
     */
    private static final ThreadLocal<Checked> LAST = new ThreadLocal<>();

    /** How many times the machine was examined for availability (tests count the probes per map). */
    static final java.util.concurrent.atomic.AtomicLong CHECKS = new java.util.concurrent.atomic.AtomicLong();

    private record Checked(Mode mode, Snapshot snapshot, MapOptions options, Availability answer) {
        boolean sameQuestion(Mode m, Snapshot s, MapOptions o) {
            return mode == m && snapshot == s && options == o;
        }
    }

    public LinuxRegionProvider() {
    }

    /** The engine's SHA-256 ({@link NativeDigest}): the engine is loaded here instead of at the first map. */
    @Override
    public byte[] sha256(java.nio.ByteBuffer first, java.nio.ByteBuffer second) {
        return NativeDigest.sha256(first, second);
    }

    /**
     * What a fresh JVM's first map would otherwise do on the caller's thread, 5 to 15 ms of it
     * measured here: the codecs' dlopen, the userfaultfd probe, the lazy region's classes and the
     * first read of the hugepage pool (its classes; the pool itself is read again by each map,
     * since other processes take and give back hugepages).
     */
    @Override
    public void prepare() {
        if (!SnapEngine.isLoaded()) {
            return;
        }
        SnapEngine.sn_codecs_available();
        Userfaultfd.probe();
        Hugepages.pool2m();
        LazyRegion.prepare();
        PREPARED.incrementAndGet();
    }

    /** How many times {@link #prepare()} ran to its end (tests: the deferred work happened, once). */
    static final java.util.concurrent.atomic.AtomicLong PREPARED = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public long crc32c(int crc, java.nio.ByteBuffer direct) {
        return NativeDigest.crc32c(crc, direct);
    }

    @Override
    public Availability availability(Mode mode, Snapshot snapshot, MapOptions options) {
        Availability a = check(mode, snapshot, options);
        if (a.available()) {
            LAST.set(new Checked(mode, snapshot, options, a)); // map() follows; a refusal is not kept
        } else {
            LAST.remove();
        }
        return a;
    }

    private Availability check(Mode mode, Snapshot snapshot, MapOptions options) {
        CHECKS.incrementAndGet();
        if (!mode.isLazy()) {
            return Availability.no(mode + " is not a lazy mode");
        }
        if (!SnapEngine.isLoaded()) {
            return Availability.no("the native engine libsnapstore.so could not be loaded (" + SnapEngine.loadError() + ")");
        }
        if (snapshot.isRemote() && SnapEngine.sn_remote_available() != 1) {
            return Availability.no("a remote snapshot is fetched by the engine through libcurl.so.4, which cannot be "
                    + "loaded; fix: 'apt-get install libcurl4' (Debian, Ubuntu)");
        }
        Userfaultfd.Probe probe = Userfaultfd.probe();
        if (!probe.available()) {
            return Availability.no("userfaultfd unavailable (" + probe.call() + ": "
                    + NativeIoException.describe(probe.errno()) + "); " + MachineReport.uffdFix(probe));
        }
        String codecs = LazyRegion.missingCodecs(snapshot);
        if (codecs != null) {
            return Availability.no(codecs);
        }
        switch (mode) {
            case ANONYMOUS:
                return Availability.yes("userfaultfd; anonymous memory filled with UFFDIO_COPY; " + refusal(probe));
            case SHMEM: {
                if (!probe.has(Userfaultfd.UFFD_FEATURE_MINOR_SHMEM)) {
                    return Availability.no("the kernel's userfaultfd lacks MINOR_SHMEM (Linux 5.14+); upgrade the kernel");
                }
                String warm = checkWarmDir(mode, snapshot, options);
                if (warm != null) {
                    return Availability.no(warm);
                }
                return Availability.yes("userfaultfd with MINOR_SHMEM; shmem file filled once, mapped with UFFDIO_CONTINUE; "
                        + refusal(probe));
            }
            case HUGETLB: {
                if (!options.hugepages()) {
                    return Availability.no("hugepages disabled by MapOptions.hugepages(false)");
                }
                if (!probe.has(Userfaultfd.UFFD_FEATURE_MINOR_HUGETLBFS)) {
                    return Availability.no("the kernel's userfaultfd lacks MINOR_HUGETLBFS (Linux 5.13+); upgrade the kernel");
                }
                String warm = checkWarmDir(mode, snapshot, options);
                if (warm != null) {
                    return Availability.no(warm);
                }
                long pages = Hugepages.pagesFor(snapshot.length(), Hugepages.SIZE_2M);
                long filePages = pages - warmFilePages(mode, snapshot, options);
                long need = filePages + (options.writable() ? pages : 0);
                Hugepages.Pool pool = Hugepages.pool2m();
                if (pool.available() < need) {
                    return Availability.no(pool.available() + " free 2 MiB hugepages < " + need + " needed ("
                            + (options.writable() ? "writable: image + reserved private copies; " : "read-only image; ")
                            + "fix: 'echo " + (pool.total() + need - pool.available()) + " > /proc/sys/vm/nr_hugepages'"
                            + (options.writable() ? " or map read-only" : "") + ")");
                }
                return Availability.yes(pool.available() + " free 2 MiB hugepages >= " + need + " needed ("
                        + (options.writable() ? "image + reserved private copies" : "read-only, one shared copy") + ")");
            }
            default:
                return Availability.no(mode + " is not served by this provider");
        }
    }

    /** How a chunk that cannot be produced is refused on this kernel (never served as zeros either way). */
    static String refusal(Userfaultfd.Probe probe) {
        return probe.has(Userfaultfd.UFFD_FEATURE_POISON) ? "bad chunks refused with UFFDIO_POISON"
                : "bad chunks refused with the SIGBUS guard (no UFFD_FEATURE_POISON before Linux 6.6)";
    }

    private static String checkWarmDir(Mode mode, Snapshot snapshot, MapOptions options) {
        if (options.warmCache().isEmpty()) {
            return null;
        }
        Path dir = options.warmCache().get();
        if (!Files.isDirectory(dir)) {
            return "warm cache directory " + dir + " does not exist";
        }
        String fs = MachineReport.filesystemOf(dir);
        if (mode == Mode.HUGETLB && !"hugetlbfs".equals(fs)) {
            return "warm cache directory " + dir + " is on " + fs + ", not hugetlbfs; fix: 'mount -t hugetlbfs -o pagesize=2M none " + dir + "'";
        }
        if (mode == Mode.SHMEM && !"tmpfs".equals(fs)) {
            return "warm cache directory " + dir + " is on " + fs + ", not tmpfs; fix: use a directory under /dev/shm";
        }
        if (mode == Mode.SHMEM) {
            try {
                long free = Files.getFileStore(dir).getUsableSpace();
                long have = warmFileBytes(mode, snapshot, options);
                if (free + have < snapshot.length()) {
                    return "warm cache directory " + dir + " has " + free + " bytes free, the image needs " + snapshot.length()
                            + "; fix: 'mount -o remount,size=" + ((snapshot.length() >> 30) + 2) + "G " + MachineReport.mountPointOf(dir) + "'";
                }
            } catch (IOException e) {
                return "warm cache directory " + dir + ": " + e.getMessage();
            }
        }
        return null;
    }

    private static long warmFileBytes(Mode mode, Snapshot snapshot, MapOptions options) {
        if (options.warmCache().isEmpty()) {
            return 0;
        }
        Path f = LazyRegion.warmFile(options.warmCache().get(), snapshot.digest() + "." + mode.name().toLowerCase(Locale.ROOT));
        try {
            Object blocks = Files.getAttribute(f, "unix:blocks");
            return blocks instanceof Number ? ((Number) blocks).longValue() * 512 : 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }

    private static long warmFilePages(Mode mode, Snapshot snapshot, MapOptions options) {
        return warmFileBytes(mode, snapshot, options) / Hugepages.SIZE_2M;
    }

    @Override
    public Region map(Snapshot snapshot, Mode mode, MapOptions options) throws IOException {
        Checked last = LAST.get();
        LAST.remove();
        Availability a = last != null && last.sameQuestion(mode, snapshot, options) ? last.answer()
                : check(mode, snapshot, options);
        if (!a.available()) {
            throw new ModeUnavailableException(mode, a.reason());
        }
        return LazyRegion.map(snapshot, mode, options, a.reason());
    }

    /**
     * Eager-region memory: MAP_HUGETLB (reserved at mmap, so never a SIGBUS) when {@code hugepages}
     * and enough 2 MiB pages are free, else anonymous memory with transparent hugepages advised.
     */
    @Override
    public Optional<OffHeapMemory> allocate(long size, boolean hugepages) throws IOException {
        if (hugepages && Hugepages.pool2m().available() >= Hugepages.pagesFor(size, Hugepages.SIZE_2M)) {
            Optional<OffHeapMemory> m = MappedMemory.hugetlb(size);
            if (m.isPresent()) {
                return m;
            }
        }
        return Optional.of(MappedMemory.anonymous(size));
    }
}
