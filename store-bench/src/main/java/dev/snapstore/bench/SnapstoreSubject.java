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
    private final String variant;
    private Snapshot snapshot;
    private Region region;
    private long lastOpenNanos;
    private long lastMapNanos;

    public SnapstoreSubject(Path snap, Mode mode, MapOptions options, boolean useLoad) {
        this(snap, mode, options, useLoad ? "+load" : "");
    }

    /** {@code variant}: "", "+load", "+loadall" or "+profile" (see {@link Subject#create}). */
    SnapstoreSubject(Path snap, Mode mode, MapOptions options, String variant) {
        super("snapstore", mode.name().toLowerCase(Locale.ROOT) + variant);
        this.snap = snap;
        this.mode = mode;
        this.options = options;
        this.variant = variant;
        this.useLoad = variant.equals("+load") || variant.equals("+loadall");
    }

    /** The +loadall variant: one {@link Region#load} of the whole region before the touch. */
    boolean loadsAll() {
        return variant.equals("+loadall");
    }

    /**
     * The +profile variant, before any measured pass: maps the snapshot recording its working set,
     * touches the plan's segments in order (one byte per 4 KiB page, as the toucher does), and saves
     * the profile as the snapshot's sidecar, for the measured maps to replay. A no-op otherwise.
     *
     * @return the profile's length in chunks, or -1 when nothing was recorded
     */
    int recordProfile(Plan plan) throws IOException {
        if (!variant.equals("+profile")) {
            return -1;
        }
        MapOptions record = options.toBuilder().prefetch(dev.snapstore.store.Prefetch.NONE).recordProfile(true).build();
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, record)) {
            long acc = 0;
            for (int seg = 0; seg < plan.segments(); seg++) {
                long off = plan.offset(seg);
                long len = plan.length(seg);
                for (long at = 0; at < len; at += 1L << 30) {
                    java.nio.ByteBuffer b = r.slice(off + at, (int) Math.min(1L << 30, len - at));
                    for (int i = 0; i < b.limit(); i += Os.PAGE) {
                        acc += b.get(i);
                    }
                }
            }
            Toucher.keep(acc);
            int n = r.recordedProfile().length;
            r.recordProfile();
            return n;
        }
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

    /** The +loadall variant reopens for its warm pass: a full load() from the page-cached snapshot, not a reset. */
    @Override
    public boolean warmByReset() {
        return mode.isLazy() && !loadsAll();
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
        if (region instanceof dev.snapstore.store.linux.LazyRegion lr) {
            m.put("engine_replayed_units", (double) lr.replayedUnits());
            m.put("engine_prefetched_units", (double) lr.prefetchedUnits());
        }
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
