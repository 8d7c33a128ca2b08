package dev.snapstore.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.linux.LazyRegion;

/** The local tier: a second restore on the host fetches nothing; a damaged file is fetched again. */
class ChunkTierTest {
    @TempDir
    static Path dir;
    static RemoteFixture fx;

    @BeforeAll
    static void fixture() throws Exception {
        fx = new RemoteFixture(dir);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HUGETLB", "SHMEM", "ANONYMOUS"})
    void aSecondRestoreIsServedFromTheTier(Mode mode) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Path tier = dir.resolve("tier-" + mode);
            MapOptions o = MapOptions.builder().resolverThreads(2).chunkCache(tier, 64L << 20).build();
            try (RangeServer http = new RangeServer(fx.snapshot)) {
                try (Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20);
                     Region r = s.map(mode, o)) {
                    r.load(0, r.size());
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    assertEquals(0, ((LazyRegion) r).chunkCacheHits());
                }
                List<Path> files;
                try (Stream<Path> w = Files.walk(tier)) {
                    files = w.filter(Files::isRegularFile).toList();
                }
                assertTrue(files.size() >= 64, "one file per fetched payload: " + files.size());

                // a second restore (as a second process would): every payload from the tier
                int before = http.requests.get();
                try (Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20);
                     Region r = s.map(mode, o)) {
                    int opened = http.requests.get();
                    r.load(0, r.size());
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    assertEquals(opened, http.requests.get(), "no fetch on the second restore");
                    assertEquals(files.size(), ((LazyRegion) r).chunkCacheHits());
                }
                assertTrue(http.requests.get() - before <= 3, "only the open's requests");

                // a damaged file is noticed (CRC32C) and its range fetched again, never served
                Path victim = files.get(files.size() / 2);
                byte[] b = Files.readAllBytes(victim);
                b[b.length - 1] ^= 0x5a;
                Files.write(victim, b);
                try (Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20);
                     Region r = s.map(mode, o)) {
                    int opened = http.requests.get();
                    r.load(0, r.size());
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    assertEquals(1, http.requests.get() - opened, "the damaged payload only");
                    assertEquals(0, r.stats().errors());
                }
            }
        });
    }
}
