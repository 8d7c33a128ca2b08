package dev.snapstore.store.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.linux.internal.LibC;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers of the store-native tests. */
final class NativeTestSupport {
    static final int HUGEPAGES_FOR_TESTS = 1024;

    private NativeTestSupport() {
    }

    /** Skips (with the reason) when the engine or userfaultfd is absent; reserves hugepages when root. */
    static void assumeLazyModes() {
        assumeTrue(SnapEngine.isLoaded(), () -> "libsnapstore.so not loadable: " + SnapEngine.loadError());
        Userfaultfd.Probe p = Userfaultfd.probe();
        assumeTrue(p.available(), () -> "userfaultfd unavailable: " + p.call() + " errno " + p.errno());
        assumeTrue(p.has(Userfaultfd.UFFD_FEATURE_POISON), "kernel userfaultfd lacks POISON (Linux 6.6+)");
        ensureHugepages();
    }

    static void assumeMode(Mode mode) {
        assumeLazyModes();
        Userfaultfd.Probe p = Userfaultfd.probe();
        if (mode == Mode.SHMEM) {
            assumeTrue(p.has(Userfaultfd.UFFD_FEATURE_MINOR_SHMEM), "kernel userfaultfd lacks MINOR_SHMEM");
        }
        if (mode == Mode.HUGETLB) {
            assumeTrue(p.has(Userfaultfd.UFFD_FEATURE_MINOR_HUGETLBFS), "kernel userfaultfd lacks MINOR_HUGETLBFS");
            assumeTrue(Hugepages.pool2m().total() > 0, "no 2 MiB hugepages reserved and not root to reserve them");
        }
    }

    /** As root, raises vm.nr_hugepages to what the tests need (never lowers it). */
    static synchronized void ensureHugepages() {
        Path nr = Path.of("/proc/sys/vm/nr_hugepages");
        try {
            if (LibC.geteuid() == 0 && Long.parseLong(Files.readString(nr).trim()) < HUGEPAGES_FOR_TESTS) {
                Files.writeString(nr, Integer.toString(HUGEPAGES_FOR_TESTS));
            }
        } catch (IOException | RuntimeException e) {
            // not root or no hugetlb: HUGETLB tests skip through assumeMode
        }
    }

    static String sha256(Region r) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long off = 0;
            while (off < r.size()) {
                int n = (int) Math.min(1 << 30, r.size() - off);
                md.update(r.slice(off, n));
                off += n;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A stream of {@code length} bytes, zero except one 64 KiB block of pseudo-random text every
     * {@code dataEvery} bytes: a multi-GiB image that packs into a small snapshot.
     */
    static InputStream sparse(long length, long dataEvery) {
        return new InputStream() {
            long pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= length) {
                    return -1;
                }
                int n = (int) Math.min(len, length - pos);
                for (int i = 0; i < n; i++) {
                    long p = pos + i;
                    long inBlock = p % dataEvery;
                    b[off + i] = inBlock < 65536 ? (byte) ('a' + (int) ((p * 2654435761L >>> 7) % 26)) : 0;
                }
                pos += n;
                return n;
            }
        };
    }

    static Path packSparse(Path dir, long length, long dataEvery, Codec codec) throws IOException {
        Path out = dir.resolve("sparse-" + length + "." + codec.name().toLowerCase() + ".snap");
        try (InputStream in = sparse(length, dataEvery)) {
            SnapshotWriter.builder().codec(codec).threads(2).build().write(in, out, "sparse");
        }
        return out;
    }

    static int fdCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    static int threadCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return (int) s.count();
        }
    }

    static long hugePagesFree() {
        return Hugepages.pool2m().free();
    }

    static long mappingsCount() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
