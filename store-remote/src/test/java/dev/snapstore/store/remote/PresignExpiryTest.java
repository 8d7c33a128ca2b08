package dev.snapstore.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.source.RangeSource;

/**
 * Pre-signed URLs that expire while a lazy region is restoring: S3Proxy enforces X-Amz-Expires
 * (it answers 403 "Request has expired" once X-Amz-Date + X-Amz-Expires has passed), so a 2-second
 * validity expires for real here. With renewal the restore goes on past the validity; without it
 * the first fetch after the expiry is a typed error naming the URI and the cause, at once (a 403 is
 * not retried): never zeros, never a hang.
 */
class PresignExpiryTest {
    private static final Duration WATCHDOG = Duration.ofSeconds(60);
    private static final Duration VALIDITY = Duration.ofSeconds(2);
    /**
     * The renewed region's validity: X-Amz-Date is whole seconds, so a URL may work up to a second
     * less than asked, and renewal comes at three quarters of it: 8 s leaves a second to spare.
     */
    private static final Duration RENEWED_VALIDITY = Duration.ofSeconds(8);

    @TempDir
    static Path dir;
    static RemoteFixture fx;
    static S3Server s3;
    static final URI URI_ = URI.create("s3://" + S3Server.BUCKET + "/expiry.snap");

    @BeforeAll
    static void start() throws Exception {
        fx = new RemoteFixture(dir);
        s3 = new S3Server();
        s3.put("expiry.snap", fx.snapshot);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    private static MapOptions options() {
        return MapOptions.builder().resolverThreads(2).prefetch(dev.snapstore.store.Prefetch.NONE).build();
    }

    @Test
    void renewalKeepsARestoreWorkingPastTheValidity() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeSource src = RemoteSources.open(URI_, s3.options().withPresignValidity(RENEWED_VALIDITY));
                 Snapshot s = Snapshot.open(src, 1 << 20)) {
                RangeSource.EngineUrl first = src.engineUrl();
                try (Region r = s.map(Mode.SHMEM, options())) {
                    long half = r.size() / 2;
                    r.load(0, half);
                    Thread.sleep(RENEWED_VALIDITY.toMillis() + 2_000); // past the validity, whatever X-Amz-Date was rounded to
                    assertEquals(403, status(first.url()), "a URL of the region's validity has expired by now");
                    int before = s3.gets.get();
                    r.load(half, r.size() - half);
                    assertTrue(s3.gets.get() > before, "the second half was fetched after the expiry");
                    assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    assertEquals(0, r.stats().errors());
                }
            }
        });
    }

    @Test
    void anExpiredUrlWithoutRenewalIsATypedErrorNotZerosNorAHang() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (NoRenewal src = new NoRenewal(RemoteSources.open(URI_, s3.options().withPresignValidity(VALIDITY)));
                 Snapshot s = Snapshot.open(src, 1 << 20);
                 Region r = s.map(Mode.SHMEM, options())) {
                ByteBuffer w = ByteBuffer.allocate(8);
                r.read(100, w);
                assertEquals(ByteBuffer.wrap(fx.image, 100, 8).getLong(), w.getLong(0), "fetched while the URL was valid");
                Thread.sleep(VALIDITY.toMillis() + 2_000);
                long at = 50L * RemoteFixture.CHUNK + 8;
                IOException e = assertThrows(IOException.class, () -> r.read(at, ByteBuffer.allocate(8)));
                CorruptSnapshotException c = e instanceof CorruptSnapshotException cs ? cs
                        : assertInstanceOf(CorruptSnapshotException.class, e.getCause(), e.toString());
                assertTrue(c.getMessage().startsWith(URI_ + ": chunk "), c.getMessage());
                assertTrue(c.getMessage().contains("EACCES") && c.getMessage().contains("expired pre-signed URL"), c.getMessage());
                assertTrue(r.stats().errors() > 0);
                UncheckedIOException whole = assertThrows(UncheckedIOException.class, () -> r.load(0, r.size()));
                assertInstanceOf(CorruptSnapshotException.class, whole.getCause());
            }
        });
    }

    private static int status(String url) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=0-0").build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** An S3 source whose engine URL claims never to expire, so the region schedules no renewal. */
    private static final class NoRenewal implements RangeSource {
        private final RangeSource s3;

        NoRenewal(RangeSource s3) {
            this.s3 = s3;
        }

        @Override
        public URI uri() {
            return s3.uri();
        }

        @Override
        public long size() throws IOException {
            return s3.size();
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            s3.read(position, dst);
        }

        @Override
        public ByteBuffer readTail(int length) throws IOException {
            return s3.readTail(length);
        }

        @Override
        public EngineUrl engineUrl() throws IOException {
            return new EngineUrl(s3.engineUrl().url(), Long.MAX_VALUE);
        }

        @Override
        public void close() throws IOException {
            s3.close();
        }
    }
}
