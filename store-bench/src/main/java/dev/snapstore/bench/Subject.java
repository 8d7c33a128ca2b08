package dev.snapstore.bench;

import java.io.IOException;
import java.util.Map;

/**
 * One system under test holding the image in memory: snapstore in a mode, or a baseline. The
 * harness opens it, touches pages through {@link #readLong}/{@link #writeLong}, resets or closes
 * it, and opens it again for the warm pass.
 *
 * <p>Not thread-safe: one measuring thread drives it.
 */
public interface Subject extends AutoCloseable {

    /** results.json {@code system}: snapstore, eager, mmap, chronicle-mapped. */
    String system();

    /** results.json {@code mode}: the snapstore mode, the codec, or the mapping kind. */
    String mode();

    /** Makes the image addressable (map, restore, open); timed as open_ms. */
    void open() throws IOException;

    long readLong(long offset);

    void writeLong(long offset, long value);

    /**
     * The virtual address behind {@code offset}, or 0 when the memory is not directly
     * addressable (Chronicle's chunked mapping); used to look pages up in /proc/self/pagemap.
     */
    default long addressOf(long offset) {
        return 0;
    }

    /** Asks for {@code [offset, offset + length)} to be filled before it is touched; a no-op where everything is present. */
    default void load(long offset, long length) {
    }

    /**
     * True when the warm pass follows a {@link #reset} of the open image (a lazy region whose
     * backing file keeps the decompressed pages); false when it closes and opens again.
     */
    default boolean warmByReset() {
        return false;
    }

    /** Brings back the snapshot's content after the writes of {@code plan} (jmh-fork, warm passes). */
    void reset(Plan plan) throws IOException;

    /** Counters worth recording (engine faults, cache hits), cumulative; empty by default. */
    default Map<String, Double> counters() {
        return Map.of();
    }

    /** Releases the image; {@link #open} may be called again afterwards. */
    @Override
    void close();
}
