package dev.snapstore.store.remote;

import java.net.URI;
import java.nio.file.Path;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.linux.LazyRegion;

/**
 * A second process restoring a remote snapshot through the local tier: {@code URI TIER_DIR}; prints
 * {@code sha=HEX hits=N errors=N}. Run by {@link TierSecondProcessTest}.
 */
public final class TierChild {
    private TierChild() {
    }

    public static void main(String[] args) throws Exception {
        MapOptions o = MapOptions.builder().resolverThreads(2).chunkCache(Path.of(args[1]), 64L << 20).build();
        try (Snapshot s = Snapshot.open(RemoteSources.open(URI.create(args[0]), RemoteOptions.defaults()), 1 << 20);
             Region r = s.map(Mode.SHMEM, o)) {
            r.load(0, r.size());
            System.out.println("sha=" + RemoteFixture.sha256(r) + " hits=" + ((LazyRegion) r).chunkCacheHits()
                    + " errors=" + r.stats().errors());
        }
        System.exit(0);
    }
}
