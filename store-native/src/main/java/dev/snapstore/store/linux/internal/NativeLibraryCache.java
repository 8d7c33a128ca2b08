package dev.snapstore.store.linux.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Where a native library packed in a jar is loaded from: a file in a per-user cache directory,
 * named by the library's size and CRC-32 (the jar entry's own, read from the jar's directory
 * without inflating the entry), written once and reused by every later JVM. Extracting it to a new
 * temporary file on each start, as JNA did, cost a fresh JVM's first map an inflate and a write of
 * the library and a {@code SecureRandom} for the file name. A library that is a plain file on the
 * class path (a build tree: {@code target/classes}) is loaded where it is.
 *
 * <p>The directory is {@code -Dsnapstore.native.dir=DIR}, else {@code $XDG_CACHE_HOME/snapstore/native},
 * else {@code ~/.cache/snapstore/native}. It must be a directory (not a link) owned by this user
 * with no access for others (it is created so when missing); otherwise, or when it cannot be
 * written, the library is extracted to a fresh private temporary directory instead, as before. A
 * cached file is loaded only when its size and CRC-32 are the jar entry's, so a truncated or
 * altered file is replaced, never loaded; it is written under a temporary name and renamed into
 * place, so another JVM never sees half a library. Thread-safe (files are replaced atomically).
 */
public final class NativeLibraryCache {
    /** The system property naming the cache directory. */
    public static final String DIR_PROPERTY = "snapstore.native.dir";

    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    /** Opens the packed library's bytes (again) for an extraction. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    private NativeLibraryCache() {
    }

    /**
     * Loads the library at {@code resource} (relative to the class path root, e.g.
     * {@code linux-x86-64/libsnapstore.so}) of {@code owner}'s class loader with {@link System#load}:
     * in place when it is a file, else from the cache.
     *
     * @return the file loaded
     * @throws UnsatisfiedLinkError when the resource is missing or cannot be loaded
     */
    public static Path load(Class<?> owner, String resource) {
        URL url = owner.getClassLoader().getResource(resource);
        if (url == null) {
            throw new UnsatisfiedLinkError(resource + " is not on the class path (store-native builds it on Linux x86-64)");
        }
        Path lib;
        try {
            lib = locate(url, resource);
        } catch (IOException | URISyntaxException | RuntimeException e) {
            UnsatisfiedLinkError le = new UnsatisfiedLinkError("cannot extract " + url + ": " + e);
            le.initCause(e);
            throw le;
        }
        System.load(lib.toString());
        return lib;
    }

    private static Path locate(URL url, String resource) throws IOException, URISyntaxException {
        if (url.getProtocol().equals("file")) {
            return Path.of(url.toURI());
        }
        String file = resource.substring(resource.lastIndexOf('/') + 1);
        long size = -1;
        long crc = -1;
        if (url.getProtocol().equals("jar")) {
            JarEntry e = ((JarURLConnection) url.openConnection()).getJarEntry();
            size = e.getSize();
            crc = e.getCrc();
        }
        if (size >= 0 && crc >= 0) {
            try {
                return cached(defaultDir(), file, size, crc, new Source() { // not a lambda: no bootstrap on this path
                    @Override
                    public InputStream open() throws IOException {
                        return url.openStream();
                    }
                });
            } catch (IOException e) {
                // not a private directory of ours, or not writable: a temporary copy, as before
            }
        }
        Path tmp = Files.createTempDirectory("snapstore-native-", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Path lib = tmp.resolve(file);
        try (InputStream in = url.openStream()) {
            Files.copy(in, lib);
        }
        tmp.toFile().deleteOnExit();
        lib.toFile().deleteOnExit(); // deleted first: files registered later are deleted earlier
        return lib;
    }

    /** {@code -Dsnapstore.native.dir}, else the XDG cache directory's {@code snapstore/native}. */
    static Path defaultDir() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isEmpty()) {
            return Path.of(dir);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("snapstore").resolve("native");
    }

    /**
     * The file in {@code dir} holding the library of {@code size} bytes and CRC-32 {@code crc}:
     * {@code dir/<stem>-<size>-<crc>.<ext>}, reused when its size and CRC-32 match, else written
     * from {@code source} (checked against both) and renamed into place.
     *
     * @throws IOException when {@code dir} is not this user's private directory, cannot be written,
     *                     or {@code source} does not hold what {@code size} and {@code crc} say
     */
    static Path cached(Path dir, String fileName, long size, long crc, Source source) throws IOException {
        ensurePrivateDir(dir);
        int dot = fileName.lastIndexOf('.');
        String stem = dot > 0 ? fileName.substring(0, dot) : fileName;
        String ext = dot > 0 ? fileName.substring(dot) : "";
        String hex = Long.toHexString(0x1_0000_0000L | crc).substring(1); // 8 digits, without a Formatter
        Path target = dir.resolve(stem + "-" + size + "-" + hex + ext);
        if (crcOf(target, size) == crc) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, stem + "-", ".part");
        try {
            try (InputStream in = source.open()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (crcOf(tmp, size) != crc) {
                throw new IOException("the packed " + fileName + " is not " + size + " bytes of CRC-32 " + hex);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /** The CRC-32 of {@code file} when it is a regular file of {@code size} bytes, else -1. */
    private static long crcOf(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() != size || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return -1;
            }
            CRC32 c = new CRC32();
            ByteBuffer b = ByteBuffer.allocate(64 << 10);
            long left = size;
            while (left > 0) {
                int k = ch.read(b.clear());
                if (k < 0) {
                    return -1;
                }
                c.update(b.flip());
                left -= k;
            }
            return c.getValue();
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /** Creates {@code dir} 0700 when missing; fails unless it is a real directory of this user, closed to others. */
    private static void ensurePrivateDir(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                // made by another JVM meanwhile: checked below like any directory
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory");
        }
        Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!owner.equals(me)) {
            throw new IOException(dir + " belongs to uid " + owner + ", not to this user (uid " + me + ")");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new IOException(dir + " is open to other users (" + PosixFilePermissions.toString(perms) + ")");
        }
    }
}
