package dev.snapstore.store;

/**
 * Told how far a long operation (pack, verify, unpack, eager restore) has come.
 *
 * <p>Called from worker threads, possibly concurrently; implementations must be thread-safe and
 * cheap. {@code done} never decreases across calls made by one operation.
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores every call (a class, not a lambda: it is on a fresh JVM's first map). */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void progress(long done, long total) {
        }
    };

    /**
     * @param done  bytes (of the logical image) processed so far
     * @param total bytes in all, or -1 when not known in advance
     */
    void progress(long done, long total);
}
