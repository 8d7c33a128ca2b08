package dev.snapstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.safetensors.PythonFixtures;

/** {@code snapstore pack} of a safetensors file and {@code snapstore tensors} on numpy-written files. */
class TensorsCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void generate() throws Exception {
        PythonFixtures.generate(dir);
    }

    @Test
    void packRecordsTheTableAndInspectListsTheTensorsOfFileAndSnapshot() {
        Path file = dir.resolve("values.safetensors");
        Path snap = dir.resolve("values.snap");
        Cli pack = Cli.run("pack", file.toString(), snap.toString());
        assertEquals(0, pack.status, pack.toString());
        Cli meta = Cli.run("inspect", "--json", snap.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> md = (Map<String, Object>) TestJson.object(meta.out).get("metadata");
        assertEquals("13", md.get("safetensors.tensors"), meta.toString());
        // plain inspect lists the snapshot's tensors by name, from the header inside the image
        List<?> listed = (List<?>) TestJson.object(meta.out).get("tensors");
        assertEquals(13, listed.size(), meta.toString());
        Map<?, ?> first = (Map<?, ?>) listed.stream().filter(t -> "layers.1.bf16".equals(((Map<?, ?>) t).get("name")))
                .findFirst().orElseThrow();
        assertEquals("BF16", first.get("dtype"));
        assertEquals(List.of(33L, 31L), first.get("shape"));
        Cli inspectText = Cli.run("inspect", snap.toString());
        assertTrue(inspectText.out.contains("tensors     13 (safetensors") && inspectText.out.contains("layers.1.bf16 BF16 [33, 31]"),
                inspectText.toString());

        for (Path p : new Path[] {file, snap}) {
            Cli c = Cli.run("tensors", "inspect", "--json", p.toString());
            assertEquals(0, c.status, c.toString());
            Map<String, Object> m = TestJson.object(c.out);
            assertEquals(13L, ((Number) m.get("tensor_count")).longValue(), c.toString());
            List<?> tensors = (List<?>) m.get("tensors");
            Map<?, ?> bf = (Map<?, ?>) tensors.stream().filter(t -> "layers.1.bf16".equals(((Map<?, ?>) t).get("name")))
                    .findFirst().orElseThrow();
            assertEquals("BF16", bf.get("dtype"));
            assertEquals(List.of(33L, 31L), bf.get("shape"));
            assertEquals(33L * 31 * 2, ((Number) bf.get("bytes")).longValue());
        }
        Cli text = Cli.run("tensors", "inspect", snap.toString());
        assertTrue(text.out.contains("layers.0.f16") && text.out.contains("[64, 9]") && text.out.contains("13 tensors"), text.toString());
    }

    @Test
    void readPrintsTheTensorsValues() throws Exception {
        Path snap = dir.resolve("read.snap");
        assertEquals(0, Cli.run("pack", dir.resolve("values.safetensors").toString(), snap.toString()).status);
        Cli c = Cli.run("tensors", "read", "--json", "--mode", "eager", "--count", "6", snap.toString(), "layers.0.f16");
        assertEquals(0, c.status, c.toString());
        double[] want = PythonFixtures.doubles(dir.resolve("expected").resolve("layers.0.f16.f64"));
        List<?> got = (List<?>) TestJson.object(c.out).get("values");
        assertEquals(6, got.size());
        for (int i = 0; i < 6; i++) {
            Object v = got.get(i);
            double d = v instanceof Number ? ((Number) v).doubleValue() : Double.parseDouble((String) v); // "Infinity"
            assertEquals(want[i], d, 0.0, "element " + i + " of " + c.out);
        }
        Cli ints = Cli.run("tensors", "read", "--json", "--mode", "eager", snap.toString(), "i8");
        long[] i8 = PythonFixtures.longs(dir.resolve("expected").resolve("i8.i64"));
        List<?> iv = (List<?>) TestJson.object(ints.out).get("values");
        for (int i = 0; i < iv.size(); i++) {
            assertEquals(i8[i], ((Number) iv.get(i)).longValue());
        }
        Cli missing = Cli.run("tensors", "read", "--mode", "eager", snap.toString(), "nope");
        assertEquals(2, missing.status, missing.toString());
        assertTrue(missing.err.contains("'nope'"), missing.toString());
    }

    @Test
    void shardedIndexListsEveryShardsTensors() {
        Cli c = Cli.run("tensors", "inspect", "--json", dir.resolve("sharded/model.safetensors.index.json").toString());
        assertEquals(0, c.status, c.toString());
        Map<String, Object> m = TestJson.object(c.out);
        assertEquals(4L, ((Number) m.get("tensor_count")).longValue());
        assertEquals(2, ((List<?>) m.get("shards")).size());
    }

    @Test
    void aMalformedFileExitsOneNamingTheFileAndTensor() {
        Path bad = dir.resolve("malformed/overlap.safetensors");
        Cli c = Cli.run("tensors", "inspect", bad.toString());
        assertEquals(1, c.status, c.toString());
        assertTrue(c.err.contains(bad.toString()) && c.err.contains("tensor 'b'") && c.err.contains("overlap"), c.toString());
        Cli pack = Cli.run("pack", bad.toString(), dir.resolve("bad.snap").toString());
        assertEquals(0, pack.status, "any file packs: " + pack);
        assertTrue(pack.err.contains("packing as plain bytes"), pack.toString());
    }
}
