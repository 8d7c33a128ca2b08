package dev.snapstore.store.jmh;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;

/**
 * The regions of this JVM's {@link SnapshotState}s, for {@link SnapstoreProfiler}: each with its
 * counters at the profiler's previous look. A region closed at the trial's end stays, with its final
 * counters, until the profiler has seen them once. Thread-safe.
 */
final class Regions {
    /** A region and its counters when the profiler last looked (zeros before the first look). */
    static final class Tracked {
        final Region region;
        RegionStats seen;
        RegionStats last; // final counters once closed, else null

        Tracked(Region region) {
            this.region = region;
            this.seen = RegionStats.empty(region.mode());
        }

        RegionStats now() {
            return last != null ? last : region.stats();
        }
    }

    private static final Map<Region, Tracked> OPEN = new IdentityHashMap<>();

    private Regions() {
    }

    static synchronized void opened(Region r) {
        OPEN.put(r, new Tracked(r));
    }

    static synchronized void closing(Region r) {
        Tracked t = OPEN.get(r);
        if (t != null) {
            t.last = r.stats();
        }
    }

    /** The tracked regions; the closed ones are dropped from the registry (this is their last look). */
    static synchronized List<Tracked> look() {
        List<Tracked> all = new ArrayList<>(OPEN.values());
        OPEN.values().removeIf(t -> t.last != null);
        return all;
    }
}
