package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The working set: recorded from the faults a region serves, persisted in the snapshot's sidecar,
 * replayed by idle resolvers at the next map in recorded order, never serving wrong bytes and never
 * making a demand fault wait for the profile.
 */
class ProfileReplayTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 256; // 16 MiB: 8 hugepage units for HUGETLB

    @TempDir
    Path dir;

    /** The fill unit of a region of {@code mode} with 64 KiB chunks, in chunks: the chunk, or the 2 MiB page. */
    private static int unitChunks(Mode mode) {
        return (int) (NativeTestSupport.fillUnit(mode, CHUNK) / CHUNK);
    }

    /** What the engine records for touches of {@code touched} in order: each touch adds its unit's chunks not yet seen. */
    private static int[] expectedRecording(Mode mode, int[] touched) {
        int per = unitChunks(mode);
        LinkedHashSet<Integer> seen = new LinkedHashSet<>();
        for (int c : touched) {
            int first = c / per * per;
            for (int i = first; i < Math.min(first + per, CHUNKS); i++) {
                seen.add(i);
            }
        }
        return seen.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void touch(Region r, int[] chunks) {
        ByteBuffer view = r.slice(0, (int) r.size());
        for (int c : chunks) {
            view.get(c * CHUNK + 123);
        }
    }

    private static void await(LongSupplier value, long target, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (value.getAsLong() < target) {
            assertTrue(System.nanoTime() < deadline, what + ": " + value.getAsLong() + " of " + target + " after 30 s");
            Thread.sleep(2);
        }
    }

    /** Waits until a counter stops moving (replay ended short of its queue, e.g. at the budget). */
    private static long settle(LongSupplier value) throws InterruptedException {
        long last = -1;
        long v = value.getAsLong();
        for (int quiet = 0; quiet < 20; ) {
            Thread.sleep(10);
            last = v;
            v = value.getAsLong();
            quiet = v == last ? quiet + 1 : 0;
        }
        return v;
    }

    /**
     * Record, persist, reopen, replay: the profile read back equals the first-touch order, replay
     * fills exactly its units, and afterwards touching the working set decompresses nothing more
     * and reads the source bytes.
     */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void profileRoundTripsAndReplaysWithoutWrongBytes(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNKS * CHUNK, 41);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        // even chunks only: no two touches of neighbouring units, which would start sequential read-ahead
        int[] touched = new Random(3).ints(0, CHUNKS / 2).distinct().limit(40).map(i -> 2 * i).toArray();
        int[] expected = expectedRecording(mode, touched);
        Path written;
        // NONE: no read-ahead, so the recording is exactly the touches
        MapOptions record = MapOptions.builder().resolverThreads(2).prefetch(Prefetch.NONE).recordProfile(true).build();
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, record)) {
            touch(r, touched);
            assertArrayEquals(expected, r.recordedProfile());
            written = r.recordProfile();
            assertEquals(ProfileFile.sidecar(snap, s.digest()), written);
            assertTrue(written.getFileName().toString().contains(s.digest().substring(0, 16)), written.toString());
        }
        ProfileFile.Contents back = ProfileFile.read(written);
        assertArrayEquals(expected, back.chunks());

        MapOptions replay = MapOptions.builder().resolverThreads(2).prefetch(Prefetch.PROFILE).build();
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, replay)) {
            LazyRegion lr = (LazyRegion) r;
            int units = expected.length / unitChunks(mode);
            assertEquals(units, lr.replayQueuedUnits(), lr.profileNote());
            assertTrue(lr.profileNote().contains(written.toString()), lr.profileNote());
            await(lr::replayedUnits, units, "units replayed");
            long decompressed = r.stats().chunksDecompressed();
            assertEquals(expected.length, decompressed, "replay decompresses the working set, nothing else");
            touch(r, touched);
            ByteBuffer view = r.slice(0, (int) r.size());
            for (int c : touched) {
                byte[] got = new byte[CHUNK];
                view.get(c * CHUNK, got);
                assertArrayEquals(Arrays.copyOfRange(content, c * CHUNK, (c + 1) * CHUNK), got, "chunk " + c);
            }
            assertEquals(decompressed, r.stats().chunksDecompressed(), "the working set was ready before its touch");
            assertEquals(0, r.stats().errors());
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
        }
    }

    /**
     * Replay goes in recorded order: held to a memory budget it stops at the first unit that would
     * pass it, and the units it filled are the profile's first ones (touching them decompresses
     * nothing), the next ones are not.
     */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void replayFollowsRecordedOrderAndStopsAtTheBudget(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(CHUNKS * CHUNK, 43);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        int per = unitChunks(mode);
        int units = CHUNKS / per;
        // every unit once, in a shuffled order: the profile's order is not the file's
        List<Integer> order = new ArrayList<>();
        for (int u = 0; u < units; u++) {
            order.add(u);
        }
        java.util.Collections.shuffle(order, new Random(5));
        int[] profile = order.stream().flatMapToInt(u -> java.util.stream.IntStream.range(u * per, u * per + per)).toArray();
        long unitBytes = (long) per * CHUNK;
        int fit = units / 2; // ANONYMOUS counts a chunk twice (mapped + its chunk cache)
        long budget = (mode == Mode.ANONYMOUS ? 2 : 1) * fit * unitBytes;
        try (Snapshot s = Snapshot.open(snap)) {
            ProfileFile.write(ProfileFile.sidecar(snap, s.digest()), s.digest(), s.chunkCount(), profile);
            MapOptions o = MapOptions.builder().resolverThreads(2).prefetch(Prefetch.PROFILE).memoryBudget(budget).build();
            try (Region r = s.map(mode, o)) {
                LazyRegion lr = (LazyRegion) r;
                assertEquals(units, lr.replayQueuedUnits());
                long replayed = settle(lr::replayedUnits);
                // two resolvers may both find room for the last unit: at most one unit over
                assertTrue(replayed == fit || replayed == fit + 1, "replayed " + replayed + " units, budget fits " + fit);
                // what demand faults decompressed (sequential read-ahead, on with PROFILE, may add units)
                LongSupplier demand = () -> r.stats().chunksDecompressed() - lr.prefetchedUnits() * per;
                long decompressed = demand.getAsLong();
                // descending: no load right after its unit's predecessor, which would start sequential read-ahead
                int[] firstUnits = order.subList(0, fit).stream().sorted(java.util.Comparator.reverseOrder())
                        .mapToInt(Integer::intValue).toArray();
                for (int u : firstUnits) {
                    r.load((long) u * unitBytes, unitBytes);
                }
                assertEquals(decompressed, demand.getAsLong(), () -> "the profile's first units were the ones replayed (" + replayed + " replayed, now " + lr.replayedUnits() + ", read-ahead " + lr.prefetchedUnits() + "): " + r.stats().asMap());
                int lastLoaded = firstUnits[firstUnits.length - 1];
                // past the possible extra unit: certainly not replayed
                int next = order.subList(fit + 1, units).stream().filter(u -> u != lastLoaded + 1).findFirst().orElseThrow();
                r.load((long) next * unitBytes, unitBytes);
                assertEquals(decompressed + per, demand.getAsLong(), "a unit past the budget was not replayed");
                byte[] got = new byte[(int) unitBytes];
                r.read((long) next * unitBytes, got, 0, got.length);
                assertArrayEquals(Arrays.copyOfRange(content, (int) (next * unitBytes), (int) ((next + 1) * unitBytes)), got);
            }
        }
    }

    /**
     * A demand fault goes before the profile: the application loads the profile's last chunk right
     * after map, while replay runs; the fault produces it (replay later skips it), so it did not
     * wait for the rest of the profile. And the bytes are the source's.
     */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void demandFaultIsServedBeforeTheProfileReachesIt(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        int chunk = 256 << 10;
        int chunks = 256; // 64 MiB: replaying all of it takes far longer than one fault
        byte[] content = TestData.mixed(chunks * chunk, 47);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, chunk);
        int per = (int) (NativeTestSupport.fillUnit(mode, chunk) / chunk);
        int[] profile = java.util.stream.IntStream.range(0, chunks).toArray();
        try (Snapshot s = Snapshot.open(snap)) {
            ProfileFile.write(ProfileFile.sidecar(snap, s.digest()), s.digest(), s.chunkCount(), profile);
            MapOptions o = MapOptions.builder().resolverThreads(2).prefetch(Prefetch.PROFILE).build();
            try (Region r = s.map(mode, o)) {
                LazyRegion lr = (LazyRegion) r;
                int units = chunks / per;
                long last = (long) (chunks - 1) * chunk;
                long t0 = System.nanoTime();
                byte[] got = new byte[chunk];
                r.read(last, got, 0, chunk);
                long waited = System.nanoTime() - t0;
                long replayedThen = lr.replayedUnits();
                assertArrayEquals(Arrays.copyOfRange(content, (int) last, (int) last + chunk), got);
                await(() -> lr.replayedUnits() + (lr.replayedUnits() == units - 1 ? 1 : 0), units, "replay");
                Thread.sleep(20);
                assertEquals(units - 1, lr.replayedUnits(), "the demand fault produced the profile's last unit "
                        + "(replay had filled " + replayedThen + " units when it returned after " + waited / 1000 + " us)");
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            }
        }
    }

    /**
     * Every idle resolver replays, not only the first one woken: with two resolvers and no
     * application fault at all, both take replay jobs before the profile is done. (Replay once
     * woke a single resolver; the other replayed one unit per fault it served, so here it would
     * have taken none.) The bytes are the source's.
     */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void everyIdleResolverReplays(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        int chunk = 256 << 10;
        int chunks = 256; // 64 MiB of zstd: tens of ms of decompression for one resolver alone
        byte[] content = TestData.mixed(chunks * chunk, 53);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, chunk);
        int per = (int) (NativeTestSupport.fillUnit(mode, chunk) / chunk);
        int[] profile = java.util.stream.IntStream.range(0, chunks).toArray();
        try (Snapshot s = Snapshot.open(snap)) {
            ProfileFile.write(ProfileFile.sidecar(snap, s.digest()), s.digest(), s.chunkCount(), profile);
            MapOptions o = MapOptions.builder().resolverThreads(2).prefetch(Prefetch.PROFILE).build();
            try (Region r = s.map(mode, o)) {
                LazyRegion lr = (LazyRegion) r;
                int units = chunks / per;
                assertEquals(units, lr.replayQueuedUnits(), lr.profileNote());
                await(lr::replayedUnits, units, "replay");
                assertEquals(2, lr.replayResolvers(), "resolvers that took replay jobs (" + units + " units replayed)");
                assertEquals(0, r.stats().missingFaults() + r.stats().minorFaults(), "no fault came from the test");
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            }
        }
    }

    /** A profile recorded on another snapshot (another digest) is ignored with a message; the region works. */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void profileOfAnotherSnapshotIsIgnoredWithAMessage(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] a = TestData.mixed(CHUNKS * CHUNK, 51);
        byte[] b = TestData.mixed(CHUNKS * CHUNK, 52);
        Path snapA = TestData.pack(Files.createDirectories(dir.resolve("a")), a, Codec.LZ4, CHUNK);
        Path snapB = TestData.pack(Files.createDirectories(dir.resolve("b")), b, Codec.LZ4, CHUNK);
        Path foreign = dir.resolve("a.profile");
        String digestA;
        MapOptions record = MapOptions.builder().resolverThreads(2).recordProfile(true).profileFile(foreign).build();
        try (Snapshot s = Snapshot.open(snapA); Region r = s.map(mode, record)) {
            digestA = s.digest();
            touch(r, new int[] {5, 70, 200});
            assertEquals(foreign, r.recordProfile());
        }
        MapOptions replay = MapOptions.builder().resolverThreads(2).prefetch(Prefetch.PROFILE).profileFile(foreign).build();
        try (Snapshot s = Snapshot.open(snapB); Region r = s.map(mode, replay)) {
            LazyRegion lr = (LazyRegion) r;
            assertTrue(!s.digest().equals(digestA));
            assertEquals(0, lr.replayQueuedUnits());
            String note = lr.profileNote();
            assertTrue(note.contains("ignored") && note.contains(digestA) && note.contains(s.digest()), note);
            assertEquals(0, lr.replayedUnits());
            assertEquals(TestData.sha256(b), NativeTestSupport.sha256(r));
        }
        // a region that does not record says so instead of returning nothing
        try (Snapshot s = Snapshot.open(snapB); Region r = s.map(mode, MapOptions.builder().resolverThreads(2).build())) {
            assertThrows(IllegalStateException.class, r::recordedProfile);
        }
    }
}
