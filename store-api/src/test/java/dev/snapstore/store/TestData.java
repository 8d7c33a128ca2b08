package dev.snapstore.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Synthetic images with the texture of real ones, and small helpers shared by tests. */
public final class TestData {
    private static final String[] WORDS = ("the of and to in is was for on that with as by at from his her "
            + "snapshot chunk page fault region memory index cache resolver kernel vector tensor weight layer "
            + "service state restore lazy eager").split(" ");

    private TestData() {
    }

    /**
     * {@code length} bytes of 4 KiB blocks: text-like, bf16-like weights, zero runs and repeats of
     * earlier blocks, in a sequence fixed by {@code seed}.
     */
    public static byte[] mixed(int length, long seed) {
        byte[] out = new byte[length];
        SplittableRandom rnd = new SplittableRandom(seed);
        int block = 4096;
        for (int at = 0; at < length; at += block) {
            int n = Math.min(block, length - at);
            int kind = rnd.nextInt(4);
            switch (kind) {
                case 0:
                    text(out, at, n, rnd);
                    break;
                case 1:
                    bf16(out, at, n, rnd);
                    break;
                case 2:
                    break; // zeros
                default:
                    if (at >= block) {
                        int from = rnd.nextInt(at / block) * block;
                        System.arraycopy(out, from, out, at, n);
                    } else {
                        text(out, at, n, rnd);
                    }
            }
        }
        return out;
    }

    static void text(byte[] out, int at, int n, SplittableRandom rnd) {
        int i = at;
        int end = at + n;
        while (i < end) {
            byte[] w = WORDS[rnd.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
            for (int k = 0; k < w.length && i < end; k++) {
                out[i++] = w[k];
            }
            if (i < end) {
                out[i++] = (byte) (rnd.nextInt(12) == 0 ? '\n' : ' ');
            }
        }
    }

    static void bf16(byte[] out, int at, int n, SplittableRandom rnd) {
        ByteBuffer b = ByteBuffer.wrap(out, at, n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= 2) {
            float f = (float) (gaussian(rnd) * 0.02);
            b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1.0 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** Writes {@code content} to a file and packs it. */
    public static Path pack(Path dir, byte[] content, Codec codec, int chunkSize) throws IOException {
        Path in = Files.createTempFile(dir, "input", ".bin");
        Files.write(in, content);
        Path out = dir.resolve(in.getFileName() + "." + codec.name().toLowerCase() + ".snap");
        SnapshotWriter.builder().codec(codec).chunkSize(chunkSize).threads(2).build().write(in, out);
        return out;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The {@code key=value} pairs of a child process's report lines: every line of {@code out} that
     * starts with {@code first + "="}, split at spaces (a later line's key wins).
     */
    public static java.util.Map<String, String> keyValues(String out, String first) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith(first + "=")) {
                for (String kv : line.trim().split(" ")) {
                    int eq = kv.indexOf('=');
                    m.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        return m;
    }
}
