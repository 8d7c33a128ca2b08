package dev.snapstore.store;

import java.util.List;

/**
 * What {@link Snapshot#verify(ProgressListener)} found. Immutable.
 *
 * @param chunksChecked chunks decompressed and checked (zero chunks count, without decompression)
 * @param bytesChecked  logical bytes covered
 * @param errors        every bad chunk, in chunk order; empty when the snapshot is sound
 */
public record VerifyReport(int chunksChecked, long bytesChecked, List<CorruptSnapshotException> errors) {
    public VerifyReport {
        errors = List.copyOf(errors);
    }

    /** True when no chunk is bad. */
    public boolean ok() {
        return errors.isEmpty();
    }
}
