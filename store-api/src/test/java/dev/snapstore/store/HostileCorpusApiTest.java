package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.snapstore.store.HostileCorpus.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile corpus through store-api's readers: open, verify, {@code Snapshot.read} of the whole
 * image and an EAGER restore. Every case ends in a CorruptSnapshotException naming the file or in
 * exactly the image the file describes; the tally proves each stage ran on many cases.
 */
class HostileCorpusApiTest {
    @TempDir
    Path dir;

    @Test
    void everyCaseEndsInATypedErrorOrTheDescribedImage() throws IOException {
        List<HostileCorpus.Case> corpus = HostileCorpus.generate(dir);
        Map<Outcome, Integer> tally = new EnumMap<>(Outcome.class);
        Map<String, Map<Outcome, Integer>> bySection = new TreeMap<>();
        Path work = Files.createDirectories(dir.resolve("cases"));
        int decided = 0;
        List<String> wrong = new ArrayList<>();
        for (HostileCorpus.Case c : corpus) {
            Outcome o = HostileCorpus.runApiStages(c, c.write(work));
            tally.merge(o, 1, Integer::sum);
            bySection.computeIfAbsent(c.section(), k -> new EnumMap<>(Outcome.class)).merge(o, 1, Integer::sum);
            if (c.expect() != null) {
                decided++;
                if (c.expect() != o) {
                    wrong.add(c + ": expected " + c.expect() + ", got " + o);
                }
            }
        }
        int pastOpen = corpus.size() - tally.getOrDefault(Outcome.REJECTED_AT_OPEN, 0);
        System.out.println("hostile corpus (store-api): " + corpus.size() + " cases (" + decided + " with a decided outcome), "
                + pastOpen + " past open: " + tally);
        bySection.forEach((k, v) -> System.out.println("  " + k + ": " + v));
        assertEquals(List.of(), wrong, "cases whose outcome differs from the one the format decides");
        assertTrue(corpus.size() >= 300, "corpus of " + corpus.size() + " cases");
        assertTrue(decided >= 250, "only " + decided + " cases have an outcome the format decides");
        assertTrue(pastOpen >= 80, "only " + pastOpen + " cases got past open: " + tally);
        assertTrue(tally.getOrDefault(Outcome.REJECTED_AT_OPEN, 0) >= 200, tally::toString);
        for (Outcome o : Outcome.values()) {
            assertTrue(tally.getOrDefault(o, 0) > 0, () -> "no case ended " + o + ": " + tally);
        }
        assertTrue(bySection.get("payload").getOrDefault(Outcome.CHUNK_ERROR, 0) >= 20, bySection::toString);
    }
}
