package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a deterministic, model-like safetensors file of about a requested size: a transformer
 * with an embedding table, 16 layers (attention q/k/v/o, MLP gate/up/down, a norm) and a head.
 *
 * <p>Contents: BF16 weights drawn from N(0, 0.02) (low byte close to random, so LZ4 hardly
 * compresses them and zstd does about 1.3x, as with real weights); norms near 1.0 (compressible);
 * every MLP down projection 50% block-pruned (zero runs of 64 values), the kind of sparsity that
 * makes parts of a real image compressible. Same size and seed, same bytes.
 *
 * <p>Not thread-safe (one call writes one file, using all cores internally).
 */
public final class SyntheticModel {
    static final int LAYERS = 16;
    private static final int BLOCK = 8 << 20;

    private SyntheticModel() {
    }

    /** What a tensor's bytes look like. */
    enum Fill { WEIGHT, NORM, PRUNED }

    private record Spec(String name, long rows, long cols, Fill fill) {
        long bytes() {
            return rows * cols * 2;
        }
    }

    /** Writes {@code file} (replacing it) and returns its size. */
    public static long write(Path file, long approxBytes, long seed) throws IOException {
        // bytes ~= (32 * LAYERS + 32) * h^2 with the MLP 4h wide and a vocabulary of 8h
        long h = Math.max(16, (long) Math.sqrt(approxBytes / (32.0 * LAYERS + 32)) / 16 * 16);
        long vocab = 8 * h;
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("model.embed_tokens.weight", vocab, h, Fill.WEIGHT));
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            specs.add(new Spec(p + "input_layernorm.weight", 1, h, Fill.NORM));
            for (String w : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                specs.add(new Spec(p + "self_attn." + w + ".weight", h, h, Fill.WEIGHT));
            }
            specs.add(new Spec(p + "post_attention_layernorm.weight", 1, h, Fill.NORM));
            specs.add(new Spec(p + "mlp.gate_proj.weight", 4 * h, h, Fill.WEIGHT));
            specs.add(new Spec(p + "mlp.up_proj.weight", 4 * h, h, Fill.WEIGHT));
            specs.add(new Spec(p + "mlp.down_proj.weight", h, 4 * h, Fill.PRUNED));
        }
        specs.add(new Spec("model.norm.weight", 1, h, Fill.NORM));
        specs.add(new Spec("lm_head.weight", vocab, h, Fill.WEIGHT));

        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("generator", "snapstore-bench synthetic model, seed " + seed);
        header.put("__metadata__", meta);
        long off = 0;
        long[] starts = new long[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", "BF16");
            t.put("shape", s.rows() == 1 ? List.of(s.cols()) : List.of(s.rows(), s.cols()));
            t.put("data_offsets", List.of(off, off + s.bytes()));
            header.put(s.name(), t);
            starts[i] = off;
            off += s.bytes();
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        long dataStart = 8 + padded;
        long total = dataStart + off;

        short[] weights = table(seed, 0.0, 0.02);
        short[] norms = table(seed + 1, 1.0, 0.05);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            head.flip();
            writeFully(ch, head, 0);
            int threads = Runtime.getRuntime().availableProcessors();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> jobs = new ArrayList<>();
                for (int i = 0; i < specs.size(); i++) {
                    Spec s = specs.get(i);
                    for (long b = 0; b < s.bytes(); b += BLOCK) {
                        long blockOff = b;
                        int len = (int) Math.min(BLOCK, s.bytes() - b);
                        long pos = dataStart + starts[i] + b;
                        long blockSeed = seed * 31 + i * 1_000_003L + b / BLOCK;
                        jobs.add(pool.submit(() -> {
                            ByteBuffer buf = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
                            fill(buf, s.fill() == Fill.NORM ? norms : weights, s.fill() == Fill.PRUNED, blockOff, blockSeed);
                            buf.flip();
                            writeFully(ch, buf, pos);
                            return null;
                        }));
                    }
                }
                for (Future<?> f : jobs) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("writing " + file + ": " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        return total;
    }

    /** 65536 BF16 samples of N(mean, sd): random 16-bit indices into it give the distribution cheaply. */
    private static short[] table(long seed, double mean, double sd) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] t = new short[1 << 16];
        for (int i = 0; i < t.length; i++) {
            float f = (float) (mean + sd * r.nextGaussian());
            t[i] = (short) (Float.floatToRawIntBits(f) >>> 16);
        }
        return t;
    }

    private static void fill(ByteBuffer buf, short[] table, boolean pruned, long tensorOffset, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long value = tensorOffset / 2;
        while (buf.remaining() >= 8) {
            long bits = r.nextLong();
            boolean zero = pruned && ((value >>> 6) & 1) == 1;
            for (int k = 0; k < 4; k++) {
                buf.putShort(zero ? 0 : table[(int) (bits >>> (16 * k)) & 0xFFFF]);
            }
            value += 4;
        }
        while (buf.hasRemaining()) {
            buf.put((byte) 0);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }
}
