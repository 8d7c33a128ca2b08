package dev.snapstore.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.TestData;
import dev.snapstore.store.source.RemoteSourceException;

/** pack → multipart upload to a real S3-compatible server → open and restore: the same bytes. */
class S3UploadTest {
    @TempDir
    Path dir;

    @Test
    void packUploadsInPartsAndRestoresByteForByte() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            // 24 chunks of 256 KiB stored as they are (no codec time): a 6 MiB snapshot, two 5 MiB parts
            byte[] image = TestData.mixed(24 * (256 << 10), 7);
            Path raw = dir.resolve("image.bin");
            Files.write(raw, image);
            Path local = dir.resolve("local.snap");
            SnapshotWriter w = SnapshotWriter.builder().codec(Codec.NONE).chunkSize(256 << 10).threads(2).build();
            w.write(raw, local);
            try (S3Server s3 = new S3Server()) {
                URI uri = URI.create("s3://" + S3Server.BUCKET + "/up/image.snap");
                AtomicLong sent = new AtomicLong();
                SnapshotWriter.WriteResult r;
                try (S3MultipartOutput out = S3MultipartOutput.create(uri, s3.options(), S3MultipartOutput.MIN_PART, sent::set)) {
                    r = w.write(raw, out);
                }
                assertTrue(Files.size(local) > S3MultipartOutput.MIN_PART, "at least two parts (the first held back for the header): " + Files.size(local));
                assertEquals(Files.size(local), sent.get(), "every byte uploaded once");
                try (Snapshot remote = Snapshot.open(RemoteSources.open(uri, s3.options()), 16 << 20);
                     Snapshot l = Snapshot.open(local)) {
                    assertEquals(l.digest(), remote.digest());
                    assertEquals(r.digest(), remote.digest());
                    try (Region region = remote.map(Mode.EAGER)) {
                        assertEquals(RemoteFixture.sha256(java.nio.ByteBuffer.wrap(image)), RemoteFixture.sha256(region));
                    }
                }
            }
        });
    }

    @Test
    void aFailedPackLeavesNoObject() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (S3Server s3 = new S3Server()) {
                URI uri = URI.create("s3://" + S3Server.BUCKET + "/up/failed.snap");
                Path missing = dir.resolve("does-not-exist.bin");
                try (S3MultipartOutput out = S3MultipartOutput.create(uri, s3.options(), b -> { })) {
                    assertThrows(IOException.class, () -> SnapshotWriter.builder().build().write(missing, out));
                }
                RemoteSourceException e = assertThrows(RemoteSourceException.class,
                        () -> Snapshot.open(RemoteSources.open(uri, s3.options()), 1 << 20));
                assertEquals(RemoteSourceException.Kind.NOT_FOUND, e.kind());
            }
        });
    }
}
