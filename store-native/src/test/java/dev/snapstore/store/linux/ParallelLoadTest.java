package dev.snapstore.store.linux;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Prefetch;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * load() with many faults in flight: the range is spread over native threads, every chunk is
 * produced once and byte-exact, a corrupt chunk anywhere in the range is the typed error, and
 * concurrent loads and a close during a load neither crash nor hang.
 */
class ParallelLoadTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 512; // 32 MiB: 8 stripes of 4 MiB

    @TempDir
    Path dir;

    private static MapOptions options(int resolvers) {
        // no read-ahead: every chunk is produced by a fault that load() raised
        return MapOptions.builder().resolverThreads(resolvers).prefetch(Prefetch.NONE).build();
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.start();
        return t;
    }

    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void wholeRegionLoadProducesEveryChunkOnce(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNKS * CHUNK + 777, 61);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, options(4))) {
            r.load(0, r.size());
            RegionStats st = r.stats();
            long stored = 0;
            for (int c = 0; c < s.chunkCount(); c++) {
                stored += s.index().isZero(c) ? 0 : 1;
            }
            assertEquals(stored, st.chunksDecompressed(), st.asMap().toString());
            assertEquals(0, st.errors());
            long faults = st.faults();
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            assertEquals(faults, r.stats().faults(), "load() left pages for the reader to fault in");
        }
    }

    /** A corrupt chunk in the middle of the range: load() throws CorruptSnapshotException naming it. */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void corruptChunkInTheRangeIsTheTypedError(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNKS * CHUNK, 63);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        int bad;
        try (Snapshot s = Snapshot.open(snap)) {
            bad = 300;
            while (s.index().isZero(bad)) {
                bad++;
            }
            try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x66, 0x77, 0x11, 0x22, 0x33, 0x44, 0x55}),
                        s.index().offset(bad) + s.index().storedLength(bad) / 2);
            }
        }
        for (int resolvers : new int[] {1, 4}) {
            try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, options(resolvers))) {
                UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> r.load(0, r.size()));
                CorruptSnapshotException c = assertInstanceOf(CorruptSnapshotException.class, u.getCause());
                assertEquals(bad, c.chunk(), c.getMessage());
                assertEquals(snap, c.file());
                // the chunks before the bad one's fill unit are fine and load on their own
                long unit = NativeTestSupport.fillUnit(mode, CHUNK);
                r.load(0, (long) bad * CHUNK / unit * unit);
            }
        }
    }

    /** Many threads load the whole region at once; then close() while loads run: no crash, no hang. */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void concurrentLoadsAndCloseDuringLoad(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNKS * CHUNK, 65);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            try (Region r = s.map(mode, options(2))) {
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    long from = (long) i * CHUNK * 37 % r.size();
                    threads.add(start("loader-" + i, () -> {
                        try {
                            r.load(from, r.size() - from);
                            r.load(0, r.size());
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join(60_000);
                    assertFalse(t.isAlive(), t.getName() + " hangs");
                }
                assertNull(failure.get());
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
                assertEquals(0, r.stats().errors());
            }
            for (int round = 0; round < 5; round++) {
                Region r = s.map(mode, options(2));
                CountDownLatch started = new CountDownLatch(3);
                AtomicInteger completed = new AtomicInteger();
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    threads.add(start("close-loader-" + i, () -> {
                        started.countDown();
                        try {
                            while (true) {
                                r.load(0, r.size());
                                completed.incrementAndGet();
                                r.reset();
                            }
                        } catch (IllegalStateException closed) {
                            // load/reset after close: the documented outcome
                        } catch (Throwable t) {
                            unexpected.compareAndSet(null, t);
                        }
                    }));
                }
                started.await();
                Thread.sleep(20 + 15 * round);
                r.close();
                for (Thread t : threads) {
                    t.join(60_000);
                    assertFalse(t.isAlive(), t.getName() + " hangs after close");
                }
                assertNull(unexpected.get(), () -> String.valueOf(unexpected.get()));
                assertTrue(r.stats().faults() > 0, "the loads ran before close");
            }
        }
    }
}
