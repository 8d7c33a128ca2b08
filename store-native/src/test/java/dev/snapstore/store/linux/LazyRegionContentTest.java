package dev.snapstore.store.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every lazy mode restores exactly the source bytes: sizes around chunk boundaries, every codec. */
class LazyRegionContentTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 12345};
        for (Mode mode : NativeTestSupport.LAZY_MODES) {
            for (boolean writable : new boolean[] {true, false}) {
                if (mode == Mode.ANONYMOUS && !writable) {
                    continue;
                }
                for (Codec codec : Codec.values()) {
                    for (int size : sizes) {
                        list.add(Arguments.of(mode, writable, codec, size));
                    }
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} writable={1} {2} {3} bytes")
    @MethodSource("cases")
    void contentEqualsSource(Mode mode, boolean writable, Codec codec, int size) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(size, size * 31L + codec.ordinal());
        Path snap = TestData.pack(dir, content, codec, CHUNK);
        MapOptions options = MapOptions.builder().writable(writable).resolverThreads(2).build();
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, options)) {
            assertEquals(mode, r.mode());
            assertEquals(size, r.size());
            assertEquals(writable, r.writable());
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            RegionStats st = r.stats();
            assertEquals(0, st.errors());
            if (size > 0) {
                assertTrue(st.faults() > 0, "no fault counted: " + st.asMap());
            }
        }
    }

    /** The default 2 MiB chunks with a partial last chunk, read through the Chronicle view. */
    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void defaultChunkSizeThroughBytesStore(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        int size = 5 * (2 << 20) + 777;
        byte[] content = TestData.mixed(size, 7);
        Path snap = TestData.pack(dir, content, Codec.LZ4, 2 << 20);
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, MapOptions.defaults())) {
            byte[] back = new byte[size];
            r.bytesStore().read(0, back, 0, size);
            assertArrayEquals(content, back);
            RegionStats st = r.stats();
            assertTrue(st.chunksDecompressed() >= 1 && st.chunksDecompressed() <= s.chunkCount(), st.asMap().toString());
        }
    }

    @Test
    void writesArePrivateAndResetBringsTheSnapshotBack() throws Exception {
        for (Mode mode : NativeTestSupport.LAZY_MODES) {
            NativeTestSupport.assumeMode(mode);
            int size = 3 * CHUNK * 40 + 100;
            byte[] content = TestData.mixed(size, 99);
            Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
            try (Snapshot s = Snapshot.open(snap); Region a = s.map(mode, MapOptions.defaults());
                    Region b = s.map(mode, MapOptions.defaults())) {
                var sa = a.slice(0, size);
                for (int i = 0; i < size; i += 4096) {
                    sa.put(i, (byte) (content[i] + 1));
                }
                assertEquals((byte) (content[0] + 1), sa.get(0), mode.toString());
                // the other region of the same snapshot, and the snapshot itself, never see the write
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(b), mode.toString());
                int ps = (int) ((LazyRegion) a).pageSize();
                a.reset(ps, CHUNK);
                assertEquals(content[ps], sa.get(ps), mode + ": reset range restored");
                assertEquals((byte) (content[0] + 1), sa.get(0), mode + ": outside the reset range (first page) kept");
                a.reset();
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(a), mode + ": after reset()");
            }
        }
    }
}
