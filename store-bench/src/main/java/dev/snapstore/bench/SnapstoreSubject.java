package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;

/**
 * snapstore itself: {@code Snapshot.open} + {@code map(mode)}; touches go straight to the region's memory.
 * Not thread-safe (the region it holds is).
 */
public final class SnapstoreSubject extends NamedSubject {
    private final Path snap;
    private final Mode mode;
    private final MapOptions options;
    private final boolean useLoad;
    private Snapshot snapshot;
    private Region region;
    private long lastOpenNanos;
    private long lastMapNanos;

    public SnapstoreSubject(Path snap, Mode mode, MapOptions options, boolean useLoad) {
        super("snapstore", mode.name().toLowerCase(Locale.ROOT) + (useLoad ? "+load" : ""));
        this.snap = snap;
        this.mode = mode;
        this.options = options;
        this.useLoad = useLoad;
    }

    /** Maps one lazy region (the first mode this machine offers) so the engine's library is loaded. */
    @Override
    public void warmUpLibraries() throws IOException {
        try (Snapshot s = Snapshot.open(snap)) {
            for (Mode m : new Mode[] {Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS}) {
                try (Region r = s.map(m, MapOptions.builder().resolverThreads(1).build())) {
                    r.stats();
                    return; // one lazy region is enough to load the engine
                } catch (RuntimeException e) {
                    // mode unavailable: try the next; EAGER needs no engine
                }
            }
        }
    }

    @Override
    public void open() throws IOException {
        long t0 = System.nanoTime();
        snapshot = Snapshot.open(snap);
        long t1 = System.nanoTime();
        try {
            region = snapshot.map(mode, options);
            lastOpenNanos = t1 - t0;
            lastMapNanos = System.nanoTime() - t1;
        } catch (IOException | RuntimeException e) {
            snapshot.close();
            snapshot = null;
            throw e;
        }
        address = region.address();
    }

    /** The time the last {@link #open} spent in {@code Snapshot.open} (reading and checking the index) and in {@code map}. */
    @Override
    public Map<String, Object[]> openMetrics() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("snapshot_open_ms", new Object[] {lastOpenNanos / 1e6, "ms"});
        m.put("map_us", new Object[] {lastMapNanos / 1e3, "us"});
        return m;
    }

    @Override
    public long[] faultLatencyBuckets() {
        return region == null ? new long[0] : region.stats().faultLatencyNanos();
    }

    @Override
    public boolean probesWarmFaults() {
        return true;
    }

    /** The engine's counters now, or null when closed. */
    public RegionStats stats() {
        return region == null ? null : region.stats();
    }

    public Region region() {
        return region;
    }

    @Override
    public void load(long offset, long length) {
        if (useLoad) {
            region.load(offset, length);
        }
    }

    @Override
    public boolean warmByReset() {
        return mode.isLazy();
    }

    @Override
    public void reset(Plan plan) {
        region.reset();
    }

    @Override
    public Map<String, Double> counters() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (region == null) {
            return m;
        }
        RegionStats s = region.stats();
        m.put("engine_minor_faults", (double) s.minorFaults());
        m.put("engine_missing_faults", (double) s.missingFaults());
        m.put("engine_zero_faults", (double) s.zeroFaults());
        m.put("engine_chunks_decompressed", (double) s.chunksDecompressed());
        m.put("engine_errors", (double) s.errors());
        return m;
    }

    @Override
    public void close() {
        if (region != null) {
            region.close();
            region = null;
            address = 0;
        }
        if (snapshot != null) {
            snapshot.close();
            snapshot = null;
        }
    }
}
