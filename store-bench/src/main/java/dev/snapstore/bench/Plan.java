package dev.snapstore.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import dev.snapstore.tools.Safetensors;

/**
 * What a scenario touches: byte ranges ("segments": a tensor, a chunk, one lookup) in order. Every
 * segment is touched one 8-byte word per 4 KiB page (its first word, then every page boundary
 * inside it), which faults every page in without measuring the application's own compute.
 *
 * <p>Thread-safe; treat as immutable: {@code offsets()} and {@code lengths()} return the arrays
 * themselves, which nothing writes after {@link #of} built them.
 *
 * @param write       every touch also writes (the jmh-fork scenario mutates its state)
 * @param iterations  passes over the segments, with a reset between them
 * @param description one line saying what is touched
 * @param touchOps    touches in one iteration
 */
public record Plan(Scenario scenario, long imageSize, long[] offsets, long[] lengths, boolean write, int iterations,
                   String description, long touchOps) {

    /**
     * Builds the plan of {@code scenario} over an image of {@code imageSize} bytes stored in
     * chunks of {@code chunkSize}; {@code tensors} (layer order) is used by model-weights when the
     * image is a safetensors file, else the image is read as 64 MiB blocks.
     */
    public static Plan of(Scenario scenario, long imageSize, int chunkSize, Safetensors.Layout layout, long seed) {
        List<Safetensors.Tensor> tensors = layout == null ? null : layout.tensors();
        List<long[]> segs = new ArrayList<>();
        long chunks = Math.max(1, (imageSize + chunkSize - 1) / chunkSize);
        switch (scenario) {
            case MODEL_WEIGHTS: {
                if (tensors != null && !tensors.isEmpty()) {
                    for (Safetensors.Tensor t : Safetensors.layerOrder(tensors)) {
                        if (t.length() > 0) {
                            segs.add(new long[] {layout.fileOffset(t), t.length()});
                        }
                    }
                    return build(scenario, imageSize, segs, false, 1,
                            tensors.size() + " tensors in layer order, every page of each");
                }
                long block = 64L << 20;
                for (long o = 0; o < imageSize; o += block) {
                    segs.add(new long[] {o, Math.min(block, imageSize - o)});
                }
                return build(scenario, imageSize, segs, false, 1, "not a safetensors file: 64 MiB blocks in order");
            }
            case SERVICE_STATE:
            case BUDGET: {
                long pages = Math.max(1, imageSize / Os.PAGE);
                long lookups = Math.max(256, pages / 5);
                Zipf zipf = new Zipf(pages, 0.99, seed);
                for (long i = 0; i < lookups; i++) {
                    long page = Zipf.scramble(zipf.next(), pages);
                    long len = Math.min(Os.PAGE, imageSize - page * Os.PAGE);
                    segs.add(new long[] {page * Os.PAGE, len});
                }
                return build(scenario, imageSize, segs, false, 1, (scenario == Scenario.BUDGET
                        ? "timed lookups with scans (BudgetWorkload); as a plan: " : "")
                        + lookups + " 4 KiB lookups, Zipf s=0.99 over " + pages + " pages (hot pages scattered)");
            }
            case RANDOM_CHUNKS: {
                long[] picked = randomChunks(segs, chunks, chunkSize, imageSize, 0.05, seed);
                return build(scenario, imageSize, segs, false, 1,
                        picked.length + " of " + chunks + " chunks (5%) at random, every page of each");
            }
            case JMH_FORK: {
                long[] picked = randomChunks(segs, chunks, chunkSize, imageSize, 0.20, seed);
                return build(scenario, imageSize, segs, true, 5,
                        "5 iterations of: read+write every page of 20% of chunks (" + picked.length + "), then reset");
            }
            case FULL_SCAN: {
                for (long o = 0; o < imageSize; o += chunkSize) {
                    segs.add(new long[] {o, Math.min(chunkSize, imageSize - o)});
                }
                return build(scenario, imageSize, segs, false, 1, "every page in address order");
            }
            default:
                throw new IllegalArgumentException(String.valueOf(scenario));
        }
    }

    /** {@code k} distinct values of {@code [0, n)} in random order (partial Fisher-Yates). */
    static long[] pick(long n, long k, long seed) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many chunks: " + n);
        }
        long[] all = new long[(int) n];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        int take = (int) Math.min(k, n);
        for (int i = 0; i < take; i++) {
            int j = i + r.nextInt(all.length - i);
            long t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return Arrays.copyOf(all, take);
    }

    private static Plan build(Scenario s, long size, List<long[]> segs, boolean write, int iterations, String what) {
        long[] o = new long[segs.size()];
        long[] l = new long[segs.size()];
        long ops = 0;
        for (int i = 0; i < o.length; i++) {
            o[i] = segs.get(i)[0];
            l[i] = segs.get(i)[1];
            ops += touchesIn(o[i], l[i]);
        }
        return new Plan(s, size, o, l, write, iterations, what, ops);
    }

    /** Every page of {@code fraction} of the chunks, picked at random. */
    private static long[] randomChunks(List<long[]> segs, long chunks, int chunkSize, long imageSize, double fraction,
                                       long seed) {
        long[] picked = pick(chunks, Math.max(1, (long) Math.ceil(chunks * fraction)), seed);
        for (long c : picked) {
            long o = c * chunkSize;
            segs.add(new long[] {o, Math.min(chunkSize, imageSize - o)});
        }
        return picked;
    }

    /** Number of 8-byte touches in {@code [offset, offset + length)}: the first word and each page start after it. */
    static long touchesIn(long offset, long length) {
        if (length <= 0) {
            return 0;
        }
        long first = offset & ~7L;
        long end = offset + length;
        long nextPage = (first & ~(long) (Os.PAGE - 1)) + Os.PAGE;
        return 1 + (end > nextPage ? (end - nextPage + Os.PAGE - 1) / Os.PAGE : 0);
    }

    /** Segments in one iteration. */
    public int segments() {
        return offsets.length;
    }

    public long offset(int segment) {
        return offsets[segment];
    }

    public long length(int segment) {
        return lengths[segment];
    }

    /** Bytes one iteration covers (touches x 4 KiB): the numerator of touch throughput. */
    public long touchBytes() {
        return touchOps * Os.PAGE;
    }
}
