package dev.snapstore.tools;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * A synthetic memory image that looks like what people snapshot, written to a file in parallel.
 *
 * <p>The image is cut into pages of {@code pageSize} bytes (the snapshot chunk size, so repeats
 * line up with chunks). Each page is, by a hash of the seed and its number:
 * <ul>
 *   <li>about 10%: all zeros (unused heap, padding, sparse tables);</li>
 *   <li>about 12%: an exact copy of an earlier page (duplicated buffers, replicated tensors);</li>
 *   <li>the rest: runs of 16 KiB to 512 KiB, each one of text-like records (words from a skewed
 *       vocabulary: compressible), bf16-like weights (normally distributed
 *       values, sign/exponent/7-bit mantissa: barely compressible), zero runs, or tables of
 *       structured little-endian integers (ids, offsets, counters).</li>
 * </ul>
 * The content of a page depends only on (seed, page number), so it can be generated anywhere,
 * in any order, and a repeat is regenerated from its source page rather than read back.
 * Used by {@code snapstore demo} and the restore warm-up. Thread-safe (stateless apart from the
 * immutable vocabulary).
 *
 * @see SyntheticModel the bench's model-shaped input
 */
public final class SyntheticImage {
    public static final int RUN_MIN = 16 << 10;
    public static final int RUN_MAX = 512 << 10;

    private final long seed;
    private final int pageSize;
    private final byte[][] words;

    public SyntheticImage(long seed, int pageSize) {
        this.seed = seed;
        this.pageSize = pageSize;
        this.words = vocabulary(seed, 4096);
    }

    /** Page kinds, for tests and the demo's description. */
    public enum Kind { ZERO, REPEAT, MIXED }

    /** What page {@code page} is. */
    public Kind kind(long page) {
        if (page == 0) {
            return Kind.MIXED;
        }
        long h = mix(seed ^ (page * 0x9E3779B97F4A7C15L)) >>> 1;
        int pct = (int) (h % 100);
        if (pct < 10) {
            return Kind.ZERO;
        }
        if (pct < 22) {
            return Kind.REPEAT;
        }
        return Kind.MIXED;
    }

    /** The mixed page a page's bytes come from (itself unless it is a repeat). */
    public long source(long page) {
        long p = page;
        // A repeat copies an earlier page; follow the chain down to a page with its own content.
        while (kind(p) == Kind.REPEAT) {
            long h = mix(seed + 31 * p) >>> 1;
            p = h % p;
        }
        return p;
    }

    /** Fills {@code dst[0, length)} with page {@code page}'s content (its first {@code length} bytes). */
    public void page(long page, byte[] dst, int length) {
        long src = source(page);
        if (kind(src) == Kind.ZERO) {
            java.util.Arrays.fill(dst, 0, length, (byte) 0);
            return;
        }
        long state = mix(seed * 0x2545F4914F6CDD1DL + src + 1);
        int pos = 0;
        int end = Math.min(length, pageSize);
        while (pos < end) {
            state = next(state);
            int run = RUN_MIN + (int) ((state >>> 33) % (RUN_MAX - RUN_MIN + 1));
            run &= ~4095;
            run = Math.min(run, end - pos);
            state = next(state);
            int pick = (int) ((state >>> 40) % 100);
            if (pick < 40) {
                state = text(dst, pos, run, state);
            } else if (pick < 80) {
                state = bf16(dst, pos, run, state);
            } else if (pick < 90) {
                java.util.Arrays.fill(dst, pos, pos + run, (byte) 0);
            } else {
                state = table(dst, pos, run, state);
            }
            pos += run;
        }
    }

    /**
     * Writes an image of {@code size} bytes to {@code file} with {@code threads} threads; all-zero
     * pages stay holes. {@code progress} hears of every page's length.
     */
    public void write(Path file, long size, int threads, LongConsumer progress) throws IOException, InterruptedException {
        long pages = (size + pageSize - 1) / pageSize;
        if (pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many pages: " + pages + " of " + pageSize + " bytes");
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.setLength(size);
            FileChannel ch = raf.getChannel();
            ParallelChunks.run("snapstore-synthetic", (int) pages, threads, () -> new byte[pageSize], (buf, p) -> {
                long off = (long) p * pageSize;
                int len = (int) Math.min(pageSize, size - off);
                if (kind(source(p)) != Kind.ZERO) {
                    page(p, buf, len);
                    FileIo.writeFully(ch, ByteBuffer.wrap(buf, 0, len), off);
                }
                progress.accept(len);
            });
        }
    }

    /** Log lines and key=value records built from the vocabulary, Zipf-like word choice. */
    private long text(byte[] dst, int pos, int len, long state) {
        int end = pos + len;
        int col = 0;
        while (pos < end) {
            state = next(state);
            double u = (state >>> 11) * 0x1.0p-53;
            int w = (int) (words.length * u * u * u); // skewed towards the first words
            byte[] word = words[w];
            int n = Math.min(word.length, end - pos);
            System.arraycopy(word, 0, dst, pos, n);
            pos += n;
            col += n;
            if (pos < end) {
                int sep = (int) (state & 15);
                dst[pos++] = col > 72 ? (byte) '\n' : sep == 0 ? (byte) '=' : sep == 1 ? (byte) ',' : (byte) ' ';
                if (col > 72) {
                    col = 0;
                }
            }
        }
        return state;
    }

    /** bf16 values ~ N(0, 0.02): the upper half of an IEEE float, little-endian. */
    private static long bf16(byte[] dst, int pos, int len, long state) {
        int end = pos + (len & ~1);
        while (pos < end) {
            state = next(state);
            // Irwin-Hall: the sum of four 16-bit uniforms is close to normal (mean 2, variance 1/3).
            double g = ((state & 0xffff) + ((state >>> 16) & 0xffff) + ((state >>> 32) & 0xffff)
                    + (state >>> 48)) * (1.0 / 65536) - 2.0;
            float f = (float) (g * 1.7320508 * 0.02);
            int bits = Float.floatToRawIntBits(f) >>> 16;
            dst[pos] = (byte) bits;
            dst[pos + 1] = (byte) (bits >>> 8);
            pos += 2;
        }
        if ((len & 1) != 0) {
            dst[end] = 0;
        }
        return state;
    }

    /** 16-byte records: increasing id, small offset, a flag word and a counter. */
    private static long table(byte[] dst, int pos, int len, long state) {
        ByteBuffer b = ByteBuffer.wrap(dst, pos, len).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        state = next(state);
        long id = state >>> 40;
        while (b.remaining() >= 16) {
            state = next(state);
            id += 1 + (state & 3);
            b.putLong(id);
            b.putShort((short) ((state >>> 8) & 0x3ff));
            b.putShort((short) ((state >>> 20) & 0x3));
            b.putInt((int) ((state >>> 32) & 0xfff));
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
        return state;
    }

    private static byte[][] vocabulary(long seed, int n) {
        String[] common = {"the", "id", "user", "session", "request", "GET", "POST", "/api/v1/items", "200",
                "404", "true", "false", "null", "INFO", "WARN", "ERROR", "timestamp", "2026-11-22T00:40:00Z",
                "latency_ms", "status", "cache", "hit", "miss", "region", "chunk", "snapshot", "value"};
        byte[][] w = new byte[n][];
        long s = mix(seed + 7);
        for (int i = 0; i < n; i++) {
            if (i < common.length) {
                w[i] = common[i].getBytes(StandardCharsets.US_ASCII);
                continue;
            }
            s = next(s);
            int len = 2 + (int) ((s >>> 50) % 10);
            byte[] word = new byte[len];
            for (int k = 0; k < len; k++) {
                s = next(s);
                word[k] = (byte) ('a' + (s >>> 59) % 26);
            }
            w[i] = word;
        }
        return w;
    }

    /** xorshift64*: fast, good enough for synthetic content. */
    private static long next(long x) {
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        return x * 0x2545F4914F6CDD1DL;
    }

    /** SplitMix64 finaliser; never returns 0 for the xorshift state. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return z == 0 ? 0x9E3779B97F4A7C15L : z;
    }
}
