package dev.snapstore.store.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-user cache the engine's library is loaded from: written once, reused while it holds the
 * packed bytes, replaced (never loaded) when it does not, and refused when the directory is not
 * this user's own.
 */
class NativeLibraryCacheTest {
    @TempDir
    Path tmp;

    private final byte[] lib = library(300_000, 7);
    private final AtomicInteger opens = new AtomicInteger();

    private static byte[] library(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private NativeLibraryCache.Source source(byte[] content) {
        return () -> {
            opens.incrementAndGet();
            return new ByteArrayInputStream(content);
        };
    }

    private Path cached(Path dir) throws IOException {
        return NativeLibraryCache.cached(dir, "libthing.so", lib.length, crc(lib), source(lib));
    }

    @Test
    void theFirstLoadExtractsIntoAPrivateDirectoryAndLaterLoadsReuseTheFile() throws IOException {
        Path dir = tmp.resolve("cache").resolve("native");
        Path first = cached(dir);
        assertEquals(1, opens.get(), "extracted once");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertTrue(first.getFileName().toString().matches("libthing-300000-[0-9a-f]{8}\\.so"), first::toString);
        assertArrayEquals(lib, Files.readAllBytes(first));
        Object inode = Files.readAttributes(first, BasicFileAttributes.class).fileKey();
        for (int i = 0; i < 3; i++) {
            assertEquals(first, cached(dir));
        }
        assertEquals(1, opens.get(), "reused: the packed library was not read again");
        assertEquals(inode, Files.readAttributes(first, BasicFileAttributes.class).fileKey(), "the same file, not rewritten");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void aCachedFileThatDiffersIsExtractedAgain() throws IOException {
        Path dir = tmp.resolve("native");
        Path file = cached(dir);
        byte[] altered = lib.clone();
        altered[1234] ^= 0x40; // same size, other bytes
        Files.write(file, altered);
        assertEquals(file, cached(dir));
        assertEquals(2, opens.get(), "an altered file is replaced");
        assertArrayEquals(lib, Files.readAllBytes(file));

        Files.write(file, new byte[10]); // truncated
        assertEquals(file, cached(dir));
        assertEquals(3, opens.get(), "a truncated file is replaced");
        assertArrayEquals(lib, Files.readAllBytes(file));
    }

    @Test
    void anotherLibraryGetsAFileOfItsOwn() throws IOException {
        Path dir = tmp.resolve("native");
        Path a = cached(dir);
        byte[] other = library(300_000, 8);
        Path b = NativeLibraryCache.cached(dir, "libthing.so", other.length, crc(other), source(other));
        assertFalse(a.equals(b), "named by content");
        assertArrayEquals(lib, Files.readAllBytes(a));
        assertArrayEquals(other, Files.readAllBytes(b));
    }

    @Test
    void aSourceThatDoesNotHoldWhatTheJarSaysIsRefused() throws IOException {
        Path dir = tmp.resolve("native");
        byte[] wrong = library(lib.length, 9);
        assertThrows(IOException.class, () -> NativeLibraryCache.cached(dir, "libthing.so", lib.length, crc(lib), source(wrong)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing written under the library's name");
        }
    }

    @Test
    void aDirectoryOpenToOthersOrOwnedByAnotherUserIsRefused() throws IOException {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> cached(open));
        assertTrue(e.getMessage().contains("open to other users"), e::getMessage);

        Path link = Files.createSymbolicLink(tmp.resolve("link"), Files.createDirectory(tmp.resolve("real")));
        assertThrows(IOException.class, () -> cached(link), "a link is not followed");

        int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (me == 0) { // root can make a directory that belongs to someone else
            Path theirs = Files.createDirectory(tmp.resolve("theirs"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Files.setAttribute(theirs, "unix:uid", 65534);
            IOException t = assertThrows(IOException.class, () -> cached(theirs));
            assertTrue(t.getMessage().contains("belongs to uid 65534"), t::getMessage);
        }
        assertEquals(0, opens.get(), "nothing extracted into a directory that was refused");
    }

    @Test
    void theDirectoryIsTheXdgCacheUnlessAPropertyNamesOne() {
        String before = System.getProperty(NativeLibraryCache.DIR_PROPERTY);
        try {
            System.setProperty(NativeLibraryCache.DIR_PROPERTY, tmp.toString());
            assertEquals(tmp, NativeLibraryCache.defaultDir());
            System.clearProperty(NativeLibraryCache.DIR_PROPERTY);
            assertTrue(NativeLibraryCache.defaultDir().endsWith(Path.of("snapstore", "native")),
                    NativeLibraryCache.defaultDir()::toString);
        } finally {
            if (before != null) {
                System.setProperty(NativeLibraryCache.DIR_PROPERTY, before);
            }
        }
    }
}
