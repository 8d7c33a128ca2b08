package dev.snapstore.samples;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.Sizes;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * A mixture-of-experts model served from less memory than its weights: {@value #EXPERTS} experts
 * of bf16 weights in one file, packed to a snapshot, mapped read-only (SHMEM) with a memory budget
 * of a quarter of the file. Every token is routed to {@value #ACTIVE} experts drawn with Zipf
 * popularity (a few experts are hot, most are rare), and each chosen expert's stand-in compute is a
 * dot product of all its weights with the token's activation vector. The budget keeps the hot
 * experts decompressed; the rare ones are decompressed when called and evicted again.
 *
 * <p>While it runs it prints tokens/s, the hit ratio (expert calls that decompressed nothing) and
 * the region's resident memory; at the end the checksum of every output, which the test compares
 * with the same computation read from the weight file.
 *
 * <p>Run: {@code java $(cat store-cli/target/jvm.flags) -cp samples/target/samples.jar
 * dev.snapstore.samples.MixtureOfExpertsSample [weights size, default 32m] [tokens, default 1000]}
 */
public final class MixtureOfExpertsSample {
    static final int EXPERTS = 64;
    static final int ACTIVE = 2;
    /** Zipf exponent of expert popularity. */
    static final double POPULARITY = 0.99;
    /** bf16 values in a token's activation vector (the expert's weights are read against it, repeated). */
    static final int HIDDEN = 1024;

    /** What one run computed and saw. */
    record Result(long tokens, double checksum, long calls, long hits, RegionStats stats, long budget) {
        double hitRatio() {
            return calls == 0 ? 0 : hits / (double) calls;
        }
    }

    public static void main(String[] args) throws Exception {
        long size = args.length > 0 ? Sizes.parse(args[0]) : 32L << 20;
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Path dir = Files.createTempDirectory("snapstore-moe");
        try {
            run(dir, size, tokens, System.out);
        } finally {
            Files.deleteIfExists(dir.resolve("experts.bin"));
            Files.deleteIfExists(dir.resolve("experts.snap"));
            Files.deleteIfExists(dir);
        }
    }

    /** Writes the weights to {@code dir}, packs them, and serves {@code tokens} tokens under the budget. */
    static Result run(Path dir, long size, int tokens, PrintStream out) throws IOException {
        long expertBytes = (size / EXPERTS) & ~4095L;
        if (expertBytes < 8192) {
            throw new IllegalArgumentException("weights of at least " + EXPERTS * 8192 + " bytes, not " + size);
        }
        Path weights = dir.resolve("experts.bin");
        Path snap = dir.resolve("experts.snap");
        writeWeights(weights, expertBytes);
        int chunk = (int) Math.max(64 << 10, Math.min(2 << 20, Long.highestOneBit(expertBytes)));
        SnapshotWriter.WriteResult w = SnapshotWriter.builder().codec(Codec.ZSTD).chunkSize(chunk)
                .metadata("format", "moe-experts").build().write(weights, snap);
        long total = expertBytes * EXPERTS;
        long budget = total / 4;
        out.printf("%d experts of %s (%s), packed in %s chunks to %s; budget %s (a quarter)%n", EXPERTS,
                Sizes.format(expertBytes), Sizes.format(total), Sizes.format(chunk), Sizes.format(w.fileBytes()),
                Sizes.format(budget));

        try (Snapshot s = Snapshot.open(snap);
             Region region = s.map(Mode.SHMEM, MapOptions.builder().readOnly().memoryBudget(budget).build())) {
            return serve(region.bytesStore(), expertBytes, tokens, region, out);
        }
    }

    /**
     * Serves {@code tokens} tokens from the experts in {@code mem}; {@code region} (may be null: no
     * counters, every call a hit) is where the hit ratio and residency come from.
     */
    static Result serve(BytesStore<?, ?> mem, long expertBytes, int tokens, Region region, PrintStream out) {
        Router router = new Router(EXPERTS, POPULARITY, 7);
        SplittableRandom activations = new SplittableRandom(11);
        long[] activation = new long[HIDDEN / 4];
        int[] chosen = new int[ACTIVE];
        double checksum = 0;
        long calls = 0;
        long hits = 0;
        long t0 = System.nanoTime();
        long report = Math.max(1, tokens / 10);
        for (int token = 1; token <= tokens; token++) {
            for (int i = 0; i < activation.length; i++) {
                activation[i] = activations.nextLong() & 0x3FFF_3FFF_3FFF_3FFFL; // four small positive bf16
            }
            chosen[0] = router.next();
            chosen[1] = router.nextOtherThan(chosen[0]);
            for (int e : chosen) {
                long decompressedBefore = region == null ? 0 : region.stats().chunksDecompressed();
                checksum += dot(mem, e * expertBytes, expertBytes, activation);
                calls++;
                if (region == null || region.stats().chunksDecompressed() == decompressedBefore) {
                    hits++;
                }
            }
            if (region != null && (token % report == 0 || token == tokens)) {
                RegionStats st = region.stats();
                double secs = (System.nanoTime() - t0) / 1e9;
                out.printf("token %6d: %8.1f tokens/s, hit ratio %.3f, resident %s (peak %s, budget %s), "
                                + "%d evictions%n", token, token / secs, hits / (double) calls,
                        Sizes.format(st.residentBytes()), Sizes.format(st.residentPeakBytes()),
                        Sizes.format(st.budgetBytes()), st.evictions());
            }
        }
        RegionStats st = region == null ? null : region.stats();
        if (st != null) {
            out.printf("served %d tokens (%d expert calls, %d hits) with at most %s of %s resident; checksum %.6e%n",
                    tokens, calls, hits, Sizes.format(st.residentPeakBytes()), Sizes.format(expertBytes * EXPERTS),
                    checksum);
        }
        return new Result(tokens, checksum, calls, hits, st, st == null ? 0 : st.budgetBytes());
    }

    /** Weights: bf16 drawn from N(0, 0.02) (the high half of the float), expert by expert. */
    static void writeWeights(Path file, long expertBytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream o = Files.newOutputStream(file)) {
            for (int e = 0; e < EXPERTS; e++) {
                SplittableRandom r = new SplittableRandom(1000 + e);
                for (long done = 0; done < expertBytes; done += buf.capacity()) {
                    buf.clear();
                    int n = (int) Math.min(buf.capacity(), expertBytes - done);
                    for (int i = 0; i < n; i += 2) {
                        float v = (float) (gaussian(r) * 0.02);
                        buf.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                    }
                    o.write(buf.array(), 0, n);
                }
            }
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Sum of four uniforms, centred and scaled: close enough to a normal for stand-in weights.
        return (r.nextDouble() + r.nextDouble() + r.nextDouble() + r.nextDouble() - 2) * 1.7320508;
    }

    /** The stand-in compute: all of an expert's bf16 weights times the activation vector (repeated). */
    static double dot(BytesStore<?, ?> mem, long at, long bytes, long[] activation) {
        double sum = 0;
        int i = 0;
        for (long p = at; p < at + bytes; p += 8) {
            long wq = mem.readLong(p);
            long aq = activation[i];
            i = i + 1 == activation.length ? 0 : i + 1;
            for (int k = 0; k < 64; k += 16) {
                sum += bf16((int) (wq >>> k)) * bf16((int) (aq >>> k));
            }
        }
        return sum;
    }

    private static float bf16(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Picks experts with Zipf popularity; rank r is expert {@code (r * 37) % n} so hot experts are not neighbours. */
    static final class Router {
        private final double[] cumulative;
        private final SplittableRandom random;
        private final int n;

        Router(int n, double exponent, long seed) {
            this.n = n;
            this.cumulative = new double[n];
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += 1 / Math.pow(r + 1, exponent);
                cumulative[r] = sum;
            }
            for (int r = 0; r < n; r++) {
                cumulative[r] /= sum;
            }
            this.random = new SplittableRandom(seed);
        }

        int next() {
            double u = random.nextDouble();
            int lo = 0;
            int hi = n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return (int) ((lo * 37L) % n);
        }

        int nextOtherThan(int expert) {
            int e;
            do {
                e = next();
            } while (e == expert);
            return e;
        }
    }
}
