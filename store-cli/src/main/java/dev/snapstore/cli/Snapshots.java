package dev.snapstore.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.Snapshot;

/** Opening snapshot arguments with errors that name the file. */
final class Snapshots {
    private Snapshots() {
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

    /** Header fields the API does not expose (docs/FORMAT.md, header at offset 0). */
    record Header(int version, int headerLength, int flags, int chunkShift) {
        static Header read(Path file) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                    // fill
                }
            }
            if (b.hasRemaining()) {
                throw new CorruptSnapshotException(file, "shorter than a header (64 bytes)");
            }
            return new Header(Short.toUnsignedInt(b.getShort(8)), Short.toUnsignedInt(b.getShort(10)),
                    b.getInt(12), Byte.toUnsignedInt(b.get(16)));
        }
    }
}
