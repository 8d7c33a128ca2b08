package dev.snapstore.tools;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.function.LongConsumer;

import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;

/** Writes a snapshot's image back out, byte for byte: used by {@code snapstore unpack} and by the bench. Stateless, thread-safe. */
public final class Unpack {
    private Unpack() {
    }

    /**
     * Writes the image to {@code file} (created or truncated): the file is sized first and
     * all-zero chunks are left as holes; {@code threads} workers decompress chunks in order and
     * write each at its offset. {@code progress} hears of each chunk's raw length. Returns after
     * the data is forced to the device.
     */
    public static void toFile(Snapshot s, Path file, int threads, LongConsumer progress)
            throws IOException, InterruptedException {
        ChunkIndex index = s.index();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.setLength(s.length());
            FileChannel ch = raf.getChannel();
            ParallelChunks.run("snapstore-unpack", index.count(), threads,
                    () -> ByteBuffer.allocateDirect(s.chunkSize()), (buf, i) -> {
                        if (!index.isZero(i)) {
                            buf.clear();
                            s.decompressChunk(i, buf);
                            buf.flip();
                            FileIo.writeFully(ch, buf, (long) i * s.chunkSize());
                        }
                        progress.accept(index.rawLength(i));
                    });
            ch.force(true);
        }
    }

    /** Writes the image to {@code os} in order, one chunk at a time, zeros written out. */
    public static void toStream(Snapshot s, OutputStream os) throws IOException {
        WritableByteChannel ch = Channels.newChannel(os);
        ByteBuffer buf = ByteBuffer.allocateDirect(s.chunkSize());
        ChunkIndex index = s.index();
        for (int i = 0; i < index.count(); i++) {
            buf.clear();
            if (index.isZero(i)) {
                buf.limit(index.rawLength(i));
                while (buf.hasRemaining()) {
                    buf.put((byte) 0);
                }
            } else {
                s.decompressChunk(i, buf);
            }
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        os.flush();
    }
}
