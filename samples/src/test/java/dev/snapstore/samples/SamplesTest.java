package dev.snapstore.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.Safetensors;
import dev.snapstore.tools.SyntheticModel;
import net.openhft.chronicle.bytes.BytesStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SamplesTest {
    @TempDir
    Path dir;

    static Stream<Samples.Sample> samples() {
        return Samples.ALL.stream();
    }

    /** Runs {@code main} with {@code args} and returns what it printed. */
    private static String run(Samples.Main main, List<String> args) throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.main(args.toArray(new String[0]));
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        return printed;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySampleRunsAtASmallSize(Samples.Sample sample) throws Exception {
        String printed = run(sample.main(), sample.smallArgs());
        assertFalse(printed.isBlank(), sample.name() + " printed nothing");
        assertSame(sample, Samples.find(sample.name().toUpperCase(java.util.Locale.ROOT)));
    }

    @Test
    void everySampleClassIsInTheRegistry() throws Exception {
        Path classes = Path.of(Samples.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(Samples.class.getPackageName().replace('.', '/'));
        Set<String> found;
        try (Stream<Path> files = Files.list(classes)) {
            found = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith("Sample.class") && !n.contains("$"))
                    .map(n -> Samples.class.getPackageName() + "." + n.substring(0, n.length() - ".class".length()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> registered = Samples.ALL.stream().map(s -> s.mainClass().getName()).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(found.size() >= 3, "the scan found the sample classes: " + found);
        assertEquals(found, registered, "every *Sample class is listed in Samples.ALL (add a line there)");
    }

    @Test
    void theJmhSampleReportsTheRegionCountersOfItsRun() throws Exception {
        String printed = run(JmhForkStateSample::main, List.of("4m", "quick"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("snapstore\\.chunks\\.decompressed=(\\d+)").matcher(printed);
        assertTrue(m.find(), printed);
        assertTrue(Long.parseLong(m.group(1)) > 0, "the iteration decompressed chunks: " + printed);
        assertTrue(printed.contains("snapstore.faults="), printed);
    }

    @Test
    void theLauncherListsEverySample() throws Exception {
        String printed = run(Samples::main, List.of());
        for (Samples.Sample s : Samples.ALL) {
            assertTrue(printed.contains(s.name()), printed);
        }
    }

    @Test
    void modelWeightsSampleRunsAtASmallSize() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ModelWeightsSample.main(new String[] {"2m"});
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        int tensors = SyntheticModel.LAYERS * 9 + 3;
        assertTrue(printed.contains("header lists " + tensors + " tensors"), printed);
        assertTrue(printed.contains("all " + SyntheticModel.LAYERS + " layers after"), printed);
    }

    /**
     * The mixture-of-experts sample at 16 MiB (64 experts of 256 KiB, one chunk each) under a 4 MiB
     * budget: the outputs equal the same computation over the weight file, the peak residency stays
     * within the budget plus the slack (two chunks per resolver), and the rare experts were evicted.
     */
    @Test
    void mixtureOfExpertsSampleServesFromAQuarterOfItsWeights() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        MixtureOfExpertsSample.Result r = MixtureOfExpertsSample.run(dir, 16 << 20, 400,
                new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("tokens/s, hit ratio"), printed);
        assertEquals(4L << 20, r.budget());
        long expert = (16 << 20) / MixtureOfExpertsSample.EXPERTS;
        int resolvers = dev.snapstore.store.MapOptions.defaults().resolverThreads();
        assertTrue(r.stats().residentPeakBytes() <= r.budget() + 2L * resolvers * expert, printed);
        assertTrue(r.stats().evictions() > 0, "the rare experts were evicted: " + printed);
        assertTrue(r.hits() > 0 && r.hits() < r.calls(), printed);

        byte[] file = Files.readAllBytes(dir.resolve("experts.bin"));
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(file.length);
        direct.put(file).flip();
        BytesStore<?, ?> fromFile = BytesStore.wrap(direct);
        MixtureOfExpertsSample.Result expected = MixtureOfExpertsSample.serve(fromFile, expert, 400, null, null);
        assertEquals(expected.checksum(), r.checksum(), "same outputs as from the weight file");
    }

    @Test
    void theSampleModelsHeaderParsesFromMemoryAsFromTheFile() throws Exception {
        Path f = dir.resolve("m.safetensors");
        SyntheticModel.write(f, 1 << 20, 3);
        Safetensors.Layout fromFile = Safetensors.readIfPresent(f);
        byte[] all = Files.readAllBytes(f);
        long len = java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        List<Safetensors.Tensor> parsed = Safetensors.parse(new String(all, 8, (int) len, StandardCharsets.UTF_8), 8 + len).tensors();
        assertEquals(SyntheticModel.LAYERS * 9 + 3, parsed.size(), "embeddings, 9 tensors a layer, norm, head");
        for (int i = 0; i < parsed.size(); i++) {
            assertEquals(fromFile.tensors().get(i).name(), parsed.get(i).name());
            assertArrayEquals(fromFile.tensors().get(i).shape(), parsed.get(i).shape());
        }
        Safetensors.Tensor last = parsed.get(parsed.size() - 1);
        assertEquals(8 + len + last.end(), all.length);
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

    @Test
    void theReadmesSafetensorsExampleIsTheSamplesCode() throws Exception {
        List<String> src = Files.readAllLines(Path.of("src/main/java/dev/snapstore/samples/SafetensorsSample.java"));
        int from = src.indexOf(src.stream().filter(l -> l.trim().equals("// README:safetensors")).findFirst().orElseThrow());
        int to = src.indexOf(src.stream().filter(l -> l.trim().equals("// README:end")).findFirst().orElseThrow());
        List<String> block = src.subList(from + 1, to);
        int indent = block.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        String code = block.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(code.lines().count() > 10, code);
        assertTrue(readme.contains(code), "README.md's safetensors example differs from SafetensorsSample's README block:\n" + code);
    }
}
