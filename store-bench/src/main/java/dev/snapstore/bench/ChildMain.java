package dev.snapstore.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;

/**
 * One measurement in a JVM of its own, started by {@link BenchCommand}: one scenario, one system
 * (and mode), a cold pass then a warm pass. Running each measurement in a fresh JVM keeps RSS, CPU
 * time and the safepoint log (-Xlog:safepoint,gc, parsed by the parent) its own.
 *
 * <p>Writes tab-separated lines to the {@code --result} file: {@code state metric value unit}, and
 * {@code window state startMillis endMillis} (wall clock) for each pass, or one line
 * {@code unavailable reason} when the snapstore mode cannot be mapped. One instance per JVM; not
 * thread-safe.
 */
public final class ChildMain {
    private final Map<String, String> args;
    private final List<String> out = new ArrayList<>();
    private boolean readAll;
    private SafepointProber prober;
    /** Machine-wide hugepages in use when this JVM started: the baseline of hugetlb_bytes. */
    private final long[] hugeAtStart = Os.hugepagesInUse();

    private ChildMain(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        ChildMain child = new ChildMain(a);
        Path result = Path.of(a.get("result"));
        try {
            child.run();
        } finally {
            Files.write(result, child.out);
        }
        System.exit(0); // engine and pool threads must not keep this JVM alive
    }

    private String arg(String k) {
        String v = args.get(k);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + k);
        }
        return v;
    }

    private void run() throws Exception {
        Scenario scenario = Scenario.byName(arg("scenario"));
        String system = arg("system");
        Path snap = Path.of(arg("snap"));
        Path raw = Path.of(arg("raw"));
        int threads = Integer.parseInt(arg("threads"));
        long seed = Long.parseLong(arg("seed"));
        boolean probe = Boolean.parseBoolean(args.getOrDefault("probe", "true"));
        readAll = args.getOrDefault("touch", "page").equals("all");
        int chunkSize;
        long size;
        try (Snapshot s = Snapshot.open(snap)) {
            chunkSize = s.chunkSize();
            size = s.length();
        }
        Plan plan = Plan.of(scenario, size, chunkSize, Safetensors.read(raw), seed);
        warmUpJit(plan);
        long i0 = System.nanoTime();
        initLibraries(system, snap, raw);
        if (!system.equals("codec-raw") && !system.equals("memcpy")) {
            emit("cold", "init_ms", (System.nanoTime() - i0) / 1e6, "ms");
        }

        prober = probe ? SafepointProber.start() : null;
        try {
            switch (system) {
                case "codec-raw":
                    codecRaw(snap, threads);
                    break;
                case "memcpy":
                    memcpy(size, threads);
                    break;
                default:
                    Subject subject = subject(system, snap, raw, threads, plan);
                    try {
                        if (plan.iterations() > 1) {
                            fork(subject, plan, snap, raw);
                        } else {
                            coldThenWarm(subject, plan, snap, raw);
                        }
                    } catch (dev.snapstore.store.ModeUnavailableException e) {
                        out.clear();
                        out.add("unavailable\t" + e.getMessage().replace('\t', ' ').replace('\n', ' '));
                    } finally {
                        subject.close();
                        if (subject instanceof EagerSubject) {
                            ((EagerSubject) subject).shutdown();
                        }
                    }
            }
        } finally {
            if (prober != null) {
                prober.stop();
            }
        }
    }

    private Subject subject(String system, Path snap, Path raw, int threads, Plan plan) {
        switch (system) {
            case "snapstore": {
                String m = arg("mode");
                boolean load = m.endsWith("+load");
                Mode mode = Mode.valueOf(m.replace("+load", "").toUpperCase(Locale.ROOT));
                // Read-only (one shared copy, no copy-on-write reservation) unless the scenario writes,
                // as a model server or a lookup service would map it; reset() works either way.
                MapOptions o = MapOptions.builder().resolverThreads(threads).eagerThreads(threads)
                        .writable(plan.write()).build();
                return new SnapstoreSubject(snap, mode, o, load);
            }
            case "eager":
                return new EagerSubject(snap, threads, arg("mode"));
            case "mmap":
                return new MmapSubject(raw, plan.write());
            case "chronicle-mapped":
                return new ChronicleSubject(raw);
            default:
                throw new IllegalArgumentException("unknown system " + system);
        }
    }

    /**
     * Loads and initialises what the measured system uses (classes, the codecs' native libraries,
     * Chronicle, the lazy engine) before the first measured pass, so open_ms and ttfb_us measure
     * the mechanism rather than one-time class loading; the time it took is reported as init_ms.
     * The files it reads are dropped from the page cache again before the cold pass.
     */
    private static void initLibraries(String system, Path snap, Path raw) throws IOException {
        try (Snapshot s = Snapshot.open(snap)) {
            int chunk = 0;
            while (chunk < s.chunkCount() - 1 && s.index().isZero(chunk)) {
                chunk++;
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(s.chunkSize());
            buf.limit(s.index().rawLength(chunk));
            s.decompressChunk(chunk, buf);
            long scratch = Os.mapAnonymous(s.chunkSize(), false);
            try (ChunkDecoder dec = new ChunkDecoder();
                 FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
                dec.decodeFromFile(ch, s.index(), chunk, scratch);
            } finally {
                Os.unmap(scratch, s.chunkSize());
            }
            if (system.equals("snapstore")) {
                for (Mode m : new Mode[] {Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS}) {
                    try (dev.snapstore.store.Region r = s.map(m, MapOptions.builder().resolverThreads(1).build())) {
                        r.stats();
                        break; // one lazy region is enough to load the engine
                    } catch (RuntimeException e) {
                        // mode unavailable: try the next; EAGER needs no engine
                    }
                }
            }
        }
        if (system.equals("chronicle-mapped")) {
            ChronicleSubject c = new ChronicleSubject(raw);
            c.open();
            c.readLong(0);
            c.close();
        }
        if (system.equals("mmap")) {
            MmapSubject m = new MmapSubject(raw, false);
            m.open();
            m.readLong(0);
            m.close();
        }
    }

    /** Drops both files from the page cache and records what stayed resident. */
    private void dropCaches(Path snap, Path raw) {
        Os.dropFromPageCache(snap);
        Os.dropFromPageCache(raw);
        emit("cold", "cold_resident_snap", Os.residentFraction(snap), "fraction");
        emit("cold", "cold_resident_raw", Os.residentFraction(raw), "fraction");
    }

    private void coldThenWarm(Subject s, Plan plan, Path snap, Path raw) throws IOException {
        boolean load = s.mode().endsWith("+load");
        Toucher toucher = new Toucher(plan.imageSize(), readAll);
        dropCaches(snap, raw);
        pass("cold", s, plan, load, toucher, true);
        if (s.warmByReset()) {
            toucher.forget();
            pass("warm", s, plan, load, toucher, false);
        } else {
            s.close();
            toucher.forget();
            pass("warm", s, plan, load, toucher, true);
        }
        if (plan.scenario() == Scenario.FULL_SCAN && !load) {
            probeWarmFaults(s, plan);
        }
    }

    private void pass(String state, Subject s, Plan plan, boolean load, Toucher toucher, boolean open) throws IOException {
        Map<String, Double> before = s.counters();
        long[] histBefore = open ? new long[0] : engineHistogram(s);
        long cpu0 = Os.processCpuNanos();
        long wall0 = System.currentTimeMillis();
        Toucher.Times t = new Toucher.Times();
        long t0 = System.nanoTime();
        if (open) {
            s.open();
        } else {
            s.reset(plan);
        }
        t.open = System.nanoTime() - t0;
        toucher.touch(s, plan, load, t0, t);
        long cpu1 = Os.processCpuNanos();
        long wall1 = System.currentTimeMillis();
        window(state, wall0, wall1);
        for (Map.Entry<String, Object[]> e : Toucher.metrics(plan, t, load).entrySet()) {
            emit(state, e.getKey(), ((Number) e.getValue()[0]).doubleValue(), (String) e.getValue()[1]);
        }
        emit(state, "cpu_ms", (cpu1 - cpu0) / 1e6, "ms");
        rss(state);
        Map<String, Double> after = s.counters();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            double b = open ? 0 : before.getOrDefault(e.getKey(), 0.0);
            emit(state, e.getKey(), e.getValue() - b, "count");
        }
        if (s instanceof SnapstoreSubject && open) {
            emit(state, "snapshot_open_ms", ((SnapstoreSubject) s).lastSnapshotOpenNanos() / 1e6, "ms");
            emit(state, "map_us", ((SnapstoreSubject) s).lastMapNanos() / 1e3, "us");
        }
        engineLatency(state, histBefore, engineHistogram(s));
        if (toucher.sink() == 0x5EED) {
            System.err.print(""); // the sum is used, so the JIT keeps every read
        }
    }

    private static long[] engineHistogram(Subject s) {
        if (s instanceof SnapstoreSubject) {
            dev.snapstore.store.RegionStats st = ((SnapstoreSubject) s).stats();
            if (st != null) {
                return st.faultLatencyNanos();
            }
        }
        return new long[0];
    }

    /**
     * Percentiles of the engine's own fault service time (from reading the fault message to the
     * resolving ioctl, power-of-two buckets: an upper bound within 2x) over this pass.
     */
    private void engineLatency(String state, long[] before, long[] after) {
        long[] d = new long[after.length];
        long total = 0;
        for (int i = 0; i < after.length; i++) {
            d[i] = after[i] - (i < before.length ? before[i] : 0);
            total += d[i];
        }
        if (total == 0) {
            return;
        }
        emit(state, "engine_faults_timed", total, "count");
        for (double[] q : new double[][] {{0.5, 50}, {0.99, 99}, {0.999, 999}}) {
            long rank = (long) Math.ceil(q[0] * total);
            long seen = 0;
            for (int i = 0; i < d.length; i++) {
                seen += d[i];
                if (seen >= rank) {
                    emit(state, "engine_fault_p" + (int) q[1] + "_us", (1L << (i + 1)) / 1e3, "us");
                    break;
                }
            }
        }
    }

    /**
     * The latency of real faults on warm content, from Java: after the warm pass the image is
     * reset (lazy modes) or mapped afresh (mmap); then random pages that /proc/self/pagemap says
     * are not present are touched one by one and timed, with the safepoint prober paused. Emitted
     * as fault4k_* (the page size the region uses may be larger: a HUGETLB fault maps 2 MiB).
     */
    private void probeWarmFaults(Subject s, Plan plan) throws IOException {
        if (s.addressOf(0) == 0 && !(s instanceof MmapSubject) || s instanceof EagerSubject) {
            return;
        }
        if (s.warmByReset()) {
            s.reset(plan);
        } else {
            s.close();
            s.open();
        }
        if (prober != null) {
            prober.pause(); // a safepoint landing on a sampled fault would be timed as part of it
        }
        try {
            probeFaults(s, plan);
        } finally {
            if (prober != null) {
                prober.resume();
            }
        }
    }

    private void probeFaults(Subject s, Plan plan) throws IOException {
        org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(3);
        java.nio.ByteBuffer entry = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long pages = plan.imageSize() / Os.PAGE;
        long[] order = Plan.pick(Math.min(pages, Integer.MAX_VALUE - 8), Math.min(pages, 200_000), 99);
        long sum = 0;
        try (FileChannel pm = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            for (long page : order) {
                if (h.getTotalCount() >= 2000) {
                    break;
                }
                long off = page * Os.PAGE;
                long va = s.addressOf(off);
                entry.clear();
                if (pm.read(entry, (va >>> 12) * 8) != 8) {
                    return;
                }
                if ((entry.getLong(0) & (1L << 63)) != 0) {
                    continue; // present: touching it would not fault
                }
                long t0 = System.nanoTime();
                sum += s.readLong(off);
                h.recordValue(System.nanoTime() - t0);
            }
        }
        if (h.getTotalCount() == 0) {
            return;
        }
        emit("warm", "fault4k_samples", h.getTotalCount(), "count");
        emit("warm", "fault4k_p50_us", h.getValueAtPercentile(50) / 1e3, "us");
        emit("warm", "fault4k_p99_us", h.getValueAtPercentile(99) / 1e3, "us");
        emit("warm", "fault4k_p999_us", h.getValueAtPercentile(99.9) / 1e3, "us");
        if (sum == 0x5EED) {
            System.err.print("");
        }
    }

    /** jmh-fork: iteration 0 (open + touch) is "cold"; iterations 1.. (reset + touch) are "warm", averaged. */
    private void fork(Subject s, Plan plan, Path snap, Path raw) throws IOException {
        Toucher toucher = new Toucher(plan.imageSize(), readAll);
        dropCaches(snap, raw);
        pass("cold", s, plan, false, toucher, true);
        int n = plan.iterations() - 1;
        double[] resetMs = new double[n];
        double[] allMs = new double[n];
        double[] ttfb = new double[n];
        org.HdrHistogram.Histogram faults = new org.HdrHistogram.Histogram(3);
        long cpu0 = Os.processCpuNanos();
        long wall0 = System.currentTimeMillis();
        Map<String, Double> before = s.counters();
        for (int i = 0; i < n; i++) {
            toucher.forget();
            Toucher.Times t = new Toucher.Times();
            long t0 = System.nanoTime();
            s.reset(plan);
            t.open = System.nanoTime() - t0;
            toucher.touch(s, plan, false, t0, t);
            resetMs[i] = t.open / 1e6;
            allMs[i] = t.all / 1e6;
            ttfb[i] = t.ttfb / 1e3;
            faults.add(t.faults);
        }
        long cpu1 = Os.processCpuNanos();
        window("warm", wall0, System.currentTimeMillis());
        double all = mean(allMs);
        emit("warm", "open_ms", mean(resetMs), "ms");
        emit("warm", "reset_ms", mean(resetMs), "ms");
        emit("warm", "ttfb_us", mean(ttfb), "us");
        emit("warm", "touch_all_ms", all, "ms");
        emit("warm", "touch_all_gbps", plan.touchBytes() / (all * 1e6), "GB/s");
        emit("warm", "iterations", n, "count");
        emit("warm", "faults_timed", faults.getTotalCount(), "count");
        emit("warm", "fault_p50_us", faults.getValueAtPercentile(50) / 1e3, "us");
        emit("warm", "fault_p99_us", faults.getValueAtPercentile(99) / 1e3, "us");
        emit("warm", "fault_p999_us", faults.getValueAtPercentile(99.9) / 1e3, "us");
        emit("warm", "fault_max_us", faults.getMaxValue() / 1e3, "us");
        emit("warm", "cpu_ms", (cpu1 - cpu0) / 1e6 / n, "ms");
        rss("warm");
        for (Map.Entry<String, Double> e : s.counters().entrySet()) {
            emit("warm", e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0), "count");
        }
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    /**
     * codec-raw: the codec library decompressing every stored chunk memory to memory on the same
     * threads, into memory already faulted in: the ceiling of any cold restore.
     */
    private void codecRaw(Path snap, int threads) throws Exception {
        ChunkIndex index;
        int shift;
        long size;
        try (Snapshot s = Snapshot.open(snap)) {
            index = s.index();
            shift = s.chunkShift();
            size = s.length();
        }
        long fileSize = Files.size(snap);
        long src = Os.mapAnonymous(fileSize, true);
        long dst = Os.mapAnonymous(Math.max(size, 1), true);
        try {
            try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
                for (long off = 0; off < fileSize; off += 1 << 30) {
                    int len = (int) Math.min(1 << 30, fileSize - off);
                    Safetensors.readFully(ch, Os.buffer(src + off, len), off);
                }
            }
            preTouch(dst, size);
            long t;
            long cpu0;
            long wall0;
            try (Workers workers = new Workers(threads)) {
                cpu0 = Os.processCpuNanos();
                wall0 = System.currentTimeMillis();
                long t0 = System.nanoTime();
                workers.run(index.count(), dec -> i -> dec.decodeFromMemory(src + index.offset(i), index, i, dst + ((long) i << shift)));
                t = System.nanoTime() - t0;
            }
            long cpu1 = Os.processCpuNanos();
            window("cold", wall0, System.currentTimeMillis());
            emit("cold", "touch_all_ms", t / 1e6, "ms");
            emit("cold", "touch_all_gbps", size / (double) t, "GB/s");
            emit("cold", "cpu_ms", (cpu1 - cpu0) / 1e6, "ms");
            rss("cold");
        } finally {
            Os.unmap(src, fileSize);
            Os.unmap(dst, Math.max(size, 1));
        }
    }

    /** memcpy: copying the image's size between two buffers already faulted in, on the same threads. */
    private void memcpy(long size, int threads) throws Exception {
        long src = Os.mapAnonymous(size, true);
        long dst = Os.mapAnonymous(size, true);
        try {
            preTouch(src, size);
            preTouch(dst, size);
            int block = 1 << 20;
            int blocks = (int) ((size + block - 1) / block);
            long t;
            long cpu0;
            long wall0;
            try (Workers workers = new Workers(threads)) {
                cpu0 = Os.processCpuNanos();
                wall0 = System.currentTimeMillis();
                long t0 = System.nanoTime();
                workers.run(blocks, dec -> i -> {
                    long o = (long) i * block;
                    Os.copy(src + o, dst + o, Math.min(block, size - o));
                });
                t = System.nanoTime() - t0;
            }
            long cpu1 = Os.processCpuNanos();
            window("warm", wall0, System.currentTimeMillis());
            emit("warm", "touch_all_ms", t / 1e6, "ms");
            emit("warm", "touch_all_gbps", size / (double) t, "GB/s");
            emit("warm", "cpu_ms", (cpu1 - cpu0) / 1e6, "ms");
            rss("warm");
        } finally {
            Os.unmap(src, size);
            Os.unmap(dst, size);
        }
    }

    private interface Work {
        void apply(int i) throws IOException;
    }

    private interface WorkFactory {
        Work make(ChunkDecoder dec);
    }

    /**
     * Workers started, with their decoders, before the clock starts: {@link #run} times only the
     * work. Not thread-safe; one run at a time.
     */
    private static final class Workers implements AutoCloseable {
        private final int threads;
        private final ExecutorService pool;
        private final ChunkDecoder[] decoders;

        Workers(int threads) throws Exception {
            this.threads = threads;
            this.pool = Executors.newFixedThreadPool(threads);
            this.decoders = new ChunkDecoder[threads];
            List<Future<?>> warm = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                decoders[t] = new ChunkDecoder();
                warm.add(pool.submit(() -> { }));
            }
            for (Future<?> f : warm) {
                f.get();
            }
        }

        void run(int count, WorkFactory factory) throws Exception {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ChunkDecoder dec = decoders[t];
                jobs.add(pool.submit(() -> {
                    Work w = factory.make(dec);
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        w.apply(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IOException(e.getCause());
                }
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
            for (ChunkDecoder d : decoders) {
                d.close();
            }
        }
    }

    private static void preTouch(long address, long size) {
        for (long o = 0; o < size; o += Os.PAGE) {
            Os.putLong(address + o, 0);
        }
    }

    /** Runs the touch loop on plain memory first so the measured passes run compiled code. */
    private static void warmUpJit(Plan real) throws IOException {
        long size = 64L << 20;
        Plan p = Plan.of(Scenario.FULL_SCAN, size, 2 << 20, null, 1);
        long address = Os.mapAnonymous(size, false);
        try {
            Subject mem = new Subject() {
                @Override public String system() { return "warm-up"; }
                @Override public String mode() { return "-"; }
                @Override public void open() { }
                @Override public long readLong(long offset) { return Os.getLong(address + offset); }
                @Override public void writeLong(long offset, long value) { Os.putLong(address + offset, value); }
                @Override public void reset(Plan plan) { }
                @Override public void close() { }
            };
            Toucher t = new Toucher(size);
            for (int i = 0; i < 20; i++) {
                t.forget();
                t.touch(mem, p, false, System.nanoTime(), new Toucher.Times());
            }
        } finally {
            Os.unmap(address, size);
        }
    }

    private void rss(String state) {
        Map<String, Long> r = Os.rss();
        if (r.containsKey("VmRSS")) {
            emit(state, "rss_bytes", r.get("VmRSS"), "bytes");
        }
        for (String k : new String[] {"RssAnon", "RssFile", "RssShmem"}) {
            if (r.containsKey(k)) {
                emit(state, "rss_" + k.substring(3).toLowerCase(Locale.ROOT) + "_bytes", r.get(k), "bytes");
            }
        }
        if (r.containsKey("Pss")) {
            emit(state, "pss_bytes", r.get("Pss"), "bytes");
        }
        long[] huge = Os.hugepagesInUse();
        if (huge != null && hugeAtStart != null) {
            emit(state, "hugetlb_bytes", huge[0] - hugeAtStart[0], "bytes");
            emit(state, "hugetlb_reserved_bytes", huge[1] - hugeAtStart[1], "bytes");
        }
    }

    private void emit(String state, String metric, double value, String unit) {
        out.add(state + "\t" + metric + "\t" + value + "\t" + unit);
    }

    private void window(String state, long startMillis, long endMillis) {
        out.add("window\t" + state + "\t" + startMillis + "\t" + endMillis);
    }

    /** Requests a global safepoint every few milliseconds and allocates a little, so the log shows how long threads take to stop. */
    static final class SafepointProber implements Runnable {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile boolean paused;

        private SafepointProber() {
            thread = new Thread(this, "safepoint-prober");
            thread.setDaemon(true);
        }

        static SafepointProber start() {
            SafepointProber p = new SafepointProber();
            p.thread.start();
            return p;
        }

        @Override
        public void run() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Object[] keep = new Object[16];
            int k = 0;
            while (running) {
                if (paused) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                mx.dumpAllThreads(false, false); // VM operation at a global safepoint
                keep[k++ & 15] = new byte[256 << 10]; // some garbage for the collector
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void pause() {
            paused = true;
            try {
                Thread.sleep(10); // let a dump in progress finish
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void resume() {
            paused = false;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5000);
        }
    }
}
