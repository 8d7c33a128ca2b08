package dev.snapstore.store.remote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Region;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.TestData;

/** The snapshot the remote tests serve: 96 chunks of 64 KiB (races hide below 64), zstd. */
final class RemoteFixture {
    static final int CHUNK = 64 << 10;
    static final int LENGTH = 96 * CHUNK - 1234;

    final byte[] image = TestData.mixed(LENGTH, 13);
    final Path file;
    final byte[] snapshot;

    RemoteFixture(Path dir) throws IOException {
        Path raw = dir.resolve("image.bin");
        Files.write(raw, image);
        file = dir.resolve("image.snap");
        SnapshotWriter.builder().codec(Codec.ZSTD).chunkSize(CHUNK).threads(2).build().write(raw, file);
        snapshot = Files.readAllBytes(file);
    }

    String imageSha256() {
        return sha256(ByteBuffer.wrap(image));
    }

    static String sha256(Region r) {
        return sha256(r.slice(0, (int) r.size()));
    }

    static String sha256(ByteBuffer b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b.duplicate());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
