package dev.snapstore.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.Latency;
import org.HdrHistogram.Histogram;

/**
 * The {@code budget} scenario in one measuring JVM: an image several times larger than the memory
 * it may use, read by {@value #LOOKUP_THREADS} threads making Zipf(0.99) 4 KiB lookups (hot pages
 * scattered over the image, as {@code service-state} scatters them), interrupted every
 * {@value #SCAN_EVERY_MS} ms by a sequential scan of 25 % of the image (a different quarter each
 * time): the pattern that flushes an LRU cache.
 *
 * <p>The lookups pause while the scan runs, so the fault counters read before and after each scan
 * split cleanly: a lookup is a <em>hit</em> when it needed neither decompression nor disk. For
 * snapstore that is a lookup that raised no MISSING fault (hits = lookups - MISSING faults during
 * lookup phases; a resident page raises none, or a MINOR fault when sampling zapped it); for mmap a
 * lookup that raised no major fault ({@code majflt} of {@code /proc/self/stat} during lookup
 * phases; a page cache hit is at most a minor fault). One lookup reads all of one 4 KiB page, so it
 * raises at most one such fault.
 *
 * <p>{@code lookups_per_s} counts lookups over the whole run, scans included (the scan's time is
 * the service's time too). The first {@value #WARM_UP_PERCENT} % of the duration fills the cache
 * and is not counted. Resident memory is sampled every 10 ms: for snapstore the region's
 * {@link RegionStats#residentBytes()}, for mmap the process's file pages ({@code RssFile}); with a
 * cgroup, its usage too ({@code memory.usage_in_bytes} or {@code memory.current}).
 *
 * <p>Systems: {@code snapstore} MODE (a read-only region with a budget), {@code snapstore-unbounded}
 * MODE (no budget: the ceiling), {@code snapstore-resident} sampling|no-sampling (a budget as large
 * as the image, so everything stays: what access sampling costs) and no-budget (the same fully
 * resident SHMEM region without a budget: what the budget's machinery costs when nothing is
 * evicted, sampling being gated on eviction pressure), {@code mmap} read-only (the raw
 * file). Not thread-safe: one per JVM.
 */
final class BudgetWorkload {
    static final int LOOKUP_THREADS = 4;
    static final int SCAN_EVERY_MS = 3000;
    static final int WARM_UP_PERCENT = 20;
    static final double ZIPF_S = 0.99;

    private final Measurements out;
    private final String system;
    private final String mode;
    private final Path snap;
    private final Path raw;
    private final int threads;
    private final long seed;
    private final long budget;
    private final long durationMillis;
    private final Path cgroup;

    private volatile boolean paused;
    private volatile boolean stop;
    private volatile boolean counting;
    private final AtomicInteger parked = new AtomicInteger();

    BudgetWorkload(Measurements out, String system, String mode, Path snap, Path raw, int threads, long seed,
                   long budget, long durationMillis, Path cgroup) {
        this.out = out;
        this.system = system;
        this.mode = mode;
        this.snap = snap;
        this.raw = raw;
        this.threads = threads;
        this.seed = seed;
        this.budget = budget;
        this.durationMillis = durationMillis;
        this.cgroup = cgroup;
    }

    void run() throws Exception {
        Os.dropFromPageCache(snap);
        Os.dropFromPageCache(raw);
        if (cgroup != null) {
            // Joins the cgroup the harness made: what this JVM allocates from here on is charged to it.
            Files.writeString(cgroup.resolve("cgroup.procs"), String.valueOf(ProcessHandle.current().pid()));
        }
        if (system.equals("mmap")) {
            MmapSubject m = new MmapSubject(raw, false);
            m.open();
            try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
                measure(ch.size(), m::addressOf, null);
            } finally {
                m.close();
            }
            return;
        }
        boolean resident = system.equals("snapstore-resident");
        Mode m = resident ? Mode.SHMEM : Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
        long b = system.equals("snapstore") ? budget : 0;
        try (Snapshot s = Snapshot.open(snap)) {
            if (resident && !mode.equals("no-budget")) {
                b = s.length() + s.chunkSize();
            }
            MapOptions o = MapOptions.builder().readOnly().resolverThreads(threads).memoryBudget(b).build();
            try (Region r = s.map(m, o)) {
                long base = r.address();
                if (resident) {
                    r.load(0, r.size()); // everything resident before the clock starts
                }
                long unit = m == Mode.HUGETLB ? Math.max(s.chunkSize(), 2L << 20) : s.chunkSize();
                out.emit("warm", "slack_bytes", 2.0 * threads * unit, "bytes");
                measure(r.size(), off -> base + off, r);
            }
        }
    }

    /** Address of an image offset (mmap's mapping comes in pieces). */
    interface Addresses {
        long of(long offset);
    }

    private void measure(long size, Addresses at, Region region) throws Exception {
        long pages = size / Os.PAGE;
        AtomicLong lookups = new AtomicLong();
        AtomicLong lookupsCounted = new AtomicLong();
        List<Histogram> hists = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < LOOKUP_THREADS; t++) {
            Histogram h = Latency.newHistogram();
            hists.add(h);
            Zipf zipf = new Zipf(pages, ZIPF_S, seed * 31 + t);
            Thread w = new Thread(() -> lookups(zipf, pages, at, h, lookups, lookupsCounted), "lookup-" + t);
            w.setDaemon(true);
            workers.add(w);
        }
        long[] peak = new long[3]; // resident, cgroup, RssFile
        Thread sampler = new Thread(() -> sample(region, peak), "resident-sampler");
        sampler.setDaemon(true);

        long scanLength = (size / 4) & ~(long) (Os.PAGE - 1);
        long warmUpEnd = System.nanoTime() + durationMillis * 1_000_000L * WARM_UP_PERCENT / 100;
        long end = System.nanoTime() + durationMillis * 1_000_000L;
        sampler.start();
        workers.forEach(Thread::start);
        long scans = 0;
        long scanNanos = 0;
        long lookupMisses = 0;
        RegionStats stats0 = null;
        long maj0 = 0;
        long t0 = 0;
        long cpu0 = 0;
        long lastPhase = System.nanoTime();
        long missesAtPhase = misses(region);
        long scanSum = 0;
        while (true) {
            long now = System.nanoTime();
            if (!counting && now >= warmUpEnd) {
                pauseLookups();
                missesAtPhase = misses(region);
                stats0 = region == null ? null : region.stats();
                maj0 = majorFaults();
                cpu0 = Os.processCpuNanos();
                t0 = System.nanoTime();
                lastPhase = t0;
                counting = true;
                paused = false;
            }
            if (now >= end) {
                break;
            }
            long nextScan = lastPhase + SCAN_EVERY_MS * 1_000_000L;
            long until = Math.min(end, Math.min(nextScan, counting ? end : warmUpEnd));
            if (until > now) {
                LockSupport.parkNanos(Math.min(until - now, 50_000_000L));
                continue;
            }
            if (now < nextScan) {
                continue;
            }
            pauseLookups();
            long m1 = misses(region);
            if (counting) {
                lookupMisses += m1 - missesAtPhase;
            }
            long s0 = System.nanoTime();
            long start = ((scans * 3 + 1) % 4) * scanLength; // quarters 1, 0, 3, 2, ...
            for (long off = start; off < start + scanLength; off += Os.PAGE) {
                scanSum += Os.getLong(at.of(off));
            }
            long scanTook = System.nanoTime() - s0;
            if (counting) {
                scans++;
                scanNanos += scanTook;
            }
            missesAtPhase = misses(region);
            lastPhase = System.nanoTime();
            paused = false;
        }
        pauseLookups();
        long t1 = System.nanoTime();
        lookupMisses += misses(region) - missesAtPhase;
        long cpu1 = Os.processCpuNanos();
        stop = true;
        paused = false;
        for (Thread w : workers) {
            w.join();
        }
        sampler.join();
        Toucher.keep(scanSum);

        Histogram all = Latency.newHistogram();
        hists.forEach(all::add);
        long n = lookupsCounted.get();
        double seconds = (t1 - t0) / 1e9;
        String st = "warm";
        out.window(st, System.currentTimeMillis() - (t1 - t0) / 1_000_000, System.currentTimeMillis());
        out.emit(st, "lookups", n, "count");
        out.emit(st, "lookups_per_s", n / seconds, "1/s");
        out.emit(st, "hit_ratio", n == 0 ? 0 : Math.max(0, 1 - (double) lookupMisses / n), "ratio");
        out.emit(st, "lookup_misses", lookupMisses, "count");
        out.emitAll(st, Latency.micros("lookup", all), "us");
        out.emit(st, "scans", scans, "count");
        out.emit(st, "scan_ms", scans == 0 ? 0 : scanNanos / 1e6 / scans, "ms");
        out.emit(st, "duration_s", seconds, "s");
        out.emit(st, "cpu_ms", (cpu1 - cpu0) / 1e6, "ms");
        out.emit(st, "resident_peak_sampled_bytes", region != null ? peak[0] : peak[2], "bytes");
        if (cgroup != null) {
            out.emit(st, "cgroup_peak_sampled_bytes", peak[1], "bytes");
            long max = readLong(cgroup.resolve("memory.max_usage_in_bytes"));
            if (max >= 0) {
                out.emit(st, "cgroup_max_usage_bytes", max, "bytes");
            }
        }
        if (region != null) {
            RegionStats s1 = region.stats();
            out.emit(st, "budget_bytes", s1.budgetBytes(), "bytes");
            out.emit(st, "bytes_decompressed", s1.bytesDecompressed() - stats0.bytesDecompressed(), "bytes");
            out.emit(st, "resident_peak_bytes", s1.residentPeakBytes(), "bytes");
            out.emit(st, "evictions", s1.evictions() - stats0.evictions(), "count");
            out.emit(st, "refills", s1.refills() - stats0.refills(), "count");
            out.emit(st, "sampled_accesses", s1.sampledAccesses() - stats0.sampledAccesses(), "count");
            out.emit(st, "missing_faults", s1.missingFaults() - stats0.missingFaults(), "count");
            out.emit(st, "minor_faults", s1.minorFaults() - stats0.minorFaults(), "count");
        } else {
            out.emit(st, "bytes_decompressed", 0, "bytes");
            out.emit(st, "major_faults", majorFaults() - maj0, "count");
        }
    }

    /** Blocks until every lookup thread is parked (the counters then belong to one phase). */
    private void pauseLookups() {
        paused = true;
        while (parked.get() < LOOKUP_THREADS && !stop) {
            Thread.onSpinWait();
        }
    }

    private void lookups(Zipf zipf, long pages, Addresses at, Histogram h, AtomicLong all, AtomicLong counted) {
        long sum = 0;
        long local = 0;
        while (!stop) {
            if (paused) {
                if (local > 0) {
                    all.addAndGet(local);
                    if (counting) {
                        counted.addAndGet(local);
                    }
                    local = 0;
                }
                parked.incrementAndGet();
                while (paused && !stop) {
                    LockSupport.parkNanos(50_000);
                }
                parked.decrementAndGet();
                continue;
            }
            long page = Zipf.scramble(zipf.next(), pages);
            long a = at.of(page * Os.PAGE);
            long t0 = System.nanoTime();
            for (int i = 0; i < Os.PAGE; i += 64) { // every cache line of the page
                sum += Os.getLong(a + i);
            }
            long took = System.nanoTime() - t0;
            if (counting) {
                h.recordValue(Math.max(1, took));
            }
            local++;
        }
        Toucher.keep(sum);
    }

    private void sample(Region region, long[] peak) {
        Path usage = cgroup == null ? null : Files.exists(cgroup.resolve("memory.usage_in_bytes"))
                ? cgroup.resolve("memory.usage_in_bytes") : cgroup.resolve("memory.current");
        while (!stop) {
            if (region != null) {
                peak[0] = Math.max(peak[0], region.stats().residentBytes());
            } else {
                peak[2] = Math.max(peak[2], rssFile());
            }
            if (usage != null) {
                peak[1] = Math.max(peak[1], readLong(usage));
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }

    /** MISSING faults of the region so far, or the process's major faults for mmap. */
    private static long misses(Region region) {
        return region != null ? region.stats().missingFaults() : majorFaults();
    }

    /** Field 12 of /proc/self/stat: major faults of this process. */
    static long majorFaults() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[9]); // fields from 3 (state): majflt is field 12
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long rssFile() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("RssFile:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // below
        }
        return -1;
    }

    private static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
