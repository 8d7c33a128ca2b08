package dev.snapstore.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a deterministic, model-like safetensors file of about a requested size: a transformer
 * with an embedding table, 16 layers (attention q/k/v/o, MLP gate/up/down, a norm) and a head.
 *
 * <p>Contents: BF16 weights drawn from N(0, 0.02) (low byte close to random, so LZ4 hardly
 * compresses them and zstd does about 1.3x, as with real weights); norms near 1.0 (compressible);
 * every MLP down projection 50% block-pruned (zero runs of 64 values), the kind of sparsity that
 * makes parts of a real image compressible. Same size and seed, same bytes.
 *
 * <p>The bench's input; see {@link SyntheticImage} for the demo's. Not thread-safe (one call writes
 * one file, using all cores internally).
 */
public final class SyntheticModel {
    /** Transformer layers of the model. */
    public static final int LAYERS = 16;
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

        List<Safetensors.Tensor> tensors = new ArrayList<>();
        long off = 0;
        for (Spec s : specs) {
            long[] shape = s.rows() == 1 ? new long[] {s.cols()} : new long[] {s.rows(), s.cols()};
            tensors.add(new Safetensors.Tensor(s.name(), "BF16", shape, off, off + s.bytes()));
            off += s.bytes();
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("generator", "snapstore-bench synthetic model, seed " + seed);
        byte[] head = Safetensors.header(tensors, meta);
        long dataStart = head.length;
        long total = dataStart + off;

        // Blocks of at most BLOCK bytes, each filled from a seed of its own: any order, same bytes.
        List<long[]> blocks = new ArrayList<>(); // {tensor, offset in tensor, length}
        for (int i = 0; i < specs.size(); i++) {
            for (long b = 0; b < specs.get(i).bytes(); b += BLOCK) {
                blocks.add(new long[] {i, b, Math.min(BLOCK, specs.get(i).bytes() - b)});
            }
        }
        short[] weights = table(seed, 0.0, 0.02);
        short[] norms = table(seed + 1, 1.0, 0.05);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FileIo.writeFully(ch, ByteBuffer.wrap(head), 0);
            ParallelChunks.run("synthetic-model", blocks.size(), Runtime.getRuntime().availableProcessors(),
                    () -> ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN), (buf, k) -> {
                        long[] blk = blocks.get(k);
                        int i = (int) blk[0];
                        Spec s = specs.get(i);
                        buf.clear().limit((int) blk[2]);
                        long blockSeed = seed * 31 + i * 1_000_003L + blk[1] / BLOCK;
                        fill(buf, s.fill() == Fill.NORM ? norms : weights, s.fill() == Fill.PRUNED, blk[1], blockSeed);
                        buf.flip();
                        FileIo.writeFully(ch, buf, dataStart + tensors.get(i).begin() + blk[1]);
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing " + file);
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
}
