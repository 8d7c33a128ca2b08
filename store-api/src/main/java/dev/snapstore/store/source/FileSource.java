package dev.snapstore.store.source;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A local file as a {@link RangeSource}: positional reads of one open channel. Thread-safe. */
public final class FileSource implements RangeSource {
    private final Path path;
    private final FileChannel channel;

    private FileSource(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Opens {@code file} for reading. */
    public static FileSource open(Path file) throws IOException {
        return new FileSource(file, FileChannel.open(file, StandardOpenOption.READ));
    }

    public Path path() {
        return path;
    }

    @Override
    public URI uri() {
        return path.toAbsolutePath().toUri();
    }

    @Override
    public String location() {
        return path.toString();
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int k = channel.read(dst, pos);
            if (k < 0) {
                throw new EOFException(path + ": ends at offset " + pos + " (file truncated?)");
            }
            pos += k;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
