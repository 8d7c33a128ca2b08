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
public final class SnapstoreSubject implements Subject {
    private final Path snap;
    private final Mode mode;
    private final MapOptions options;
    private final boolean useLoad;
    private Snapshot snapshot;
    private Region region;
    private long address;
    private long lastOpenNanos;
    private long lastMapNanos;

    public SnapstoreSubject(Path snap, Mode mode, MapOptions options, boolean useLoad) {
        this.snap = snap;
        this.mode = mode;
        this.options = options;
        this.useLoad = useLoad;
    }

    @Override
    public String system() {
        return "snapstore";
    }

    @Override
    public String mode() {
        return mode.name().toLowerCase(Locale.ROOT) + (useLoad ? "+load" : "");
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

    /** Time the last {@link #open} spent in {@code Snapshot.open} (reading and checking the index). */
    public long lastSnapshotOpenNanos() {
        return lastOpenNanos;
    }

    /** Time the last {@link #open} spent in {@code snapshot.map}. */
    public long lastMapNanos() {
        return lastMapNanos;
    }

    /** The engine's counters now, or null when closed. */
    public RegionStats stats() {
        return region == null ? null : region.stats();
    }

    public Region region() {
        return region;
    }

    @Override
    public long addressOf(long offset) {
        return address + offset;
    }

    @Override
    public long readLong(long offset) {
        return Os.getLong(address + offset);
    }

    @Override
    public void writeLong(long offset, long value) {
        Os.putLong(address + offset, value);
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
        }
        if (snapshot != null) {
            snapshot.close();
            snapshot = null;
        }
    }
}
