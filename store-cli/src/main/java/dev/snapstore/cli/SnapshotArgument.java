package dev.snapstore.cli;

import java.io.IOException;
import java.nio.file.Path;

import dev.snapstore.store.Snapshot;
import dev.snapstore.store.remote.RemoteSources;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code SNAP} argument of the commands that read a snapshot, a picocli mixin. Not thread-safe. */
final class SnapshotArgument {
    @Parameters(index = "0", paramLabel = "SNAP",
            description = "The snapshot: a file, s3://BUCKET/KEY or an http(s):// URL of a server that honours Range requests.")
    String location;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "S3 endpoint of an S3-compatible store (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS); "
                    + "addressing is path-style whenever one is given.")
    String endpoint;

    /** Opens it, with the errors {@link Snapshots#open} gives. */
    Snapshot open() throws IOException {
        return Snapshots.open(location, endpoint);
    }

    /** The argument for a local file. */
    static SnapshotArgument of(Path file) {
        SnapshotArgument a = new SnapshotArgument();
        a.location = file.toString();
        return a;
    }

    /** Whether it names a remote object. */
    boolean isRemote() {
        return RemoteSources.isUri(location);
    }

    /** The local file, or null for a remote object. */
    Path file() {
        return isRemote() ? null : Path.of(location);
    }

    @Override
    public String toString() {
        return location;
    }
}
