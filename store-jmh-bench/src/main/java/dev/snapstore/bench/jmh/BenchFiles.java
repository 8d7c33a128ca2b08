package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.snapstore.bench.Os;
import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.SyntheticModel;

/**
 * Input files the benchmarks share, built once under {@code ${java.io.tmpdir}/snapstore-jmh} (or
 * {@code -Dsnapstore.jmh.dir=DIR}) and reused by later forks and runs. Stateless, thread-safe
 * for distinct names (JMH runs forks one after another).
 */
public final class BenchFiles {
    /** A raw image and its snapshot. */
    public record Pair(Path raw, Path snap) {
    }

    private BenchFiles() {
    }

    static Path dir() throws IOException {
        Path d = Path.of(System.getProperty("snapstore.jmh.dir", System.getProperty("java.io.tmpdir") + "/snapstore-jmh"));
        Files.createDirectories(d);
        return d;
    }

    /** The synthetic safetensors model of about {@code size} bytes, and its snapshot. */
    public static Pair model(String size, Codec codec, Integer level) throws IOException {
        long bytes = Sizes.parse(size);
        Path raw = dir().resolve("model-" + bytes + ".safetensors");
        if (!Files.exists(raw)) {
            SyntheticModel.write(raw, bytes, 42);
        }
        String name = "model-" + bytes + "-" + codec.name().toLowerCase(Locale.ROOT) + "-" + (level == null ? "d" : level) + ".snap";
        Path snap = dir().resolve(name);
        if (!Files.exists(snap)) {
            Path tmp = dir().resolve(name + ".tmp");
            SnapshotWriter.Builder b = SnapshotWriter.builder().codec(codec);
            if (level != null) {
                b.level(level);
            }
            b.build().write(raw, tmp);
            Files.move(tmp, snap, StandardCopyOption.REPLACE_EXISTING);
        }
        return new Pair(raw, snap);
    }

    /**
     * A mostly-zero image of {@code size} bytes: one 2 MiB chunk of random bytes at the start of
     * every GiB, zeros elsewhere. Returns {sparse raw file (holes), LZ4 snapshot}; both are cheap
     * to build and to store at any size.
     */
    public static Pair sparse(String size) throws IOException {
        long bytes = Sizes.parse(size);
        Path raw = dir().resolve("sparse-" + bytes + ".raw");
        Path snap = dir().resolve("sparse-" + bytes + ".snap");
        if (!Files.exists(raw)) {
            Path tmp = dir().resolve("sparse-" + bytes + ".raw.tmp");
            try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
                f.setLength(bytes);
                byte[] data = new byte[2 << 20];
                for (long g = 0; g < bytes; g += 1L << 30) {
                    fill(data, g);
                    f.seek(g);
                    f.write(data, 0, (int) Math.min(data.length, bytes - g));
                }
            }
            Files.move(tmp, raw, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(snap)) {
            Path tmp = dir().resolve("sparse-" + bytes + ".snap.tmp");
            try (InputStream in = new SparseStream(bytes)) {
                SnapshotWriter.builder().codec(Codec.LZ4).build().write(in, tmp, "sparse-" + size);
            }
            Files.move(tmp, snap, StandardCopyOption.REPLACE_EXISTING);
        }
        return new Pair(raw, snap);
    }

    private static void fill(byte[] data, long gib) {
        new SplittableRandom(gib).nextBytes(data);
    }

    /** The bytes of {@link #sparse} as a stream, without a file. */
    private static final class SparseStream extends InputStream {
        private final long size;
        private final byte[] data = new byte[2 << 20];
        private long pos;
        private long filledFor = -1;

        SparseStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            long inGib = pos & ((1L << 30) - 1);
            long gib = pos - inGib;
            int n;
            if (inGib < data.length) {
                if (filledFor != gib) {
                    fill(data, gib);
                    filledFor = gib;
                }
                n = (int) Math.min(Math.min(len, data.length - inGib), size - pos);
                System.arraycopy(data, (int) inGib, b, off, n);
            } else {
                n = (int) Math.min(Math.min(len, (1L << 30) - inGib), size - pos);
                Arrays.fill(b, off, off + n, (byte) 0);
            }
            pos += n;
            return n;
        }
    }

    /** The store-api mode called {@code name} (case-insensitive). */
    static Mode mode(String name) {
        return Mode.valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Fails with the reason when {@code mode} cannot be mapped here (JMH then reports that combination as failed). */
    static void requireAvailable(Snapshot s, Mode mode) throws IOException {
        if (mode == Mode.EAGER) {
            return;
        }
        s.map(mode, MapOptions.builder().resolverThreads(1).readOnly().build()).close();
    }

    /** Drops the files from the page cache; true when every call succeeded. */
    static boolean dropCaches(Path... files) {
        boolean ok = true;
        for (Path f : files) {
            ok &= Os.dropFromPageCache(f);
        }
        return ok;
    }

    /** Reads a file once so it is in the page cache. */
    static void cache(Path file) throws IOException {
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            while (in.read(buf) >= 0) {
                // just reading
            }
        }
    }

    /** Sums one long per 4 KiB page of {@code [address, address + size)} in order. */
    static long touchSequential(long address, long size) {
        long sum = 0;
        for (long o = 0; o < size; o += Os.PAGE) {
            sum += Os.getLong(address + o);
        }
        return sum;
    }

    /** A random permutation of the page offsets of an image of {@code size} bytes. */
    static long[] randomPages(long size, long seed) {
        int pages = (int) (size / Os.PAGE);
        long[] p = new long[pages];
        for (int i = 0; i < pages; i++) {
            p[i] = (long) i * Os.PAGE;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = pages - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
