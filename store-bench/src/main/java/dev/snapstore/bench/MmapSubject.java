package dev.snapstore.bench;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The {@code mmap} baseline: {@code FileChannel.map} of the uncompressed image. A
 * MappedByteBuffer holds at most 2 GiB, so the file is mapped in 1 GiB pieces; touches read the
 * pieces' memory directly. Read-only, or private (copy-on-write) when the scenario writes; reset
 * of a private mapping is unmap + map again.
 *
 * <p>Not thread-safe: one thread opens, touches and closes it.
 */
public final class MmapSubject extends NamedSubject {
    private static final int PIECE_SHIFT = 30;
    private static final long PIECE = 1L << PIECE_SHIFT;

    private final Path file;
    private final boolean writable;
    private MappedByteBuffer[] pieces;
    private long[] addresses;

    public MmapSubject(Path file, boolean writable) {
        super("mmap", writable ? "private" : "read-only");
        this.file = file;
        this.writable = writable;
    }

    @Override
    public void open() throws IOException {
        try (FileChannel ch = writable
                ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) ((size + PIECE - 1) >>> PIECE_SHIFT);
            pieces = new MappedByteBuffer[n];
            addresses = new long[n];
            for (int i = 0; i < n; i++) {
                long off = (long) i << PIECE_SHIFT;
                pieces[i] = ch.map(writable ? FileChannel.MapMode.PRIVATE : FileChannel.MapMode.READ_ONLY,
                        off, Math.min(PIECE, size - off));
                addresses[i] = Pointer.nativeValue(Native.getDirectBufferPointer(pieces[i]));
            }
        }
    }

    @Override
    public long addressOf(long offset) {
        return addresses[(int) (offset >>> PIECE_SHIFT)] + (offset & (PIECE - 1));
    }

    @Override
    public boolean probesWarmFaults() {
        return true;
    }

    @Override
    public void close() {
        if (pieces != null) {
            for (MappedByteBuffer b : pieces) {
                Os.UNSAFE.invokeCleaner(b); // unmaps now instead of at some later GC
            }
            pieces = null;
            addresses = null;
        }
    }
}
