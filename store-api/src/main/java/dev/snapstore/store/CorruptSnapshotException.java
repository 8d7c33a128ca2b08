package dev.snapstore.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A snapshot file is not what it claims to be: wrong magic, truncated, an index pointing outside
 * the file, a checksum mismatch, a chunk that does not decompress to its recorded length.
 *
 * <p>The message names the file, the chunk where there is one, and what was wrong.
 */
public final class CorruptSnapshotException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String location;
    private final long chunk;
    private final String reason;

    /** A corruption not tied to one chunk. */
    public CorruptSnapshotException(Path file, String reason) {
        this(file, -1, reason, null);
    }

    /** A corruption of chunk {@code chunk} (or of the file when {@code chunk < 0}). */
    public CorruptSnapshotException(Path file, long chunk, String reason) {
        this(file, chunk, reason, null);
    }

    public CorruptSnapshotException(Path file, long chunk, String reason, Throwable cause) {
        super(file + ": " + (chunk >= 0 ? "chunk " + chunk + ": " : "") + reason, cause);
        this.file = file;
        this.location = String.valueOf(file);
        this.chunk = chunk;
        this.reason = reason;
    }

    /** A corruption of chunk {@code chunk} (or of the object when {@code chunk < 0}) of a remote snapshot at {@code location}. */
    public CorruptSnapshotException(String location, long chunk, String reason) {
        this(location, chunk, reason, null);
    }

    /** As {@link #CorruptSnapshotException(String, long, String)}, with a cause. */
    public CorruptSnapshotException(String location, long chunk, String reason, Throwable cause) {
        super(location + ": " + (chunk >= 0 ? "chunk " + chunk + ": " : "") + reason, cause);
        this.file = null;
        this.location = location;
        this.chunk = chunk;
        this.reason = reason;
    }

    /** The snapshot file, or null for a snapshot opened from a remote URI (see {@link #location()}). */
    public Path file() {
        return file;
    }

    /** The snapshot's path or URI, as in the message. */
    public String location() {
        return location;
    }

    /** The chunk that is corrupt, or -1 when the damage is not in one chunk. */
    public long chunk() {
        return chunk;
    }

    /** What was wrong, without the file name. */
    public String reason() {
        return reason;
    }
}
