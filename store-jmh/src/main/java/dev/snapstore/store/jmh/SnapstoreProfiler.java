package dev.snapstore.store.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import dev.snapstore.store.RegionStats;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler reporting, per iteration, what the regions of the benchmark's {@link SnapshotState}s
 * did: {@code snapstore.faults}, {@code snapstore.chunks.decompressed},
 * {@code snapstore.bytes.decompressed}, {@code snapstore.errors}, and for regions with a memory budget
 * {@code snapstore.evictions}, {@code snapstore.refills} and {@code snapstore.resident.bytes} (at the
 * iteration's end). Counts are the iteration's own (differences of the region's counters), summed over
 * the regions and iterations; the resident bytes are averaged.
 *
 * <p>Use: {@code -prof dev.snapstore.store.jmh.SnapstoreProfiler}, or
 * {@code OptionsBuilder.addProfiler(SnapstoreProfiler.class)}. It reads the counters the engine keeps
 * anyway: no cost on the measured path. Iteration zero of a fork includes the trial's map.
 */
public final class SnapstoreProfiler implements InternalProfiler {

    @Override
    public String getDescription() {
        return "snapstore region counters: faults, chunks and bytes decompressed, errors, evictions, resident bytes";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        // the baselines are the counters at the previous iteration's end (zeros for a fresh region)
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long faults = 0;
        long chunks = 0;
        long bytes = 0;
        long errors = 0;
        long evictions = 0;
        long refills = 0;
        long resident = 0;
        boolean budgeted = false;
        List<Regions.Tracked> regions = Regions.look();
        for (Regions.Tracked t : regions) {
            RegionStats now = t.now();
            RegionStats was = t.seen;
            faults += now.faults() - was.faults();
            chunks += now.chunksDecompressed() - was.chunksDecompressed();
            bytes += now.bytesDecompressed() - was.bytesDecompressed();
            errors += now.errors() - was.errors();
            if (now.budgetBytes() > 0) {
                budgeted = true;
                evictions += now.evictions() - was.evictions();
                refills += now.refills() - was.refills();
                resident += now.residentBytes();
            }
            t.seen = now;
        }
        List<Result> out = new ArrayList<>();
        if (regions.isEmpty()) {
            return out;
        }
        out.add(new ScalarResult("snapstore.faults", faults, "#", AggregationPolicy.SUM));
        out.add(new ScalarResult("snapstore.chunks.decompressed", chunks, "#", AggregationPolicy.SUM));
        out.add(new ScalarResult("snapstore.bytes.decompressed", bytes, "B", AggregationPolicy.SUM));
        out.add(new ScalarResult("snapstore.errors", errors, "#", AggregationPolicy.SUM));
        if (budgeted) {
            out.add(new ScalarResult("snapstore.evictions", evictions, "#", AggregationPolicy.SUM));
            out.add(new ScalarResult("snapstore.refills", refills, "#", AggregationPolicy.SUM));
            out.add(new ScalarResult("snapstore.resident.bytes", resident, "B", AggregationPolicy.AVG));
        }
        return out;
    }
}
