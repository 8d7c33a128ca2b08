package dev.snapstore.store;

import java.io.IOException;
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
 *
 * <p>A raw access ({@link #bytesStore()}, {@link #slice}, {@link #address()}) to such a chunk, or
 * to the memory while {@link #close()} runs, is not a clean exception in JIT-compiled code: HotSpot
 * delivers the {@link InternalError} <em>asynchronously</em>, and the reads before it return stale
 * values or 0. Measured with a compiled loop of {@code ByteBuffer.getLong} over a bad 64 KiB chunk
 * (store-native's {@code RawAccessTest}): on JDK 17 all 8192 reads returned wrong values and the
 * error was thrown after the loop's method had returned, outside the {@code try} meant to catch it;
 * on JDK 25 the first 4001 reads returned wrong values and the error came inside the loop's
 * {@code try}, at its next safepoint poll. So where bad data must never be used: read through the
 * synchronous, typed paths, {@link #read(long, ByteBuffer)} and {@link #load(long, long)}, which
 * throw {@link CorruptSnapshotException} (naming the file and the chunk) before any byte of a bad
 * chunk is visible, on both JDKs; and after a batch of raw accesses call {@link #checkHealthy()},
 * which throws if any chunk failed, and discard the batch's results when it does.
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
     *
     * @throws java.io.UncheckedIOException wrapping a {@link CorruptSnapshotException} naming the
     *         file and chunk when a chunk of the range cannot be produced
     */
    void load(long offset, long length);

    /**
     * Copies {@code dst.remaining()} bytes from {@code offset} into {@code dst}: the synchronous,
     * typed path. The range is filled first (as {@link #load}) and checked; a chunk that could not
     * be produced throws before any byte is copied, on every JDK. On success {@code dst}'s position
     * advances by the bytes copied; on failure it is unchanged.
     *
     * @throws CorruptSnapshotException a chunk of the range could not be produced (names the file
     *         and the chunk)
     * @throws IOException another failure filling the range
     * @throws IndexOutOfBoundsException the range is outside the image
     */
    default void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        try {
            load(offset, n);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        checkHealthy(offset, n);
        dst.put(slice(offset, n));
    }

    /** {@link #read(long, ByteBuffer)} into {@code dst[at, at + length)}. */
    default void read(long offset, byte[] dst, int at, int length) throws IOException {
        read(offset, ByteBuffer.wrap(dst, at, length));
    }

    /**
     * The region's error latch: throws if any chunk of the region could not be produced so far
     * (whatever touched it: a raw access, a load, a read-ahead). Run it after a batch of raw
     * accesses and discard the batch's results when it throws; {@link RegionStats#errors()} counts
     * the failures.
     *
     * @throws CorruptSnapshotException naming the file and the first chunk that failed
     */
    default void checkHealthy() throws CorruptSnapshotException {
        checkHealthy(0, size());
    }

    /**
     * {@link #checkHealthy()} for the chunks overlapping {@code [offset, offset + length)} only.
     * Regions whose memory is filled before they are returned (EAGER) never fail here.
     */
    default void checkHealthy(long offset, long length) throws CorruptSnapshotException {
    }

    /** Discards every write: the snapshot's content comes back (lazily, where the mode is lazy). */
    default void reset() {
        reset(0, size());
    }

    /**
     * Discards writes to the pages overlapping {@code [offset, offset + length)}. Offsets are
     * widened to whole pages of the region's page size.
     */
    void reset(long offset, long length);

    /**
     * The working set recorded so far: chunk ids in the order they were first touched. Lazy regions
     * mapped with {@link MapOptions.Builder#recordProfile(boolean)} record it; a touch served by a
     * sequential read-ahead fill counts when the fill was made (the touch then raises no fault in
     * ANONYMOUS mode).
     *
     * @throws IllegalStateException the region does not record (not asked for, or an EAGER region)
     */
    default int[] recordedProfile() {
        throw new IllegalStateException(mode() + " region does not record a profile: map a lazy mode with "
                + "MapOptions.builder().recordProfile(true)");
    }

    /**
     * Persists {@link #recordedProfile()} as the snapshot's profile sidecar (or
     * {@link MapOptions#profileFile()}), atomically replacing an earlier one, for
     * {@link Prefetch#PROFILE} to replay at the next map. The snapshot file is not changed.
     *
     * @return the file written
     * @throws IllegalStateException the region does not record
     * @throws IOException the file cannot be written
     */
    default java.nio.file.Path recordProfile() throws IOException {
        recordedProfile();
        throw new IllegalStateException(mode() + " region does not record a profile");
    }

    /** Counters of this region, read without stopping the engine. */
    RegionStats stats();

    /** Unmaps the image and releases every resource; idempotent. */
    @Override
    void close();
}
