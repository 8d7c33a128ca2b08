package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many threads faulting on one chunk at once: it is decompressed once and every thread is woken. */
class ConcurrentFaultTest {
    private static final int CHUNK = 2 << 20;
    private static final int THREADS = 8;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void oneChunkManyFaultersDecompressedOnce(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNK, 31);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        for (int round = 0; round < 5; round++) {
            try (Snapshot s = Snapshot.open(snap);
                    Region r = s.map(mode, MapOptions.builder().resolverThreads(4).build())) {
                ByteBuffer view = r.slice(0, CHUNK);
                CyclicBarrier start = new CyclicBarrier(THREADS);
                AtomicInteger wrong = new AtomicInteger();
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int page = t * (CHUNK / THREADS / 4096) * 4096 + 4096 * (t % 3);
                    threads.add(new Thread(() -> {
                        try {
                            start.await();
                            if (view.get(page) != content[page]) {
                                wrong.incrementAndGet();
                            }
                        } catch (Exception e) {
                            wrong.incrementAndGet();
                        }
                    }));
                }
                threads.forEach(Thread::start);
                for (Thread t : threads) {
                    t.join(30_000);
                    assertTrue(!t.isAlive(), "a faulting thread was never woken");
                }
                assertEquals(0, wrong.get());
                RegionStats st = r.stats();
                assertEquals(1, st.chunksDecompressed(), "decompressed once: " + st.asMap());
                assertTrue(st.faults() >= 1, st.asMap().toString());
            }
        }
    }
}
