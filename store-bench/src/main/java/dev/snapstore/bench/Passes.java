package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.snapstore.tools.Latency;
import org.HdrHistogram.Histogram;

/**
 * The passes of one subject in a measuring JVM: a cold pass (page cache dropped, then open and
 * touch) and a warm one (reset, or close and open again), or for jmh-fork a cold pass followed by
 * reset-and-touch iterations averaged into "warm". {@code prober} may be null. Not thread-safe: one
 * measuring thread.
 */
record Passes(Measurements out, Plan plan, Path snap, Path raw, boolean readAll, SafepointProber prober) {

    /** The scenario's passes: jmh-fork iterations when the plan has several, else cold then warm. */
    void run(Subject s) throws IOException {
        if (plan.iterations() > 1) {
            fork(s);
        } else {
            coldThenWarm(s);
        }
    }

    /** Drops both files from the page cache and records what stayed resident. */
    private void dropCaches() {
        Os.dropFromPageCache(snap);
        Os.dropFromPageCache(raw);
        out.emit("cold", "cold_resident_snap", Os.residentFraction(snap), "fraction");
        out.emit("cold", "cold_resident_raw", Os.residentFraction(raw), "fraction");
    }

    private void coldThenWarm(Subject s) throws IOException {
        if (s instanceof SnapstoreSubject ss) {
            int n = ss.recordProfile(plan); // +profile: the working set, recorded before the cache is dropped
            if (n >= 0) {
                out.emit("cold", "profile_chunks", n, "count");
            }
        }
        boolean load = s.mode().endsWith("+load");
        Toucher toucher = new Toucher(plan.imageSize(), readAll);
        dropCaches();
        pass("cold", s, load, toucher, true);
        toucher.forget();
        if (s.warmByReset()) {
            pass("warm", s, load, toucher, false);
        } else {
            s.close();
            pass("warm", s, load, toucher, true);
        }
        if (plan.scenario() == Scenario.FULL_SCAN && !load && s.probesWarmFaults()) {
            new WarmFaultProbe(out, plan, prober).run(s);
        }
    }

    private void pass(String state, Subject s, boolean load, Toucher toucher, boolean open) throws IOException {
        Map<String, Double> before = s.counters();
        long[] bucketsBefore = open ? new long[0] : s.faultLatencyBuckets();
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
        boolean loadAll = s instanceof SnapstoreSubject ss && ss.loadsAll();
        if (loadAll) {
            long a = System.nanoTime();
            s.load(0, plan.imageSize());
            t.load = System.nanoTime() - a;
        }
        toucher.touch(s, plan, load, t0, t);
        long cpu1 = Os.processCpuNanos();
        out.window(state, wall0, System.currentTimeMillis());
        out.emitAll(state, Toucher.metrics(plan, t, load || loadAll));
        if (loadAll) {
            out.emit(state, "load_gbps", plan.imageSize() / (double) t.load, "GB/s");
            out.emit(state, "load_snapshot_gbps", Files.size(snap) / (double) t.load, "GB/s");
        }
        out.emit(state, "cpu_ms", (cpu1 - cpu0) / 1e6, "ms");
        out.memory(state);
        out.emitGrowth(state, open ? Map.of() : before, s.counters());
        if (open) {
            out.emitAll(state, s.openMetrics());
        }
        engineLatency(state, bucketsBefore, s.faultLatencyBuckets());
        Toucher.keep(toucher.sink());
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
        out.emit(state, "engine_faults_timed", total, "count");
        out.emitAll(state, Latency.microsOfBuckets("engine_fault", d), "us");
    }

    /** jmh-fork: iteration 0 (open + touch) is "cold"; iterations 1.. (reset + touch) are "warm", averaged. */
    private void fork(Subject s) throws IOException {
        Toucher toucher = new Toucher(plan.imageSize(), readAll);
        dropCaches();
        pass("cold", s, false, toucher, true);
        int n = plan.iterations() - 1;
        double resetMs = 0;
        double allMs = 0;
        double ttfbUs = 0;
        Histogram faults = Latency.newHistogram();
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
            resetMs += t.open / 1e6 / n;
            allMs += t.all / 1e6 / n;
            ttfbUs += t.ttfb / 1e3 / n;
            faults.add(t.faults);
        }
        long cpu1 = Os.processCpuNanos();
        out.window("warm", wall0, System.currentTimeMillis());
        out.emit("warm", "open_ms", resetMs, "ms");
        out.emit("warm", "reset_ms", resetMs, "ms");
        out.emit("warm", "ttfb_us", ttfbUs, "us");
        out.emit("warm", "touch_all_ms", allMs, "ms");
        out.emit("warm", "touch_all_gbps", plan.touchBytes() / (allMs * 1e6), "GB/s");
        out.emit("warm", "iterations", n, "count");
        out.emit("warm", "faults_timed", faults.getTotalCount(), "count");
        out.emitAll("warm", Latency.micros("fault", faults), "us");
        out.emit("warm", "fault_max_us", faults.getMaxValue() / 1e3, "us");
        out.emit("warm", "cpu_ms", (cpu1 - cpu0) / 1e6 / n, "ms");
        out.memory("warm");
        out.emitGrowth("warm", before, s.counters());
        Toucher.keep(toucher.sink());
    }
}
