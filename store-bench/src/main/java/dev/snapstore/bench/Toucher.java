package dev.snapstore.bench;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.snapstore.tools.Latency;
import org.HdrHistogram.Histogram;

/**
 * Replays a {@link Plan} against a {@link Subject} and times it: when the first byte arrived,
 * when 1%, 10% and all of the touches were done, and how long first touches of pages took
 * (HdrHistogram, nanoseconds, timed from Java around the access, for a hash-chosen one in
 * {@value #SAMPLE} of the pages, see {@link #sampled}). Later touches of a page already touched
 * in this pass are not timed individually.
 *
 * <p>Not thread-safe.
 */
final class Toucher {
    private final long[] seen;
    private long sink;

    /** Times of one pass, in nanoseconds since its start (before open/reset). */
    static final class Times {
        long open = -1;
        long ttfb = -1;
        long t1 = -1;
        long t10 = -1;
        long all = -1;
        long load;
        final Histogram faults = Latency.newHistogram();
    }

    private final boolean readAll;

    Toucher(long imageSize) {
        this(imageSize, false);
    }

    /**
     * @param readAll also read every other 8-byte word of each touched page (untimed), as an
     *                application consuming the data would; the default reads one word per page
     */
    Toucher(long imageSize, boolean readAll) {
        this.seen = new long[(int) ((imageSize / Os.PAGE + 64) / 64)];
        this.readAll = readAll;
    }

    /** Forgets which pages were touched (a new pass starts from nothing). */
    void forget() {
        Arrays.fill(seen, 0);
    }

    /**
     * Touches every segment of {@code plan}; {@code t0} is the pass's start ({@link System#nanoTime}
     * before open or reset), {@code times.open} must already be set.
     */
    void touch(Subject s, Plan plan, boolean load, long t0, Times times) {
        long ops = plan.touchOps();
        long m1 = Math.max(1, (long) Math.ceil(ops * 0.01));
        long m10 = Math.max(1, (long) Math.ceil(ops * 0.10));
        long size = plan.imageSize();
        boolean write = plan.write();
        long done = 0;
        long acc = 0;
        Histogram hist = times.faults;
        for (int seg = 0; seg < plan.segments(); seg++) {
            long off = plan.offset(seg);
            long end = off + plan.length(seg);
            if (load) {
                long a = System.nanoTime();
                s.load(off, plan.length(seg));
                times.load += System.nanoTime() - a;
            }
            for (long a = off & ~7L; a < end; a = (a & ~(long) (Os.PAGE - 1)) + Os.PAGE) {
                long at = a + 8 <= size ? a : size - 8;
                long page = at >>> 12;
                int word = (int) (page >>> 6);
                long bit = 1L << page;
                if ((seen[word] & bit) == 0 && (times.ttfb < 0 || sampled(page))) {
                    seen[word] |= bit;
                    long ts = System.nanoTime();
                    long v = s.readLong(at);
                    if (write) {
                        s.writeLong(at, v + 1);
                    }
                    long te = System.nanoTime();
                    if (sampled(page)) {
                        hist.recordValue(te - ts);
                    }
                    acc += v;
                    if (times.ttfb < 0) {
                        times.ttfb = te - t0;
                    }
                } else {
                    seen[word] |= bit;
                    long v = s.readLong(at);
                    if (write) {
                        s.writeLong(at, v + 1);
                    }
                    acc += v;
                }
                if (readAll) {
                    long stop = Math.min(end, (at & ~(long) (Os.PAGE - 1)) + Os.PAGE);
                    for (long w = at + 8; w + 8 <= stop; w += 8) {
                        acc += s.readLong(w);
                    }
                }
                done++;
                if (done == m1) {
                    times.t1 = System.nanoTime() - t0;
                }
                if (done == m10) {
                    times.t10 = System.nanoTime() - t0;
                }
            }
        }
        times.all = System.nanoTime() - t0;
        sink += acc;
    }

    /**
     * Whether the first touch of {@code page} is timed: one page in {@value #SAMPLE} chosen by a
     * hash of its number, so the sample does not line up with chunk or hugepage boundaries.
     * (System.nanoTime costs ~50 ns on this kind of VM; timing every page would add ~30 ms per
     * GiB and flatten the warm results.)
     */
    static boolean sampled(long page) {
        return (page * 0x9E3779B97F4A7C15L) >>> 60 == 0;
    }

    /** One first touch in this many is timed individually. */
    static final int SAMPLE = 16;

    /** Keeps the JIT from dropping the reads. */
    long sink() {
        return sink;
    }

    /** The metrics of one pass as name → {value, unit}. */
    static Map<String, Object[]> metrics(Plan plan, Times t, boolean withLoad) {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("open_ms", new Object[] {t.open / 1e6, "ms"});
        m.put("ttfb_us", new Object[] {t.ttfb / 1e3, "us"});
        m.put("touch_1pct_ms", new Object[] {t.t1 / 1e6, "ms"});
        m.put("touch_10pct_ms", new Object[] {t.t10 / 1e6, "ms"});
        m.put("touch_all_ms", new Object[] {t.all / 1e6, "ms"});
        m.put("touch_all_gbps", new Object[] {plan.touchBytes() / (double) t.all, "GB/s"});
        Histogram h = t.faults;
        m.put("faults_timed", new Object[] {(double) h.getTotalCount(), "count"});
        Latency.micros("fault", h).forEach((k, v) -> m.put(k, new Object[] {v, "us"}));
        m.put("fault_max_us", new Object[] {h.getMaxValue() / 1e3, "us"});
        if (withLoad) {
            m.put("load_ms", new Object[] {t.load / 1e6, "ms"});
        }
        return m;
    }

    /** Uses a sum of reads so the JIT keeps every read that produced it. */
    static void keep(long sum) {
        if (sum == 0x5EED) {
            System.err.print("");
        }
    }

    /** Runs the touch loop on plain memory first so the measured passes run compiled code. */
    static void warmUpJit() throws IOException {
        long size = 64L << 20;
        Plan p = Plan.of(Scenario.FULL_SCAN, size, 2 << 20, null, 1);
        long address = Os.mapAnonymous(size, false);
        try {
            NamedSubject mem = new NamedSubject("warm-up", "-") {
                @Override public void open() { }
                @Override public void reset(Plan plan) { }
                @Override public void close() { }
            };
            mem.address = address;
            Toucher t = new Toucher(size);
            for (int i = 0; i < 20; i++) {
                t.forget();
                t.touch(mem, p, false, System.nanoTime(), new Times());
            }
            keep(t.sink());
        } finally {
            Os.unmap(address, size);
        }
    }
}
