package dev.snapstore.samples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.safetensors.SafetensorsModel;
import dev.snapstore.store.safetensors.TensorInfo;
import dev.snapstore.store.safetensors.TensorView;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.SyntheticModel;

/**
 * The safetensors API: a model file packed once, then opened as a table of tensors read in place
 * from a lazily mapped, read-only region; the first layer is prefetched in the background (native
 * populate, many faults in flight) while the embeddings are read; only the chunks of the tensors
 * touched are decompressed. The block between the README markers is the README's safetensors
 * example (SamplesTest checks they are the same text).
 *
 * <p>Run: {@code java -jar samples/target/samples.jar safetensors [size, default 256m]}
 */
public final class SafetensorsSample {

    public static void main(String[] args) throws Exception {
        long size = args.length > 0 ? Sizes.parse(args[0]) : 256L << 20;
        Path dir = Files.createTempDirectory("snapstore-safetensors");
        Path file = dir.resolve("model.safetensors");
        Path packed = dir.resolve("model.safetensors.snap");
        try {
            SyntheticModel.write(file, size, 3);
            // README:safetensors
            SnapshotWriter.builder().codec(Codec.ZSTD).build().write(file, packed); // or: snapstore pack FILE SNAP
            try (SafetensorsModel model = SafetensorsModel.open(packed, Mode.AUTO, MapOptions.builder().readOnly().build())) {
                List<String> layer0 = model.tensors().stream().map(TensorInfo::name)
                        .filter(n -> n.startsWith("model.layers.0.")).collect(Collectors.toList());
                CompletableFuture<Void> ready = model.prefetch(layer0);          // filled natively, in the background
                TensorView embed = model.tensor("model.embed_tokens.weight");  // BF16 [vocab, hidden]
                float first = embed.getFloat(0);                                  // widened to float, read in place
                ready.join();                                                     // layer 0 is resident now
                TensorView q = model.tensor("model.layers.0.self_attn.q_proj.weight");
                double sum = 0;
                for (long i = 0; i < q.elementCount(); i++) {
                    sum += q.getFloat(i);
                }
                RegionStats st = model.shards().get(0).region().stats();
                System.out.printf("%d tensors, embed[0] = %f, q_proj sum %.4f; %d of %d chunks decompressed%n",
                        model.tensors().size(), first, sum, st.chunksDecompressed(), model.shards().get(0).snapshot().chunkCount());
            }
            // README:end
        } finally {
            Files.deleteIfExists(packed);
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
