package dev.snapstore.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.store.remote.RemoteOptions;
import dev.snapstore.store.remote.RemoteSources;

/** Opening snapshot arguments with errors that name the file. */
final class Snapshots {
    private Snapshots() {
    }

    /**
     * Opens {@code location}: a URI of a remote object (with the S3 {@code endpoint}, or null for the
     * environment's), else a file.
     */
    static Snapshot open(String location, String endpoint) throws IOException {
        if (!RemoteSources.isUri(location)) {
            return open(Path.of(location));
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw CliException.usage(location + ": not a valid URI (" + e.getReason() + ")");
        }
        RemoteOptions options = RemoteOptions.fromEnvironment();
        if (endpoint != null && !endpoint.isBlank()) {
            options = options.withEndpoint(URI.create(endpoint.trim()));
        }
        try {
            return Snapshot.open(RemoteSources.open(uri, options), Snapshot.DEFAULT_CACHE_BYTES);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** Opens {@code file}; a missing file or a directory is a usage error, bad content exit 1. */
    static Snapshot open(Path file) throws IOException {
        checkReadable(file);
        try {
            return Snapshot.open(file);
        } catch (CorruptSnapshotException | java.nio.file.FileSystemException e) {
            throw e;
        } catch (IOException e) {
            throw CliException.failure(file + ": " + Main.describe(e), e);
        }
    }

    static void checkReadable(Path file) {
        if (!Files.exists(file)) {
            throw CliException.usage(file + ": no such file or directory");
        }
        if (Files.isDirectory(file)) {
            throw CliException.usage(file + ": is a directory, not a snapshot");
        }
        if (!Files.isReadable(file)) {
            throw CliException.usage(file + ": permission denied");
        }
    }

    /**
     * The header fields the API does not expose, decoded by {@link FormatV1#decodeHeader} (the one
     * decoder of the format): its version and length are the ones it accepts.
     */
    record Header(int version, int headerLength, int flags, int chunkShift) {
        static Header read(Snapshot s) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(FormatV1.HEADER_SIZE);
            s.source().read(0, b);
            b.flip();
            try {
                FormatV1.Header h = FormatV1.decodeHeader(b);
                return new Header(h.version(), FormatV1.HEADER_SIZE, h.flags(), h.chunkShift());
            } catch (FormatV1.FormatException e) {
                throw new CorruptSnapshotException(s.location(), -1, e.getMessage());
            }
        }
    }
}
