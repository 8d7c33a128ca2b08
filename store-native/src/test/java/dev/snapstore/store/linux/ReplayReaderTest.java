package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Prefetch;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.format.ProfileFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replay reader (profile.c): the pthread that asks the kernel to read a replayed profile's
 * payloads ahead of the resolvers. It runs while replay runs, is gone once the region is closed
 * (closed while it is a window ahead and napping, or while it advises), and what replay then
 * serves is the source's bytes.
 */
class ReplayReaderTest {
    private static final int CHUNK = 256 << 10;
    private static final int CHUNKS = 512; // 128 MiB: twice the reader's 64 MiB window
    private static final String READER = "snapstore-rdr";

    @TempDir
    Path dir;

    /** Threads of this process named like the replay reader ({@code /proc/self/task/N/comm}). */
    private static long readers() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).trim().equals(READER);
                } catch (IOException gone) {
                    return false; // the thread ended while we listed
                }
            }).count();
        }
    }

    /**
     * Closing a region while its profile replays (20 rounds, the profile in a shuffled order, so
     * payload batches are short): no reader thread outlives close(), at least one round saw the
     * reader running (the test reached what it tests), and a last region left to replay to the end
     * reads the source's bytes.
     */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void readerRunsDuringReplayAndIsJoinedByClose(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNKS * CHUNK, 61);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        java.util.List<Integer> order = new java.util.ArrayList<>(IntStream.range(0, CHUNKS).boxed().toList());
        java.util.Collections.shuffle(order, new java.util.Random(7));
        int[] profile = order.stream().mapToInt(Integer::intValue).toArray();
        MapOptions o = MapOptions.builder().resolverThreads(1).prefetch(Prefetch.PROFILE).build();
        try (Snapshot s = Snapshot.open(snap)) {
            ProfileFile.write(ProfileFile.sidecar(snap, s.digest()), s.digest(), s.chunkCount(), profile);
            assertEquals(0, readers(), "no reader before any replay");
            int seen = 0;
            for (int round = 0; round < 20; round++) {
                try (Region r = s.map(mode, o)) {
                    assertTrue(((LazyRegion) r).replayQueuedUnits() > 0, ((LazyRegion) r).profileNote());
                    seen += readers() > 0 ? 1 : 0;
                }
                assertEquals(0, readers(), "round " + round + ": a reader thread outlived close()");
            }
            assertTrue(seen > 0, "the reader was never seen running in 20 replays of 128 MiB");
            try (Region r = s.map(mode, o)) {
                LazyRegion lr = (LazyRegion) r;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (lr.replayedUnits() < lr.replayQueuedUnits() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(lr.replayQueuedUnits(), lr.replayedUnits(), "replay ran to the end within 60 s");
                byte[] got = new byte[CHUNK];
                for (int c : new int[] {profile[0], profile[CHUNKS / 2], profile[CHUNKS - 1]}) {
                    r.read((long) c * CHUNK, got, 0, CHUNK);
                    assertArrayEquals(Arrays.copyOfRange(content, c * CHUNK, (c + 1) * CHUNK), got, "chunk " + c);
                }
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
                assertEquals(0, r.stats().errors());
            }
            assertEquals(0, readers(), "the reader of a finished replay is gone after close()");
        }
    }
}
