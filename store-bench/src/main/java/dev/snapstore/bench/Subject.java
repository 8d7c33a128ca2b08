package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;

/**
 * One system under test holding the image in memory: snapstore in a mode, or a baseline. The
 * harness opens it, touches pages through {@link #readLong}/{@link #writeLong}, resets or closes
 * it, and opens it again for the warm pass. What differs between systems (how to warm their
 * libraries, what they report about opening, whether their faults can be probed) is asked of the
 * subject, never decided by looking at its class.
 *
 * <p>Not thread-safe: one measuring thread drives it.
 */
public interface Subject extends AutoCloseable {

    /**
     * The subject results.json calls {@code system} / {@code mode}.
     *
     * @param system   snapstore, eager, mmap or chronicle-mapped
     * @param mode     for snapstore a mode, optionally with "+load" ("shmem+load"); for eager the
     *                 codec label; ignored by mmap and chronicle-mapped
     * @param write    whether the scenario writes (snapstore maps writable, mmap private)
     */
    /** Suffix of a snapstore mode that sets the resolver count: {@code shmem+loadall@r1}. */
    String RESOLVERS = "@r";

    static Subject create(String system, String mode, Path snap, Path raw, int threads, boolean write) {
        return create(system, mode, snap, raw, threads, write, dev.snapstore.store.Prefetch.SEQUENTIAL);
    }

    /**
     * {@code mode} of snapstore is a mode name with an optional variant: {@code +load} (load each
     * segment before touching it), {@code +loadall} (one load() of the whole region, then the touch)
     * or {@code +profile} (the plan's working set recorded beforehand, replayed at map), then optionally
     * {@link #RESOLVERS} and a count (resolver threads; default {@code threads}); {@code prefetch} is
     * the policy of the other variants.
     */
    static Subject create(String system, String mode, Path snap, Path raw, int threads, boolean write,
                          dev.snapstore.store.Prefetch prefetch) {
        switch (system) {
            case "snapstore": {
                int at = mode.indexOf(RESOLVERS);
                int resolvers = at < 0 ? threads : Integer.parseInt(mode.substring(at + RESOLVERS.length()));
                String base = at < 0 ? mode : mode.substring(0, at);
                int plus = base.indexOf('+');
                String variant = plus < 0 ? "" : base.substring(plus);
                Mode m = Mode.valueOf((plus < 0 ? base : base.substring(0, plus)).toUpperCase(Locale.ROOT));
                // Read-only (one shared copy, no copy-on-write reservation) unless the scenario writes,
                // as a model server or a lookup service would map it; reset() works either way.
                MapOptions o = MapOptions.builder().resolverThreads(resolvers).eagerThreads(threads).writable(write)
                        .prefetch(variant.equals("+profile") ? dev.snapstore.store.Prefetch.PROFILE : prefetch).build();
                return new SnapstoreSubject(snap, m, o, variant);
            }
            case "eager":
                return new EagerSubject(snap, threads, mode);
            case "mmap":
                return new MmapSubject(raw, write);
            case "chronicle-mapped":
                return new ChronicleSubject(raw);
            default:
                throw new IllegalArgumentException("unknown system " + system);
        }
    }

    /** results.json {@code system}: snapstore, eager, mmap, chronicle-mapped. */
    String system();

    /** results.json {@code mode}: the snapstore mode, the codec, or the mapping kind. */
    String mode();

    /**
     * Loads and initialises what this system uses (classes, native libraries, Chronicle, the lazy
     * engine) before the first measured pass, so open_ms measures the mechanism, not one-time
     * class loading. Leaves the subject closed.
     */
    default void warmUpLibraries() throws IOException {
        open();
        readLong(0);
        close();
    }

    /** Makes the image addressable (map, restore, open); timed as open_ms. */
    void open() throws IOException;

    /** What the last {@link #open} reports besides its total time (metric → value in its unit); empty by default. */
    default Map<String, Object[]> openMetrics() {
        return Map.of();
    }

    long readLong(long offset);

    void writeLong(long offset, long value);

    /**
     * The virtual address behind {@code offset}, or 0 when the memory is not directly
     * addressable (Chronicle's chunked mapping); used to look pages up in /proc/self/pagemap.
     */
    default long addressOf(long offset) {
        return 0;
    }

    /**
     * Whether faults on this subject's warm pages can be timed one by one after a reset (its
     * memory is addressable and absent pages fault): lazy regions and mmap, not eager copies.
     */
    default boolean probesWarmFaults() {
        return false;
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

    /**
     * Brings back the snapshot's content after the writes of {@code plan} (jmh-fork, warm passes);
     * by default by closing and opening again.
     */
    default void reset(Plan plan) throws IOException {
        close();
        open();
    }

    /** Counters worth recording (engine faults, cache hits), cumulative; empty by default. */
    default Map<String, Double> counters() {
        return Map.of();
    }

    /** The engine's fault service times in power-of-two buckets, cumulative; empty where there is no engine. */
    default long[] faultLatencyBuckets() {
        return new long[0];
    }

    /** Releases the image; {@link #open} may be called again afterwards. */
    @Override
    void close();

    /** Releases the image and everything else (thread pools): the subject is not used again. */
    default void dispose() {
        close();
    }
}
