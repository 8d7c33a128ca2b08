package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.safetensors.Dtype;
import dev.snapstore.store.safetensors.PythonFixtures;
import dev.snapstore.store.safetensors.SafetensorsModel;
import dev.snapstore.store.safetensors.TensorView;

/**
 * A safetensors file past 2 GiB, written sparse by numpy (make_safetensors.py big: a 2^31 + 4096
 * byte tensor of zeros that is a hole in the file, then a tensor beyond offset 2^31), packed and read
 * through lazily mapped regions: offsets past an int, a ByteBuffer refused with its reason, and only
 * the chunks touched are produced.
 */
class LargeSafetensorsTest {
    private static final int CHUNK = 2 << 20;

    @TempDir
    static Path dir;
    static Path snap;
    static double[] tail;

    @BeforeAll
    static void packBig() throws Exception {
        NativeTestSupport.assumeLazyModes();
        PythonFixtures.generate(dir, "big");
        Path file = dir.resolve("big.safetensors");
        assertTrue(Files.size(file) > (1L << 31) + 4096, "file size " + Files.size(file));
        snap = dir.resolve("big.snap");
        SnapshotWriter.builder().codec(Codec.LZ4).chunkSize(CHUNK).build().write(file, snap);
        assertTrue(Files.size(snap) < 16 << 20, "zeros should cost nothing: " + Files.size(snap));
        tail = PythonFixtures.doubles(dir.resolve("big.tail.f64"));
    }

    @Test
    void anonymous() throws Exception {
        check(Mode.ANONYMOUS);
    }

    @Test
    void shmem() throws Exception {
        check(Mode.SHMEM);
    }

    private static void check(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        try (SafetensorsModel model = SafetensorsModel.open(snap, mode, MapOptions.builder().writable(false).build())) {
            assertEquals("yes", model.metadata().get("sparse"));
            TensorView tailView = model.tensor("tail");
            assertTrue(tailView.offset() > 1L << 31, "tail at " + tailView.offset());
            TensorView zeros = model.tensor("zeros");
            assertEquals(Dtype.U8, zeros.dtype());
            assertEquals((1L << 31) + 4096, zeros.elementCount());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, zeros::asByteBuffer);
            assertTrue(e.getMessage().contains("2^31 - 1") && e.getMessage().contains("'zeros'"), e.getMessage());

            model.prefetch(List.of("tail", "head")).get(60, TimeUnit.SECONDS);
            float[] head = {1.5f, -2.0f, 3.25f, 4.0f};
            for (int i = 0; i < head.length; i++) {
                assertEquals(head[i], model.tensor("head").getFloat(i));
            }
            assertEquals(tail.length, tailView.elementCount());
            for (int i = 0; i < tail.length; i++) {
                assertEquals(tail[i], tailView.getFloat(i), 0.0, "tail[" + i + "]");
            }
            // the tail's bytes through a ByteBuffer too: it is small, only its offset is past 2^31
            assertEquals((float) tail[1023], tailView.asByteBuffer().getFloat(1023 * 4));
            for (long i : new long[] {0, (1L << 31) - 1, 1L << 31, zeros.elementCount() - 1}) {
                assertEquals(0, zeros.getLong(i), "zeros[" + i + "]");
            }
            assertEquals(0, zeros.getByte(zeros.byteSize() - 1));
            model.shards().get(0).region().checkHealthy();
            RegionStats st = model.shards().get(0).region().stats();
            assertTrue(st.chunksDecompressed() <= 4, "lazy: only the header's and tail's chunks, got "
                    + st.chunksDecompressed() + " of " + model.shards().get(0).snapshot().chunkCount());
        }
    }
}
