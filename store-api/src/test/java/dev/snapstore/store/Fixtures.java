package dev.snapstore.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small deterministic snapshot files committed under {@code src/test/resources/fixtures/}, for
 * decoders that must agree with the Java one (the C engine's test reads them from store-api's
 * test-jar with {@link #copyTo}). Each holds the same image of 4 full 64 KiB chunks and a short
 * last chunk: text (compressed), zeros (ZERO), other text (compressed), a repeat of chunk 0
 * (DEDUP) and 3000 random bytes (stored as NONE).
 *
 * <p>Regenerate with {@code java -cp <test classes and deps> dev.snapstore.store.Fixtures
 * store-api/src/test/resources/fixtures} (see the README there); FixturesTest checks the committed
 * files against {@link #image()}.
 */
public final class Fixtures {
    public static final int CHUNK = 64 << 10;
    /**
     * The committed format-v1 files (XXH64 content hashes), written by the v1 writer, which no
     * longer exists: kept to prove v1 files stay readable and verifiable.
     */
    public static final List<String> V1 = List.of("lz4.snap", "zstd.snap");
    /** The committed files the writer reproduces (format v2), one per compressing codec. */
    public static final List<String> WRITTEN = List.of("lz4.v2.snap", "zstd.v2.snap");
    /** Every committed file (each also holds a NONE chunk). */
    public static final List<String> NAMES = List.of("lz4.snap", "zstd.snap", "lz4.v2.snap", "zstd.v2.snap");
    /** SHA-256 of {@link #image()} (also in the fixtures' README). */
    public static final String IMAGE_SHA256 = "2207ea53b373a1c30d04910a5b4755e4ca01663a10ed615a6196bd2878958edb";

    private Fixtures() {
    }

    /** The image every fixture restores to. */
    public static byte[] image() {
        byte[] img = new byte[4 * CHUNK + 3000];
        text(img, 0, CHUNK, "chunk zero: the quick brown fox jumps over the lazy dog ");
        // chunk 1 stays zero
        text(img, 2 * CHUNK, CHUNK, "chunk two: snapshot restore page fault resolver ");
        System.arraycopy(img, 0, img, 3 * CHUNK, CHUNK);
        SplittableRandom rnd = new SplittableRandom(2026);
        for (int i = 4 * CHUNK; i < img.length; i++) {
            img[i] = (byte) rnd.nextInt();
        }
        return img;
    }

    private static void text(byte[] img, int at, int n, String phrase) {
        int line = 0;
        for (int i = at; i < at + n; ) {
            byte[] l = (line++ + " " + phrase + "\n").getBytes(StandardCharsets.US_ASCII);
            int k = Math.min(l.length, at + n - i);
            System.arraycopy(l, 0, img, i, k);
            i += k;
        }
    }

    /** Codec of fixture {@code name}. */
    public static Codec codec(String name) {
        return Codec.valueOf(name.substring(0, name.indexOf('.')).toUpperCase());
    }

    /** Writes fixture {@code name} to {@code out}, deterministically (fixed metadata, no timestamp). */
    public static void write(String name, Path out) throws IOException {
        Path in = Files.createTempFile("fixture", ".bin");
        try {
            Files.write(in, image());
            SnapshotWriter.builder().codec(codec(name)).chunkSize(CHUNK).threads(1)
                    .metadata("source", "Fixtures.image()").metadata("created", "2026-01-01T00:00:00Z")
                    .profile(new int[] {4, 0, 2})
                    .build().write(in, out);
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** Copies the committed fixture {@code name} from the class path (a test-jar too) into {@code dir}. */
    public static Path copyTo(Path dir, String name) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IOException("fixture " + name + " not on the class path");
            }
            Path out = dir.resolve(name);
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        }
    }

    /** Format version of fixture {@code name}. */
    public static int version(String name) {
        return V1.contains(name) ? 1 : 2;
    }

    /** Regenerates the fixtures the writer reproduces into the directory given as the only argument. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (String name : WRITTEN) {
            write(name, dir.resolve(name));
            System.out.println(dir.resolve(name) + ": " + Files.size(dir.resolve(name)) + " bytes");
        }
    }
}
