package dev.snapstore.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.Safetensors;
import net.openhft.chronicle.bytes.BytesStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplesTest {
    @TempDir
    Path dir;

    @Test
    void safetensorsHeaderRoundTrips() throws Exception {
        Path f = dir.resolve("m.safetensors");
        List<Safetensors.Tensor> written = ModelWeightsSample.writeModel(f, 2, 64);
        byte[] all = Files.readAllBytes(f);
        long len = java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        List<Safetensors.Tensor> parsed = Safetensors.parse(new String(all, 8, (int) len, StandardCharsets.UTF_8), 8 + len).tensors();
        assertEquals(written.size(), parsed.size());
        for (int i = 0; i < written.size(); i++) {
            assertEquals(written.get(i).name(), parsed.get(i).name());
            assertArrayEquals(written.get(i).shape(), parsed.get(i).shape());
            assertEquals(written.get(i).end(), parsed.get(i).end());
        }
        assertEquals(8 + len + written.get(written.size() - 1).end(), all.length);
    }

    @Test
    void restoredIndexAnswersLikeTheOriginal() throws Exception {
        long entries = 50_000;
        BytesStore<?, Void> built = BytesStore.nativeStoreWithFixedCapacity(ServiceStateSample.LongIndex.bytesFor(entries));
        Path snap = dir.resolve("idx.snap");
        try {
            built.zeroOut(0, built.capacity());
            ServiceStateSample.LongIndex index = new ServiceStateSample.LongIndex(built);
            for (long k = 1; k <= entries; k++) {
                index.put(k, ServiceStateSample.valueOf(k));
            }
            SnapshotWriter.builder().chunkSize(64 << 10).build().write(built, snap);
        } finally {
            built.releaseLast();
        }
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(Mode.AUTO)) {
            ServiceStateSample.LongIndex index = new ServiceStateSample.LongIndex(r.bytesStore());
            for (long k = 1; k <= entries; k += 97) {
                assertEquals(ServiceStateSample.valueOf(k), index.get(k));
            }
            assertEquals(-1, index.get(entries + 5));
        }
    }
}
