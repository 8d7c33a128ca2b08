package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.snapstore.store.linux.internal.SnapEngine;

/**
 * The local tier of remote snapshots ({@code MapOptions.chunkCache(dir, bytes)}): one directory
 * per snapshot digest under {@code dir}, one file per fetched payload range, written and checked by
 * the engine (remote.c). Here, when a region opens: the directory is created and trimmed to its
 * bound, oldest files first (by modification time, across digests), and the engine is told how
 * many bytes it may add. Concurrent processes may trim and add at once: a file removed under a
 * reader is fetched again, never read half-written (the engine renames whole files into place).
 *
 * <p>Stateless and thread-safe.
 */
final class ChunkTier {
    private ChunkTier() {
    }

    /** Attaches the tier to region {@code h}; returns the words for the region's backing description. */
    static String attach(long h, Path dir, long bytes, String digest) throws IOException {
        Path mine = dir.resolve(digest);
        Files.createDirectories(mine);
        long used = trim(dir, bytes);
        int rc = SnapEngine.sn_region_set_chunk_cache(h, mine.toAbsolutePath().toString(), Math.max(0, bytes - used));
        if (rc < 0) {
            throw NativeIoException.of("sn_region_set_chunk_cache for " + mine, rc);
        }
        return ", local tier " + mine + " (" + used + " of " + bytes + " bytes used)";
    }

    private record Entry(Path file, long size, long modified) {
    }

    /** Deletes the oldest payload files until at most {@code bytes} remain; returns the bytes left. */
    static long trim(Path dir, long bytes) throws IOException {
        List<Entry> all = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> digests = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path d : digests) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
                    for (Path f : files) {
                        try {
                            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                            if (a.isRegularFile()) {
                                all.add(new Entry(f, a.size(), a.lastModifiedTime().toMillis()));
                                total += a.size();
                            }
                        } catch (NoSuchFileException gone) {
                            // another process trimmed it
                        }
                    }
                }
            }
        }
        if (total <= bytes) {
            return total;
        }
        all.sort(Comparator.comparingLong(Entry::modified));
        for (Entry e : all) {
            if (total <= bytes) {
                break;
            }
            Files.deleteIfExists(e.file());
            total -= e.size();
        }
        return total;
    }
}
