package dev.snapstore.store.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Mode;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;

/** The safetensors API against files numpy wrote (make_safetensors.py), read through an EAGER region. */
class SafetensorsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void generate() throws Exception {
        PythonFixtures.generate(dir);
    }

    private static Path pack(Path file) throws IOException {
        Path snap = file.resolveSibling(file.getFileName() + ".snap");
        SnapshotWriter.builder().build().write(file, snap);
        return snap;
    }

    @Test
    void headerOfANumpyWrittenFile() throws Exception {
        SafetensorsHeader h = SafetensorsHeader.read(dir.resolve("values.safetensors"));
        assertEquals(Map.of("format", "pt", "writer", "numpy"), h.metadata());
        assertEquals(13, h.tensors().size());
        TensorInfo bf = h.tensor("layers.1.bf16");
        assertEquals(Dtype.BF16, bf.dtype());
        assertArrayEquals(new long[] {33, 31}, bf.shape());
        assertEquals(33 * 31 * 2, bf.byteSize());
        assertEquals(0, h.tensor("scalar").rank());
        assertEquals(1, h.tensor("scalar").elementCount());
        assertEquals(0, h.tensor("empty").byteSize());
        long expected = h.dataStart();
        for (TensorInfo t : h.tensors()) { // data order, back to back
            assertEquals(expected, t.offset(), t.name());
            expected = t.end();
        }
        assertEquals(Files.size(dir.resolve("values.safetensors")), expected);
    }

    @Test
    void everyElementMatchesNumpy() throws Exception {
        Path snap = pack(dir.resolve("values.safetensors"));
        int checked = 0;
        try (SafetensorsModel model = SafetensorsModel.open(snap, Mode.EAGER, MapOptions.defaults())) {
            assertEquals(13, model.tensors().size());
            for (TensorInfo info : model.tensors()) {
                TensorView v = model.tensor(info.name());
                Path f64 = dir.resolve("expected").resolve(info.name() + ".f64");
                Path i64 = dir.resolve("expected").resolve(info.name() + ".i64");
                if (Files.exists(f64)) {
                    double[] want = PythonFixtures.doubles(f64);
                    assertEquals(want.length, v.elementCount(), info.name());
                    for (int i = 0; i < want.length; i++) {
                        double got = info.dtype() == Dtype.F64 ? v.getFloat(i) : v.getDouble(i);
                        if (Double.isNaN(want[i])) {
                            assertTrue(Double.isNaN(got), info.name() + "[" + i + "]");
                        } else {
                            assertEquals(want[i], got, 0.0, info.name() + "[" + i + "]");
                            assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got),
                                    info.name() + "[" + i + "]: sign of zero");
                        }
                        checked++;
                    }
                } else {
                    long[] want = PythonFixtures.longs(i64);
                    assertEquals(want.length, v.elementCount(), info.name());
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], v.getLong(i), info.name() + "[" + i + "]");
                        if (info.dtype() == Dtype.BOOL) {
                            assertEquals(want[i] != 0, v.getBoolean(i));
                        }
                        checked++;
                    }
                }
            }
            TensorView f32 = model.tensor("f32");
            ByteBuffer buf = f32.asByteBuffer();
            assertEquals(ByteOrder.LITTLE_ENDIAN, buf.order());
            assertEquals(!model.shards().get(0).region().writable(), buf.isReadOnly());
            for (int i = 0; i < f32.elementCount(); i++) {
                assertEquals(Float.floatToIntBits(f32.getFloat(i)), Float.floatToIntBits(buf.getFloat(i * 4)));
            }
            net.openhft.chronicle.bytes.BytesStore<?, Void> bs = f32.bytesStore();
            assertEquals(f32.byteSize(), bs.realCapacity());
            assertEquals(Float.floatToIntBits(f32.getFloat(5)), bs.readInt(5 * 4));
            ByteBuffer copy = ByteBuffer.allocate((int) f32.byteSize());
            f32.read(copy);
            assertEquals(0, copy.flip().compareTo(f32.asByteBuffer()));
            assertThrows(IndexOutOfBoundsException.class, () -> f32.getFloat(f32.elementCount()));
            assertThrows(IndexOutOfBoundsException.class, () -> f32.getFloat(-1));
            assertThrows(UnsupportedOperationException.class, () -> model.tensor("i8").getFloat(0));
            assertThrows(UnsupportedOperationException.class, () -> f32.getLong(0));
            NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> model.tensor("nope"));
            assertTrue(missing.getMessage().contains("'nope'"), missing.getMessage());
        }
        assertTrue(checked > 65536 + 1000, "elements checked: " + checked);
    }

    @Test
    void headerReadThroughTheSnapshotEqualsTheFiles() throws Exception {
        SafetensorsHeader file = SafetensorsHeader.read(dir.resolve("values.safetensors"));
        try (Snapshot snap = Snapshot.open(pack(dir.resolve("values.safetensors")))) {
            SafetensorsHeader packed = SafetensorsHeader.read(snap);
            assertEquals(file.tensors().toString(), packed.tensors().toString());
            assertEquals(file.metadata(), packed.metadata());
        }
    }

    @Test
    void eachMalformedFileFailsWithItsRuleAndTensor() throws Exception {
        String manifest = Files.readString(dir.resolve("malformed.json"));
        Matcher m = Pattern.compile("\"file\": \"([^\"]+)\",\\s*\"kind\": \"([A-Z_]+)\",\\s*\"tensor\": (null|\"([^\"]*)\")")
                .matcher(manifest);
        List<String> seenKinds = new ArrayList<>();
        int cases = 0;
        while (m.find()) {
            Path f = dir.resolve("malformed").resolve(m.group(1));
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsHeader.read(f), m.group(1));
            assertEquals(SafetensorsException.Kind.valueOf(m.group(2)), e.kind(), m.group(1) + ": " + e.getMessage());
            assertEquals(m.group(4), e.tensor(), m.group(1) + ": " + e.getMessage());
            assertEquals(f, e.file());
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            if (e.tensor() != null) {
                assertTrue(e.getMessage().contains("'" + e.tensor() + "'"), e.getMessage());
            }
            seenKinds.add(m.group(2));
            cases++;
        }
        assertEquals(21, cases, "cases in malformed.json");
        for (SafetensorsException.Kind k : SafetensorsException.Kind.values()) {
            if (k != SafetensorsException.Kind.INDEX) {
                assertTrue(seenKinds.contains(k.name()), "no malformed file for " + k);
            }
        }
    }

    @Test
    void aMalformedPackedFileFailsOpeningTheModel() throws Exception {
        Path snap = pack(dir.resolve("malformed").resolve("overlap.safetensors"));
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsModel.open(snap, Mode.EAGER, MapOptions.defaults()));
        assertEquals(SafetensorsException.Kind.OVERLAP, e.kind());
        assertEquals(snap, e.file());
    }

    @Test
    void shardedCheckpointOpensAsOneModel() throws Exception {
        Path sharded = dir.resolve("sharded");
        Path index = sharded.resolve("model.safetensors.index.json");
        SafetensorsIndex idx = SafetensorsIndex.read(index);
        assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"), idx.shards());
        assertEquals(String.valueOf(4 * 17 * 19 * 4), idx.metadata().get("total_size"));
        for (String shard : idx.shards()) {
            pack(sharded.resolve(shard));
        }
        try (SafetensorsModel model = SafetensorsModel.openSharded(index, Mode.EAGER, MapOptions.defaults())) {
            assertEquals(2, model.shards().size());
            assertEquals(4, model.tensors().size());
            model.prefetch(List.of("lm_head.weight", "embed.weight", "layers.0.w")).get(60, TimeUnit.SECONDS);
            model.load(List.of("layers.1.w"));
            for (String name : idx.weightMap().keySet()) {
                TensorView v = model.tensor(name);
                assertEquals(idx.weightMap().get(name), model.shards().stream()
                        .filter(s -> s.region() == v.region()).findFirst().orElseThrow().name());
                double[] want = PythonFixtures.doubles(sharded.resolve(name + ".f64"));
                assertEquals(want.length, v.elementCount());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], v.getFloat(i), 0.0, name + "[" + i + "]");
                }
            }
            assertThrows(NoSuchElementException.class, () -> model.prefetch("nope"));
        }
    }

    @Test
    void anIndexThatDisagreesWithItsShardsIsRejected() throws Exception {
        Path sharded = dir.resolve("sharded");
        String json = Files.readString(sharded.resolve("model.safetensors.index.json"));
        for (String shard : SafetensorsIndex.read(sharded.resolve("model.safetensors.index.json")).shards()) {
            if (!Files.exists(sharded.resolve(shard + ".snap"))) {
                pack(sharded.resolve(shard));
            }
        }
        Path wrong = sharded.resolve("wrong.index.json");
        Files.writeString(wrong, json.replaceFirst("(\"lm_head.weight\": \")model-00002", "$1model-00001"));
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsModel.openSharded(wrong, Mode.EAGER, MapOptions.defaults()));
        assertEquals(SafetensorsException.Kind.INDEX, e.kind());
        assertEquals("lm_head.weight", e.tensor());
        assertTrue(e.getMessage().contains("model-00001-of-00002.safetensors"), e.getMessage());

        Path escape = sharded.resolve("escape.index.json");
        Files.writeString(escape, json.replaceFirst("(\"lm_head.weight\": \")model-00002", "$1../model-00002"));
        e = assertThrows(SafetensorsException.class, () -> SafetensorsIndex.read(escape));
        assertEquals(SafetensorsException.Kind.INDEX, e.kind());
        assertEquals("lm_head.weight", e.tensor());

        Path noMap = sharded.resolve("nomap.index.json");
        Files.writeString(noMap, "{\"metadata\": {}}");
        assertEquals(SafetensorsException.Kind.INDEX,
                assertThrows(SafetensorsException.class, () -> SafetensorsIndex.read(noMap)).kind());
    }

    @Test
    void narrowFloatsWiden() {
        assertEquals(1.0f, Floats.e4m3ToFloat((byte) 0x38));
        assertEquals(448.0f, Floats.e4m3ToFloat((byte) 0x7E));
        assertEquals(-0x1p-9f, Floats.e4m3ToFloat((byte) 0x81));
        assertTrue(Float.isNaN(Floats.e4m3ToFloat((byte) 0xFF)));
        assertEquals(1.0f, Floats.halfToFloat((short) (0x3C << 8)));      // F8_E5M2 0x3C
        assertEquals(57344.0f, Floats.halfToFloat((short) (0x7B << 8)));  // F8_E5M2 max
        assertEquals(1.0f, Floats.e8m0ToFloat((byte) 127));
        assertEquals(0x1p-127f, Floats.e8m0ToFloat((byte) 0));
        assertTrue(Float.isNaN(Floats.e8m0ToFloat((byte) 0xFF)));
        assertEquals(-2.0f, Floats.bfloat16ToFloat((short) 0xC000));
    }

    @Test
    void headerBytesWrittenHereParse() throws Exception {
        byte[] json = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},\"x\":{\"shape\":[],\"dtype\":\"U8\",\"data_offsets\":[4,5],\"extra\":[1,{\"a\":2}]}}   "
                .getBytes(StandardCharsets.UTF_8);
        SafetensorsHeader h = SafetensorsHeader.parse("mem", json, 8 + json.length + 5);
        assertNotNull(h.find("x"));
        assertEquals(8 + json.length + 4, h.tensor("x").offset());
    }
}
