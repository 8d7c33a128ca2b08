package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.safetensors.PythonFixtures;
import dev.snapstore.store.safetensors.SafetensorsModel;
import dev.snapstore.store.safetensors.TensorView;

/** The JDK 22+ version of RegionSegments (compiled and run only when the build's JDK is 22 or later). */
class RegionSegments22Test {
    @TempDir
    Path dir;

    @Test
    void aSegmentSeesTheImageAndIsReadOnlyUnlessWritable() throws Exception {
        byte[] image = new byte[(1 << 20) + 12345];
        new Random(3).nextBytes(image);
        Path raw = dir.resolve("image.bin");
        Files.write(raw, image);
        Path snap = dir.resolve("image.snap");
        SnapshotWriter.builder().chunkSize(64 << 10).build().write(raw, snap);
        assertTrue(RegionSegments.isSupported());
        try (Snapshot s = Snapshot.open(snap)) {
            for (boolean writable : new boolean[] {false, true}) {
                try (Region r = s.map(Mode.EAGER, MapOptions.builder().writable(writable).build())) {
                    MemorySegment all = RegionSegments.of(r);
                    assertEquals(image.length, all.byteSize());
                    assertEquals(r.address(), all.address());
                    assertEquals(!writable, all.isReadOnly());
                    for (int i = 0; i < image.length; i += 997) {
                        assertEquals(image[i], all.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
                    }
                    MemorySegment part = RegionSegments.of(r, 70_000, 100);
                    assertEquals(image[70_042], part.get(ValueLayout.JAVA_BYTE, 42));
                    assertThrows(IndexOutOfBoundsException.class, () -> part.get(ValueLayout.JAVA_BYTE, 100));
                    assertThrows(IndexOutOfBoundsException.class, () -> RegionSegments.of(r, image.length - 1, 2));
                    assertThrows(IndexOutOfBoundsException.class, () -> RegionSegments.of(r, -1, 1));
                    if (!writable) {
                        assertThrows(IllegalArgumentException.class, () -> all.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
                    } else {
                        all.set(ValueLayout.JAVA_BYTE, 0, (byte) (image[0] + 1));
                        assertEquals((byte) (image[0] + 1), r.slice(0, 1).get(0));
                    }
                }
            }
        }
    }

    @Test
    void aTensorSegmentHoldsTheTensorsValues() throws Exception {
        PythonFixtures.generate(dir);
        Path snap = dir.resolve("values.snap");
        SnapshotWriter.builder().build().write(dir.resolve("values.safetensors"), snap);
        try (SafetensorsModel model = SafetensorsModel.open(snap, Mode.EAGER)) {
            TensorView t = model.tensor("f32");
            MemorySegment seg = RegionSegments.of(t);
            assertEquals(t.byteSize(), seg.byteSize());
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < t.elementCount(); i++) {
                assertEquals(Float.floatToIntBits(t.getFloat(i)), Float.floatToIntBits(seg.getAtIndex(le, i)));
            }
        }
    }

    /** The README's MemorySegment example, as written there (the test checks the README holds this block). */
    @Test
    void theReadmesExampleRuns() throws Exception {
        PythonFixtures.generate(dir);
        Path packed = dir.resolve("values.snap");
        SnapshotWriter.builder().build().write(dir.resolve("values.safetensors"), packed);
        try (SafetensorsModel model = SafetensorsModel.open(packed, Mode.EAGER)) {
            Region region = model.shards().get(0).region();
            // README:segments
            MemorySegment all = RegionSegments.of(region);                 // the whole image, past 2 GiB too
            MemorySegment w = RegionSegments.of(model.tensor("layers.1.bf16"));
            short bf16 = w.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            float x = Float.intBitsToFloat(bf16 << 16);                      // = model.tensor(...).getFloat(0)
            // README:end
            assertEquals(region.size(), all.byteSize());
            assertEquals(model.tensor("layers.1.bf16").getFloat(0), x);
        }
        List<String> src = Files.readAllLines(Path.of("src/test/java22/dev/snapstore/store/RegionSegments22Test.java"));
        int from = -1;
        int to = -1;
        for (int i = 0; i < src.size(); i++) {
            if (src.get(i).trim().equals("// README:segments")) {
                from = i + 1;
            } else if (from >= 0 && to < 0 && src.get(i).trim().equals("// README:end")) {
                to = i;
            }
        }
        String code = src.subList(from, to).stream().map(String::strip).collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md")).lines().map(String::strip).collect(Collectors.joining("\n"));
        assertTrue(readme.contains(code), "README.md's MemorySegment example differs from this test's block:\n" + code);
    }
}
