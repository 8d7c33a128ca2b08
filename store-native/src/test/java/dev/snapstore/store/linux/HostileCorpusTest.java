package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.HostileCorpus;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ProgressListener;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile corpus of store-api ({@link HostileCorpus}) through every lazy mode: each case that
 * gets past open is mapped HUGETLB and SHMEM (read-only and writable) and ANONYMOUS, loaded with the
 * synchronous {@code load(0, size)}, and then compared byte for byte; and EAGER, whose memory comes
 * from this module's provider here (hugepages when free), unlike in store-api's test. A case whose verify finds a
 * bad chunk must make {@code load} throw a typed exception (a CorruptSnapshotException, or today an
 * UncheckedIOException around the engine's NativeIoException); any other case must restore exactly
 * the image the file describes.
 */
class HostileCorpusTest {
    /** The lazy configurations: mode and writability. */
    private record Config(Mode mode, boolean writable) {
        @Override
        public String toString() {
            return mode + (writable ? " rw" : " ro");
        }
    }

    private static final List<Config> CONFIGS = List.of(new Config(Mode.HUGETLB, false), new Config(Mode.HUGETLB, true),
            new Config(Mode.SHMEM, false), new Config(Mode.SHMEM, true), new Config(Mode.ANONYMOUS, true),
            new Config(Mode.EAGER, true));

    @TempDir
    Path dir;

    @Test
    void everyLazyModeEndsInATypedErrorOrTheDescribedImage() throws IOException {
        for (Config c : CONFIGS) {
            if (c.mode() != Mode.EAGER) {
                NativeTestSupport.assumeMode(c.mode());
            }
        }
        List<HostileCorpus.Case> corpus = HostileCorpus.generate(dir);
        Path work = Files.createDirectories(dir.resolve("cases"));
        Map<String, Integer> tally = new LinkedHashMap<>();
        Map<String, Integer> perConfig = new LinkedHashMap<>();
        List<String> wrong = new ArrayList<>();
        int pastOpen = 0;
        int badChunkCases = 0;
        for (HostileCorpus.Case hc : corpus) {
            Path file = hc.write(work);
            Snapshot s;
            try {
                s = Snapshot.open(file);
            } catch (CorruptSnapshotException e) {
                continue;
            }
            pastOpen++;
            try (s) {
                VerifyReport report = s.verify(ProgressListener.NONE);
                boolean badChunk = report.errors().stream().anyMatch(e -> !e.reason().contains("content hash"));
                badChunkCases += badChunk ? 1 : 0;
                byte[] expected = hc.expected();
                for (Config c : CONFIGS) {
                    String outcome = lazy(s, c, expected, hc);
                    tally.merge(c + " " + outcome, 1, Integer::sum);
                    perConfig.merge(c + (outcome.startsWith("typed error") ? " typed error" : " identical"), 1, Integer::sum);
                    if (badChunk != outcome.startsWith("typed error")) {
                        wrong.add(hc + " " + c + ": " + outcome + " but verify reported " + report.errors());
                    }
                }
            }
        }
        System.out.println("hostile corpus (lazy modes): " + corpus.size() + " cases, " + pastOpen + " past open, "
                + badChunkCases + " with a bad chunk: " + tally);
        assertEquals(List.of(), wrong, "lazy restores that disagree with verify");
        assertTrue(pastOpen >= 80, "only " + pastOpen + " cases got past open");
        assertTrue(badChunkCases >= 40, "only " + badChunkCases + " cases with a bad chunk");
        for (Config c : CONFIGS) {
            assertEquals(badChunkCases, perConfig.getOrDefault(c + " typed error", 0), c::toString);
            assertEquals(pastOpen - badChunkCases, perConfig.getOrDefault(c + " identical", 0), c::toString);
        }
    }

    /** Maps, loads everything synchronously, compares: "identical" or "typed error"; anything else fails. */
    private static String lazy(Snapshot s, Config c, byte[] expected, HostileCorpus.Case hc) {
        MapOptions options = MapOptions.builder().writable(c.writable()).resolverThreads(2).build();
        try (Region r = s.map(c.mode(), options)) {
            try {
                r.load(0, r.size());
            } catch (UncheckedIOException e) {
                // NativeIoException or CorruptSnapshotException inside: bytes never reached Java
                return "typed error (" + e.getCause().getClass().getSimpleName() + ")";
            }
            HostileCorpus.same(hc + " " + c, "load", expected, r.slice(0, (int) r.size()));
            return "identical";
        } catch (CorruptSnapshotException e) {
            return "typed error (CorruptSnapshotException)";
        } catch (IOException e) {
            throw new AssertionError(hc + " " + c + ": " + e, e);
        }
    }
}
