package dev.snapstore.store.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * Supplies regions of the lazy modes. Found with {@link java.util.ServiceLoader}; the
 * {@code store-native} module registers the Linux userfaultfd engine, which is found by its class
 * name without the ServiceLoader's scan and asked first: other providers are looked for (and
 * asked) only when it is absent or declines the mode (for AUTO: every lazy mode).
 *
 * <p>Implementations are thread-safe.
 */
public interface RegionProvider {

    /**
     * Whether {@code mode} can be served here for this snapshot; when not, the
     * {@link Availability#reason()} says what is missing and how to fix it.
     */
    Availability availability(Mode mode, Snapshot snapshot, MapOptions options);

    /**
     * Maps {@code snapshot} in {@code mode} (never AUTO or EAGER).
     *
     * @throws dev.snapstore.store.ModeUnavailableException when the mode cannot be used here
     */
    Region map(Snapshot snapshot, Mode mode, MapOptions options) throws IOException;

    /**
     * Off-heap memory for eager regions, or empty to leave the choice to the next provider (and
     * finally the portable allocator). Linux providers hand out hugepage-backed memory when
     * {@code hugepages} and enough are free, else anonymous memory.
     *
     * @throws IOException the provider should have served the request and failed
     */
    default Optional<OffHeapMemory> allocate(long size, boolean hugepages) throws IOException {
        return Optional.empty();
    }

    /**
     * The SHA-256 of {@code first}'s remaining bytes followed by {@code second}'s (positions
     * unchanged), computed natively, or null when this provider cannot. {@code Snapshot.open}
     * checks the snapshot digest with the first provider's answer, else with {@code MessageDigest},
     * whose start-up (security providers, then the digest interpreted) costs a fresh JVM 20 to 60 ms.
     */
    default byte[] sha256(ByteBuffer first, ByteBuffer second) {
        return null;
    }

    /**
     * The CRC32C of {@code direct}'s remaining bytes (a direct buffer; position unchanged) continued
     * from {@code crc}, the CRC32C of the bytes before them (0 for none), as an unsigned value, or -1
     * when this provider cannot compute it natively. The chunk decoder checks every chunk it writes
     * into direct memory with the first provider's answer (the engine folds with carry-less
     * multiplies where the CPU has them, several times {@code java.util.zip.CRC32C}'s speed), else
     * with {@code CRC32C}.
     */
    default long crc32c(int crc, ByteBuffer direct) {
        return -1;
    }

    /**
     * Called once per JVM on a background thread, when the first snapshot is opened: loads and
     * initialises what this provider's first {@link #map} will need and that does not change while
     * the JVM runs (native libraries, kernel feature probes, classes), so that a fresh JVM's first
     * map does not do it on the caller's thread. May run concurrently with any other method;
     * must not throw (what fails here fails again, and is reported, where it is needed).
     */
    default void prepare() {
    }

    /** Whether a mode is usable, and why not. */
    record Availability(boolean available, String reason) {
        public static Availability yes(String reason) {
            return new Availability(true, reason);
        }

        public static Availability no(String reason) {
            return new Availability(false, reason);
        }
    }
}
