package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.snapstore.store.cache.CacheStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads reading random ranges through a cache far smaller than the image, against a reference. */
class ConcurrentReadTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void aMissDecompressesTheChunkOnceEvenWhenItIsEvictedAtOnce() throws Exception {
        byte[] content = TestData.mixed(16 * CHUNK, 12);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        try (Snapshot s = Snapshot.open(snap, 2L * CHUNK)) {
            for (int c = 0; c < 16; c++) {
                ByteBuffer dst = ByteBuffer.allocate(100);
                s.read((long) c * CHUNK + 7, dst);
                byte[] want = new byte[100];
                System.arraycopy(content, c * CHUNK + 7, want, 0, 100);
                assertArrayEquals(want, dst.array());
            }
            CacheStats st = s.cache().stats();
            assertTrue(st.misses() <= 16, "one load per chunk read, not a retry storm: " + st);
        }
    }

    @Test
    void randomReadsFromManyThreadsMatchTheReferenceUnderEviction() throws Exception {
        byte[] content = TestData.mixed(64 * CHUNK + 333, 11);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        // The cache holds 4 chunks: readers constantly race with evictions of chunks they hold.
        try (Snapshot s = Snapshot.open(snap, 4L * CHUNK)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t;
                fs.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    int checked = 0;
                    for (int i = 0; i < 800; i++) {
                        int len = 1 + rnd.nextInt(3 * CHUNK);
                        long off = rnd.nextLong(content.length);
                        ByteBuffer dst = ByteBuffer.allocate(len);
                        int n = s.read(off, dst);
                        int expect = (int) Math.min(len, content.length - off);
                        assertEquals(expect, n);
                        byte[] want = new byte[expect];
                        System.arraycopy(content, (int) off, want, 0, expect);
                        byte[] got = new byte[expect];
                        dst.flip().get(got);
                        assertArrayEquals(want, got, "offset " + off + " length " + len);
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : fs) {
                total += f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertEquals(8 * 800, total);
            CacheStats st = s.cache().stats();
            assertTrue(st.evictions() > 0, "the cache had to evict: " + st);
            assertTrue(st.weightBytes() <= 4L * CHUNK, "budget kept: " + st);
            assertEquals(-1, s.read(content.length, ByteBuffer.allocate(1)));
        }
    }
}
