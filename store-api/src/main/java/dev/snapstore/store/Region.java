package dev.snapstore.store;

import java.nio.ByteBuffer;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * A snapshot's image in off-heap memory, at a fixed {@link #address()} for its whole life.
 *
 * <p>Thread-safety: every method may be called from any thread, concurrently with reads and
 * writes of the memory; {@link #close()} must not race with other use of the memory (after it
 * returns, the address is unmapped and touching it crashes like any freed native memory), but it
 * is idempotent and never hangs.
 *
 * <p>Lazy regions fill a page the first time it is touched. A chunk that cannot be produced
 * (checksum mismatch, I/O error) is never served as zeros: the touching thread gets an
 * {@link InternalError} from the JVM ("a fault occurred in a recent unsafe memory access") and
 * {@link RegionStats#errors()} counts it.
 */
public interface Region extends AutoCloseable {

    /** Base address of the image; valid until {@link #close()}. */
    long address();

    /** Length of the image in bytes (the snapshot's logical length). */
    long size();

    /** The mode serving this region (never {@link Mode#AUTO}). */
    Mode mode();

    /** Why this mode was chosen (for {@link Mode#AUTO}) or asked for; one line for logs. */
    String modeReason();

    /** True when writes are allowed (copy-on-write for lazy regions: the snapshot never changes). */
    boolean writable();

    /** A Chronicle view of the whole image, bounds-checked, without copying. */
    BytesStore<?, Void> bytesStore();

    /**
     * A direct {@link ByteBuffer} over {@code [offset, offset + length)}, read-only unless the
     * region is writable. Valid until {@link #close()}.
     */
    ByteBuffer slice(long offset, int length);

    /**
     * Fills {@code [offset, offset + length)} without a Java thread waiting inside a page fault
     * (lazy regions populate from native code; eager regions are already filled).
     */
    void load(long offset, long length);

    /** Discards every write: the snapshot's content comes back (lazily, where the mode is lazy). */
    default void reset() {
        reset(0, size());
    }

    /**
     * Discards writes to the pages overlapping {@code [offset, offset + length)}. Offsets are
     * widened to whole pages of the region's page size.
     */
    void reset(long offset, long length);

    /** Counters of this region, read without stopping the engine. */
    RegionStats stats();

    /** Unmaps the image and releases every resource; idempotent. */
    @Override
    void close();
}
