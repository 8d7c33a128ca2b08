package dev.snapstore.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Where {@link SnapshotWriter} puts a snapshot: positional writes, then {@link #commit()} makes it
 * appear whole, or {@link #close()} without a commit discards it. The writer writes payloads
 * roughly in ascending order from offset 64 (out of order by at most the chunks in flight, about
 * two per worker), then the index, metadata, profile and footer after them, and the 64-byte
 * header at offset 0 last.
 * A local file ({@link #toFile}) or a multipart upload (the {@code store-remote} module).
 *
 * <p>{@link #write} is called from several threads at once; commit and close from one.
 */
public interface SnapshotOutput extends AutoCloseable {

    /** Writes some of {@code src} at {@code position}; returns how many bytes (the writer loops). */
    int write(ByteBuffer src, long position) throws IOException;

    /** Makes the written snapshot visible under its name; nothing may be written after. */
    void commit() throws IOException;

    /** Discards the output unless it was committed. Idempotent. */
    @Override
    void close() throws IOException;

    /**
     * A file written under a temporary name in {@code out}'s directory, renamed over {@code out}
     * (atomically) on commit, deleted when closed uncommitted.
     */
    static SnapshotOutput toFile(Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".partial");
        FileChannel ch;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return new SnapshotOutput() {
            private boolean done;

            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                return ch.write(src, position);
            }

            @Override
            public void commit() throws IOException {
                ch.force(true);
                ch.close();
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                done = true;
            }

            @Override
            public void close() throws IOException {
                ch.close();
                if (!done) {
                    done = true;
                    Files.deleteIfExists(tmp);
                }
            }
        };
    }
}
