package dev.snapstore.cli;

import java.io.IOException;
import java.nio.file.Path;

import dev.snapstore.store.Snapshot;
import picocli.CommandLine.Parameters;

/** The {@code SNAP} argument of the commands that read a snapshot, a picocli mixin. Not thread-safe. */
final class SnapshotArgument {
    @Parameters(index = "0", paramLabel = "SNAP", description = "The snapshot.")
    Path file;

    /** Opens it, with the errors {@link Snapshots#open} gives. */
    Snapshot open() throws IOException {
        return Snapshots.open(file);
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
