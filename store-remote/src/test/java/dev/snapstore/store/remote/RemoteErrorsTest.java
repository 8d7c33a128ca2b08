package dev.snapstore.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Mode;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.source.RemoteSourceException;
import dev.snapstore.store.source.RemoteSourceException.Kind;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What a misbehaving server gives: typed errors naming the URI, or transparent retries; never
 * zeros, never a hang (every test runs under a watchdog).
 */
class RemoteErrorsTest {
    private static final Duration WATCHDOG = Duration.ofSeconds(30);
    /** Short time-outs and back-off so the failures come fast. */
    private static final RemoteOptions FAST = RemoteOptions.defaults()
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)).withRetries(3, Duration.ofMillis(10));

    @TempDir
    static Path dir;
    static RemoteFixture fx;

    @BeforeAll
    static void fixture() throws Exception {
        fx = new RemoteFixture(dir);
    }

    private static Snapshot open(RangeServer http) throws Exception {
        return Snapshot.open(RemoteSources.open(http.uri(), FAST), 1 << 20);
    }

    @Test
    void serverStoppedAfterOpenIsUnreachableNamingTheUri() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            RangeServer http = new RangeServer(fx.snapshot);
            try (Snapshot s = open(http)) {
                http.stop();
                RemoteSourceException e = assertThrows(RemoteSourceException.class, () -> s.readFully(0, ByteBuffer.allocate(100)));
                assertEquals(Kind.UNREACHABLE, e.kind());
                assertTrue(e.getMessage().startsWith(http.uri() + ": "), e.getMessage());
                assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
                assertThrows(RemoteSourceException.class, () -> s.map(Mode.EAGER).close());
            }
        });
    }

    @Test
    void transient5xxIsRetriedTransparently() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot); Snapshot s = open(http)) {
                int before = http.requests.get();
                http.fault(RangeServer.Fault.STATUS_503, 2);
                ByteBuffer b = ByteBuffer.allocate(70_000);
                s.readFully(5_000, b);
                assertEquals(ByteBuffer.wrap(fx.image, 5_000, 70_000), b.flip());
                assertTrue(http.requests.get() - before >= 3, "two 503s then the answer");
            }
        });
    }

    @Test
    void persistent5xxIsATypedServerError() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot); Snapshot s = open(http)) {
                http.fault(RangeServer.Fault.STATUS_503, -1);
                RemoteSourceException e = assertThrows(RemoteSourceException.class, () -> s.readFully(0, ByteBuffer.allocate(100)));
                assertEquals(Kind.SERVER_ERROR, e.kind());
                assertTrue(e.getMessage().contains("503"), e.getMessage());
            }
        });
    }

    @Test
    void truncatedBodyIsRetriedThenTyped() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot); Snapshot s = open(http)) {
                http.fault(RangeServer.Fault.TRUNCATE, 1);
                ByteBuffer b = ByteBuffer.allocate(70_000);
                s.readFully(0, b); // one cut-short body, then a whole one
                assertEquals(ByteBuffer.wrap(fx.image, 0, 70_000), b.flip());
                http.fault(RangeServer.Fault.TRUNCATE, -1);
                RemoteSourceException e = assertThrows(RemoteSourceException.class,
                        () -> s.readFully(2_000_000, ByteBuffer.allocate(100_000)));
                assertEquals(Kind.BAD_RESPONSE, e.kind());
                assertTrue(e.getMessage().contains("cut short"), e.getMessage());
            }
        });
    }

    @Test
    void wrongContentRangeIsRefused() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot); Snapshot s = open(http)) {
                http.fault(RangeServer.Fault.WRONG_RANGE, -1);
                RemoteSourceException e = assertThrows(RemoteSourceException.class, () -> s.readFully(0, ByteBuffer.allocate(100)));
                assertEquals(Kind.BAD_RESPONSE, e.kind());
                assertTrue(e.getMessage().contains("the server sent Content-Range"), e.getMessage());
            }
        });
    }

    @Test
    void aStalledServerTimesOut() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (RangeServer http = new RangeServer(fx.snapshot); Snapshot s = open(http)) {
                http.fault(RangeServer.Fault.STALL, -1);
                RemoteSourceException e = assertThrows(RemoteSourceException.class, () -> s.readFully(0, ByteBuffer.allocate(100)));
                assertEquals(Kind.UNREACHABLE, e.kind());
            }
        });
    }

    @Test
    void s3BadCredentialsAndMissingKeysAreClear() {
        assertTimeoutPreemptively(WATCHDOG, () -> {
            try (S3Server s3 = new S3Server()) {
                s3.put("image.snap", fx.snapshot);
                URI uri = URI.create("s3://" + S3Server.BUCKET + "/image.snap");
                RemoteOptions wrong = s3.options().withCredentials(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS, "not-the-secret")));
                RemoteSourceException e = assertThrows(RemoteSourceException.class,
                        () -> Snapshot.open(RemoteSources.open(uri, wrong), 1 << 20));
                assertEquals(Kind.ACCESS_DENIED, e.kind());
                assertTrue(e.getMessage().startsWith(uri + ": "), e.getMessage());
                assertTrue(e.getMessage().contains("credentials"), e.getMessage());

                URI missing = URI.create("s3://" + S3Server.BUCKET + "/nope.snap");
                e = assertThrows(RemoteSourceException.class, () -> Snapshot.open(RemoteSources.open(missing, s3.options()), 1 << 20));
                assertEquals(Kind.NOT_FOUND, e.kind());

                try (Snapshot s = Snapshot.open(RemoteSources.open(uri, s3.options().withRetries(2, Duration.ofMillis(10))), 1 << 20)) {
                    s3.stop();
                    e = assertThrows(RemoteSourceException.class, () -> s.readFully(0, ByteBuffer.allocate(100)));
                    assertEquals(Kind.UNREACHABLE, e.kind());
                    assertTrue(e.getMessage().startsWith(uri + ": "), e.getMessage());
                }
            }
        });
    }
}
