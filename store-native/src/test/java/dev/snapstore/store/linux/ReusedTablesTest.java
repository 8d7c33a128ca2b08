package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

/**
 * Maps reuse what closed regions and earlier maps left: the native copy of the index handed to the
 * engine (LazyRegion) and the engine's per-chunk tables (region.c keeps them instead of freeing
 * them). Snapshots of different sizes and contents, mapped one after another and from 8 threads at
 * once, each read back exactly their own image: no state word, error code or decoded entry of an
 * earlier region survives into a later one.
 */
class ReusedTablesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"ANONYMOUS", "SHMEM"})
    void mapsOfDifferentSnapshotsReadTheirOwnImage(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        int files = 4;
        Path[] snaps = new Path[files];
        String[] want = new String[files];
        for (int f = 0; f < files; f++) {
            byte[] content = TestData.mixed((96 - 8 * f) << 16, 70 + f); // 96, 88, 80, 72 chunks of 64 KiB
            snaps[f] = TestData.pack(dir, content, Codec.LZ4, 64 << 10);
            want[f] = TestData.sha256(content);
        }
        MapOptions ro = MapOptions.builder().writable(false).build();
        for (int round = 0; round < 2; round++) {
            for (int f = 0; f < files; f++) {
                try (Snapshot s = Snapshot.open(snaps[f]); Region r = s.map(mode, ro)) {
                    assertEquals(want[f], NativeTestSupport.sha256(r), "image of " + snaps[f]);
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int i = 0; i < 6; i++) {
                        int f = (first + i) % files;
                        try (Snapshot s = Snapshot.open(snaps[f]); Region r = s.map(mode, ro)) {
                            assertEquals(want[f], NativeTestSupport.sha256(r), "image of " + snaps[f]);
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> d : done) {
                total += d.get(120, TimeUnit.SECONDS);
            }
            assertEquals(48, total);
        } finally {
            pool.shutdownNow();
        }
    }
}
