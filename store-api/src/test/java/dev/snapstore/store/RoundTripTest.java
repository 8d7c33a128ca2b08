package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import net.openhft.chronicle.bytes.BytesStore;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RoundTripTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 17};
        Stream.Builder<Arguments> b = Stream.builder();
        for (Codec c : Codec.values()) {
            for (int s : sizes) {
                b.add(Arguments.of(c, s));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1} bytes")
    @MethodSource("cases")
    void fileRoundTripsThroughReadAndEagerRegion(Codec codec, int size) throws IOException {
        byte[] content = TestData.mixed(size, size * 31L + codec.ordinal());
        Path snap = TestData.pack(dir, content, codec, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            assertEquals(size, s.length());
            assertEquals((size + CHUNK - 1) / CHUNK, s.chunkCount());
            assertArrayEquals(content, readAll(s));
            assertTrue(s.verify(ProgressListener.NONE).ok());
            try (Region r = s.map(Mode.EAGER)) {
                assertEquals(Mode.EAGER, r.mode());
                assertEquals(size, r.size());
                byte[] got = new byte[size];
                r.bytesStore().read(0, got, 0, size);
                assertArrayEquals(content, got);
            }
            try (Region r = s.map(Mode.EAGER, MapOptions.builder().readOnly().build())) {
                if (size >= 8) {
                    java.nio.ByteBuffer slice = r.slice(0, 8);
                    assertTrue(slice.isReadOnly());
                    assertEquals(java.nio.ByteBuffer.wrap(content, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(),
                            slice.getLong(0), "slices are little-endian like the image");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} bytes")
    @MethodSource("cases")
    void streamAndMemorySourcesGiveTheSameSnapshotAsTheFile(Codec codec, int size) throws IOException {
        byte[] content = TestData.mixed(size, 7 + size);
        SnapshotWriter w = SnapshotWriter.builder().codec(codec).chunkSize(CHUNK).threads(3).build();
        Path a = dir.resolve("stream.snap");
        SnapshotWriter.WriteResult ra = w.write(new ByteArrayInputStream(content), a, "stream");
        Path b = dir.resolve("memory.snap");
        BytesStore<?, Void> native_ = BytesStore.nativeStoreWithFixedCapacity(Math.max(1, size));
        try {
            native_.write(0, content);
            SnapshotWriter.WriteResult rb = w.write(native_.addressForRead(0), size, b);
            assertEquals(ra.digest(), rb.digest(), "same content, same digest");
            if (size > 0) {
                assertEquals(size, native_.readRemaining());
                assertEquals(ra.digest(), w.write(native_, dir.resolve("store.snap")).digest());
            }
        } finally {
            native_.releaseLast();
        }
        for (Path p : new Path[] {a, b}) {
            try (Snapshot s = Snapshot.open(p)) {
                assertArrayEquals(content, readAll(s));
                assertEquals(ra.digest(), s.digest());
            }
        }
    }

    static byte[] readAll(Snapshot s) throws IOException {
        byte[] out = new byte[(int) s.length()];
        ByteBuffer b = ByteBuffer.wrap(out);
        long off = 0;
        while (b.hasRemaining()) {
            int n = s.read(off, b);
            off += n;
        }
        return out;
    }
}
