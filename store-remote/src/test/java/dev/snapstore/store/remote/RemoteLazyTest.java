package dev.snapstore.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * Lazy restore of a remote snapshot in every lazy mode: the resolvers (native threads) fetch the
 * chunks' byte ranges through libcurl from a real S3-compatible server (a pre-signed URL) or an
 * HTTP range server. The content is the local file's; a server that goes away mid-restore gives a
 * typed error naming the URI, never zeros, never a hang.
 */
class RemoteLazyTest {
    private static final Duration WATCHDOG = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static RemoteFixture fx;
    static S3Server s3;

    @BeforeAll
    static void start() throws Exception {
        fx = new RemoteFixture(dir);
        s3 = new S3Server();
        s3.put("lazy.snap", fx.snapshot);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    private static MapOptions options() {
        return MapOptions.builder().resolverThreads(2).build();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HUGETLB", "SHMEM", "ANONYMOUS"})
    void s3LazyRestoreIsTheLocalImage(Mode mode) {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            URI uri = URI.create("s3://" + S3Server.BUCKET + "/lazy.snap");
            try (Snapshot s = Snapshot.open(RemoteSources.open(uri, s3.options()), 1 << 20)) {
                int before = s3.gets.get();
                try (Region r = s.map(mode, options())) {
                    assertEquals(mode, r.mode());
                    assertEquals(before, s3.gets.get(), "mapping fetches nothing");
                    r.load(0, r.size());
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    assertEquals(0, r.stats().errors());
                }
                assertTrue(s3.gets.get() - before >= 2, "the resolvers fetched from the server");
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HUGETLB", "SHMEM", "ANONYMOUS"})
    void httpLazyRestoreIsTheLocalImageAndAStoppedServerIsATypedError(Mode mode) {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            RangeServer http = new RangeServer(fx.snapshot);
            try (Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20);
                 Region r = s.map(mode, options())) {
                int opened = http.requests.get();
                long half = r.size() / 4;
                r.load(0, half);
                assertTrue(http.requests.get() > opened, "the resolvers fetched the first quarter");
                http.stop();
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> r.load(0, r.size()));
                CorruptSnapshotException c = assertInstanceOf(CorruptSnapshotException.class, e.getCause());
                assertTrue(c.getMessage().startsWith(http.uri() + ": chunk "), c.getMessage());
                assertTrue(c.getMessage().contains("fetched"), c.getMessage());
                assertTrue(r.stats().errors() > 0);
            } finally {
                http.close();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"SHMEM", "ANONYMOUS"})
    void aSequentialLoadCoalescesNeighboursWhileRandomReadsFetchOnlyTheirChunks(Mode mode) {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot);
                 Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20)) {
                int chunks = s.chunkCount();
                assertTrue(chunks >= 64, "races hide below 64 chunks: " + chunks);
                try (Region r = s.map(mode, MapOptions.builder().resolverThreads(4).prefetch(dev.snapstore.store.Prefetch.NONE).build())) {
                    int before = http.requests.get();
                    int[] picks = {90, 10, 50, 30, 70};
                    java.nio.ByteBuffer w = java.nio.ByteBuffer.allocate(8);
                    for (int c : picks) {
                        r.read((long) c * RemoteFixture.CHUNK + 100, w.clear());
                        assertEquals(java.nio.ByteBuffer.wrap(fx.image, c * RemoteFixture.CHUNK + 100, 8).getLong(), w.getLong(0));
                    }
                    assertEquals(picks.length, http.requests.get() - before,
                            "a random read asks for its own chunk only (its neighbours were never asked for)");
                }
                try (Region r = s.map(mode, MapOptions.builder().resolverThreads(4).build())) {
                    int before = http.requests.get();
                    r.load(0, r.size());
                    int fetched = http.requests.get() - before;
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    assertEquals(0, r.stats().errors());
                    assertTrue(fetched >= 1 && fetched <= chunks / 4,
                            "a sequential load asks for runs of neighbours in one request each: " + fetched + " requests for " + chunks + " chunks");
                }
            }
        });
    }

    @org.junit.jupiter.api.Test
    void aRemoteRegionStartsMoreResolversThanCpusUnlessTold() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot);
                 Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20)) {
                int auto = Math.max(Runtime.getRuntime().availableProcessors(), MapOptions.REMOTE_RESOLVERS);
                try (Region r = s.map(Mode.SHMEM, MapOptions.defaults())) {
                    String backing = ((dev.snapstore.store.linux.LazyRegion) r).backing();
                    assertTrue(backing.contains(", " + auto + " native resolvers"), backing);
                    r.load(0, r.size());
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                }
                try (Region r = s.map(Mode.SHMEM, options())) {
                    String backing = ((dev.snapstore.store.linux.LazyRegion) r).backing();
                    assertTrue(backing.contains(", 2 native resolvers"), backing);
                }
            }
        });
        assertEquals(Runtime.getRuntime().availableProcessors(), MapOptions.defaults().resolverThreads(false));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"SHMEM", "ANONYMOUS"})
    void aWholeRestoreOverHttpIsTheLocalImage(Mode mode) {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot);
                 Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20);
                 Region r = s.map(mode, MapOptions.builder().resolverThreads(4).build())) {
                http.fault(RangeServer.Fault.STATUS_503, 3); // retried by the resolvers
                r.load(0, r.size());
                assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                assertEquals(0, r.stats().errors());
            }
        });
    }
}
