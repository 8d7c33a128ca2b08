package dev.snapstore.samples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.Safetensors;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.SyntheticModel;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * A model server loading bf16 weights on demand: a safetensors file is packed once (zstd), then
 * mapped read-only and used layer by layer. The first layer is usable long before the whole
 * model would have been read; layers never used are never decompressed; with a read-only lazy
 * mode every process on the machine shares one physical copy.
 *
 * <p>The model is the benchmarks' synthetic transformer ({@code SyntheticModel}: bf16 weights
 * drawn from N(0, 0.02), {@value SyntheticModel#LAYERS} layers).
 *
 * <p>Run: {@code java $(cat store-cli/target/jvm.flags) -cp samples/target/samples.jar
 * dev.snapstore.samples.ModelWeightsSample [size, default 512m]}
 */
public final class ModelWeightsSample {

    public static void main(String[] args) throws Exception {
        long size = args.length > 0 ? Sizes.parse(args[0]) : 512L << 20;
        int layers = SyntheticModel.LAYERS;
        Path dir = Files.createTempDirectory("snapstore-model");
        Path weights = dir.resolve("model.safetensors");
        Path snap = dir.resolve("model.snap");
        try {
            SyntheticModel.write(weights, size, 3);
            List<Safetensors.Tensor> tensors = Safetensors.readIfPresent(weights).tensors();
            long t0 = System.nanoTime();
            SnapshotWriter.WriteResult r = SnapshotWriter.builder().codec(Codec.ZSTD).metadata("format", "safetensors")
                    .build().write(weights, snap);
            System.out.printf("model: %d tensors, %,d MiB; packed to %,d MiB (ratio %.2f) in %d ms%n", tensors.size(),
                    Files.size(weights) >> 20, r.fileBytes() >> 20, r.ratio(), (System.nanoTime() - t0) / 1_000_000);

            try (Snapshot s = Snapshot.open(snap)) {
                t0 = System.nanoTime();
                try (Region region = s.map(Mode.AUTO, MapOptions.builder().readOnly().build())) {
                    long mapNs = System.nanoTime() - t0;
                    BytesStore<?, Void> mem = region.bytesStore();
                    long headerLen = mem.readLong(0);
                    byte[] json = new byte[(int) headerLen];
                    mem.read(8, json, 0, json.length);
                    long dataStart = 8 + headerLen;
                    List<Safetensors.Tensor> table =
                            Safetensors.parse(new String(json, StandardCharsets.UTF_8), dataStart).tensors();
                    System.out.printf("mapped in %s (%s) in %.3f ms; header lists %d tensors%n", region.mode(),
                            region.modeReason(), mapNs / 1e6, table.size());
                    double checksum = 0;
                    long firstLayerNs = -1;
                    t0 = System.nanoTime();
                    for (int layer = 0; layer < layers; layer++) {
                        String prefix = "model.layers." + layer + ".";
                        for (Safetensors.Tensor t : table) {
                            if (t.name().startsWith(prefix)) {
                                checksum += sumBf16(mem, dataStart + t.begin(), t.length());
                            }
                        }
                        if (layer == 0) {
                            firstLayerNs = System.nanoTime() - t0;
                        }
                    }
                    long allNs = System.nanoTime() - t0;
                    System.out.printf("first layer ready after %.1f ms, all %d layers after %.1f ms (checksum %.4f)%n",
                            firstLayerNs / 1e6, layers, allNs / 1e6, checksum);
                    System.out.println("region stats: " + region.stats().asMap());
                }
            }
        } finally {
            Files.deleteIfExists(weights);
            Files.deleteIfExists(snap);
            Files.deleteIfExists(dir);
        }
    }

    static double sumBf16(BytesStore<?, ?> mem, long at, long bytes) {
        double sum = 0;
        for (long p = at; p + 2 <= at + bytes; p += 2) {
            int bits = (mem.readShort(p) & 0xFFFF) << 16;
            sum += Float.intBitsToFloat(bits);
        }
        return sum;
    }
}
