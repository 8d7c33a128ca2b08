package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Prefetch;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mapping ahead of a sequential reader in a file-mode region whose pages are all in the backing
 * file (after load() and reset()): the reader's faults map the valid units after the one it
 * touched, so a sequential pass reading every word of 64 units raises a handful of MINOR faults
 * instead of one per unit (HUGETLB) or one per 64 KiB window (SHMEM), and every byte read is the
 * snapshot's, private writes dropped by the reset included.
 */
class MapAheadTest {
    private static final int CHUNK = 2 << 20;
    private static final int CHUNKS = 64;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} writable={1}")
    @CsvSource({"SHMEM,false", "SHMEM,true", "HUGETLB,false", "HUGETLB,true"})
    void sequentialReaderAfterResetStreamsWithoutAFaultPerUnit(Mode mode, boolean writable) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = new byte[CHUNKS * CHUNK];
        new Random(11).nextBytes(content);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        MapOptions o = MapOptions.builder().writable(writable).resolverThreads(2).prefetch(Prefetch.NONE).build();
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, o)) {
            r.load(0, r.size());
            ByteBuffer view = r.slice(0, (int) r.size());
            if (writable) {
                for (int u = 0; u < CHUNKS; u += 3) {
                    view.put(u * CHUNK + 7 * PAGE, (byte) ~content[u * CHUNK + 7 * PAGE]);
                }
            }
            r.reset();
            long m0 = r.stats().minorFaults();
            // reads every word, as a scan does (a reader touching one word per 4 KiB page outruns
            // CONTINUE's page-table writes in SHMEM: mapping ahead cannot stay ahead of it there)
            ByteBuffer expected = ByteBuffer.wrap(content).order(view.order());
            for (int off = 0; off < content.length; off += PAGE) {
                long sum = 0;
                long want = 0;
                for (int w = off; w < off + PAGE; w += 8) {
                    sum += view.getLong(w);
                    want += expected.getLong(w);
                }
                assertEquals(want, sum, "the words of the page at " + off);
            }
            long faults = r.stats().minorFaults() - m0;
            assertTrue(faults <= CHUNKS / 4, faults + " MINOR faults for a sequential pass over " + CHUNKS
                    + " units (one per unit without mapping ahead): " + r.stats().asMap());
            for (int u = 0; u < CHUNKS; u += 3) {
                assertEquals(content[u * CHUNK + 7 * PAGE], view.get(u * CHUNK + 7 * PAGE), "reset dropped the write in unit " + u);
            }
            assertEquals(0, r.stats().errors());
        }
    }
}
