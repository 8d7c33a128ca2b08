package dev.snapstore.store.linux;

import java.io.InputStream;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-GiB, mostly-zero images: the lazy modes map them in microseconds, serve zero chunks
 * without decompressing, and read back bit-exact (SHA-256 over the whole region).
 */
class SparseSnapshotTest {
    private static final long BIG = (4L << 30) + 5;          // past 2^32: offsets must not be ints
    private static final long HUGE_RO = (1L << 30) + 3;      // fits the test pool read-only (513 pages)
    private static final long EVERY = 256L << 20;

    @TempDir
    static Path dir;
    static Path big;
    static Path hugeRo;
    static String bigSha;
    static String hugeRoSha;

    @BeforeAll
    static void pack() throws Exception {
        NativeTestSupport.assumeLazyModes();
        big = NativeTestSupport.packSparse(dir, BIG, EVERY, Codec.LZ4);
        hugeRo = NativeTestSupport.packSparse(dir, HUGE_RO, EVERY, Codec.ZSTD);
        try (InputStream in = NativeTestSupport.sparse(BIG, EVERY)) {
            bigSha = NativeTestSupport.sha256(in);
        }
        try (InputStream in = NativeTestSupport.sparse(HUGE_RO, EVERY)) {
            hugeRoSha = NativeTestSupport.sha256(in);
        }
    }

    @Test
    void anonymous() throws Exception {
        check(big, bigSha, Mode.ANONYMOUS, MapOptions.defaults());
    }

    @Test
    void shmemWritable() throws Exception {
        check(big, bigSha, Mode.SHMEM, MapOptions.defaults());
    }

    @Test
    void hugetlbReadOnly() throws Exception {
        NativeTestSupport.assumeMode(Mode.HUGETLB);
        check(hugeRo, hugeRoSha, Mode.HUGETLB, MapOptions.builder().readOnly().build());
    }

    private static void check(Path snap, String sha, Mode mode, MapOptions options) throws Exception {
        NativeTestSupport.assumeMode(mode);
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, options)) {
            assertEquals(s.length(), r.size());
            assertEquals(sha, NativeTestSupport.sha256(r));
            RegionStats st = r.stats();
            long dataChunks = 0;
            for (int i = 0; i < s.chunkCount(); i++) {
                dataChunks += s.index().isZero(i) ? 0 : 1;
            }
            assertTrue(st.chunksDecompressed() <= dataChunks, "zero chunks are never decompressed: " + st.asMap());
            assertTrue(st.zeroFaults() > 0, st.asMap().toString());
            assertEquals(0, st.errors());
        }
    }
}
