package dev.snapstore.store.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;

import dev.snapstore.store.format.FormatV1.FormatException;

/**
 * The profile sidecar: a recorded working set kept next to a snapshot, in a file named by the
 * snapshot's digest ({@link #sidecar}), so the snapshot itself is never rewritten (it may be
 * read-only, shared, or mapped by other processes). Layout (docs/FORMAT.md, "Profile sidecar"):
 * magic {@code SNAPPROF}, {@code u32} version 1, {@code u32} reserved zero, the snapshot's 32-byte
 * digest, {@code u64} chunk count, a {@link Profile} section, then a CRC32C over everything before
 * it. Stateless and thread-safe.
 */
public final class ProfileFile {
    static final byte[] MAGIC = "SNAPPROF".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER = 56;
    /** Largest sidecar read: a profile of 2^26 chunks. */
    static final long MAX_BYTES = HEADER + 4 + (4L << 26) + 4;

    private ProfileFile() {
    }

    /** A decoded sidecar: the digest (lower-case hex) and chunk count it was recorded on, and the chunk ids. */
    public record Contents(String digest, long chunkCount, int[] chunks) {
    }

    /** {@code SNAPSHOT.<first 16 hex digits of the digest>.profile}, next to the snapshot file. */
    public static Path sidecar(Path snapshot, String digest) {
        Path abs = snapshot.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + "." + digest.substring(0, Math.min(16, digest.length())) + ".profile");
    }

    /** Encodes a sidecar of {@code chunks} (each below {@code chunkCount}) for the snapshot {@code digest}. */
    public static ByteBuffer encode(String digest, long chunkCount, int[] chunks) {
        byte[] d = HexFormat.of().parseHex(digest);
        if (d.length != 32) {
            throw new IllegalArgumentException("digest must be 32 bytes of hex: " + digest);
        }
        for (int c : chunks) {
            if (c < 0 || c >= chunkCount) {
                throw new IllegalArgumentException("profile names chunk " + c + " of " + chunkCount);
            }
        }
        ByteBuffer p = Profile.encode(chunks);
        ByteBuffer b = ByteBuffer.allocate(HEADER + p.remaining() + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(0).put(d).putLong(chunkCount).put(p);
        b.putInt(FormatV1.crc(b.array(), 0, b.position()));
        return b.flip();
    }

    /**
     * Decodes a whole sidecar.
     *
     * @throws FormatException a wrong magic, version, CRC or length, or an id at or above its chunk count
     */
    public static Contents decode(ByteBuffer src) throws FormatException {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER + 8) {
            throw new FormatException("profile sidecar cut short: " + b.remaining() + " bytes");
        }
        byte[] all = new byte[b.remaining()];
        b.get(all);
        ByteBuffer a = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        a.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new FormatException("not a profile sidecar (magic)");
        }
        int version = a.getInt();
        if (version != VERSION || a.getInt() != 0) {
            throw new FormatException("profile sidecar version " + version + " (this reader knows " + VERSION + ")");
        }
        if (FormatV1.crc(all, 0, all.length - 4) != a.getInt(all.length - 4)) {
            throw new FormatException("profile sidecar checksum mismatch");
        }
        byte[] d = new byte[32];
        a.get(d);
        long chunkCount = a.getLong();
        if (chunkCount < 0) {
            throw new FormatException("profile sidecar chunk count " + chunkCount);
        }
        int[] ids = Profile.decode(a.slice(HEADER, all.length - HEADER - 4), chunkCount);
        return new Contents(HexFormat.of().formatHex(d), chunkCount, ids);
    }

    /** Reads and decodes {@code file}. */
    public static Contents read(Path file) throws IOException, FormatException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new FormatException("profile sidecar of " + size + " bytes is larger than any profile");
        }
        return decode(ByteBuffer.wrap(Files.readAllBytes(file)));
    }

    /**
     * Writes a sidecar to {@code file} atomically: a temporary file in the same directory, forced
     * to disk, then renamed over {@code file}, so a reader sees the old profile or the new one.
     */
    public static void write(Path file, String digest, long chunkCount, int[] chunks) throws IOException {
        ByteBuffer b = encode(digest, chunkCount, chunks);
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
