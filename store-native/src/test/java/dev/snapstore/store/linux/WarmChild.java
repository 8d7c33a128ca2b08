package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;

/**
 * A second process for {@link WarmCacheTest}: maps a snapshot with a warm cache and reports what
 * its faults were. Usage: {@code WarmChild SNAP DIR MODE rw|ro sha|slow}. With {@code sha} it
 * reads the whole region and prints one line of counters; with {@code slow} it prints "filling"
 * and touches one chunk every few milliseconds until it is killed.
 */
public final class WarmChild {
    private WarmChild() {
    }

    public static void main(String[] args) throws Exception {
        Path snap = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        Mode mode = Mode.valueOf(args[2]);
        boolean writable = args[3].equals("rw");
        MapOptions options = MapOptions.builder().writable(writable).warmCache(dir).resolverThreads(2).build();
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, options)) {
            if (args[4].equals("slow")) {
                System.out.println("filling");
                System.out.flush();
                ByteBuffer view = r.slice(0, (int) r.size());
                for (long off = 0; off < r.size(); off += s.chunkSize()) {
                    view.get((int) off);
                    Thread.sleep(3);
                }
                System.out.println("filled all");
                return;
            }
            String sha = NativeTestSupport.sha256(r);
            RegionStats st = r.stats();
            System.out.println("sha=" + sha + " minor=" + st.minorFaults() + " missing=" + st.missingFaults()
                    + " zero=" + st.zeroFaults() + " decompressed=" + st.chunksDecompressed()
                    + " revalidations=" + st.revalidations() + " errors=" + st.errors()
                    + " warmAtOpen=" + ((LazyRegion) r).warmValidChunksAtOpen());
        }
    }
}
