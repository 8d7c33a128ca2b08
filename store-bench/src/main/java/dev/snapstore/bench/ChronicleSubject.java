package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Path;

import net.openhft.chronicle.bytes.MappedBytes;

/**
 * The {@code chronicle-mapped} baseline: Chronicle Bytes {@code MappedBytes} over the
 * uncompressed image, read-only, in 256 MiB mapped chunks as Chronicle manages them; every touch
 * goes through {@code MappedBytes.readLong(offset)}, Chronicle's own access path.
 *
 * <p>Not thread-safe: one thread opens, touches and closes it.
 */
public final class ChronicleSubject extends NamedSubject {
    static final long CHUNK = 256L << 20;

    private final Path file;
    private MappedBytes bytes;

    public ChronicleSubject(Path file) {
        super("chronicle-mapped", "read-only");
        this.file = file;
    }

    /** Chronicle's mapping is chunked: no one address for the image. */
    @Override
    public long addressOf(long offset) {
        return 0;
    }

    @Override
    public void open() throws IOException {
        bytes = MappedBytes.mappedBytes(file.toFile(), CHUNK, 0, true);
    }

    @Override
    public long readLong(long offset) {
        return bytes.readLong(offset);
    }

    @Override
    public void writeLong(long offset, long value) {
        throw new UnsupportedOperationException("MappedBytes writes go through to the file: no copy-on-write");
    }

    @Override
    public void close() {
        if (bytes != null) {
            bytes.releaseLast();
            bytes = null;
        }
    }
}
