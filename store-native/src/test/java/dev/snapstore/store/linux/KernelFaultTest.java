package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.sun.nio.file.ExtendedOpenOption;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults raised inside the kernel on untouched region memory (write(2) from it, read(2) into it,
 * O_DIRECT I/O) are served like any other: the syscalls see the snapshot's bytes.
 */
class KernelFaultTest {
    private static final int CHUNK = 256 << 10;
    private static final int SIZE = 24 * CHUNK + 4096 * 3;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void writeFromUntouchedRegion(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(SIZE, 11);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        Path out = dir.resolve("out-" + mode);
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, MapOptions.defaults());
                FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer src = r.slice(0, SIZE);
            while (src.hasRemaining()) {
                ch.write(src);
            }
            assertTrue(r.stats().faults() > 0, "the kernel's own accesses were served");
        }
        assertArrayEquals(content, Files.readAllBytes(out));
    }

    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void readIntoUntouchedRegion(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(SIZE, 12);
        Path snap = TestData.pack(dir, content, Codec.LZ4, CHUNK);
        byte[] other = TestData.mixed(CHUNK + 100, 13);
        Path in = dir.resolve("in-" + mode);
        Files.write(in, other);
        int at = 3 * CHUNK + 17;
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, MapOptions.defaults());
                FileChannel ch = FileChannel.open(in, StandardOpenOption.READ)) {
            ByteBuffer dst = r.slice(at, other.length);
            while (dst.hasRemaining() && ch.read(dst) > 0) {
                // read(2) writes into region memory that was never touched
            }
            byte[] back = new byte[SIZE];
            r.slice(0, SIZE).get(back);
            byte[] expect = content.clone();
            System.arraycopy(other, 0, expect, at, other.length);
            assertArrayEquals(expect, back);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.snapstore.store.linux.NativeTestSupport#lazyModes")
    void directIoFromAndIntoUntouchedRegion(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        byte[] content = TestData.mixed(SIZE, 14);
        Path snap = TestData.pack(dir, content, Codec.NONE, CHUNK);
        Path out = dir.resolve("direct-" + mode);
        int block = (int) Files.getFileStore(dir).getBlockSize();
        int len = 8 * CHUNK;
        int from = 2 * CHUNK;
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(mode, MapOptions.defaults())) {
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT)) {
                ByteBuffer src = r.slice(from, len);
                assertEquals(0, len % block);
                while (src.hasRemaining()) {
                    ch.write(src);
                }
            }
            assertArrayEquals(Arrays.copyOfRange(content, from, from + len), Files.readAllBytes(out));
            // O_DIRECT read into a part of the region not touched yet
            int to = 12 * CHUNK;
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
                ByteBuffer dst = r.slice(to, len);
                while (dst.hasRemaining() && ch.read(dst) > 0) {
                    // DMA into region memory
                }
            }
            byte[] back = new byte[len];
            r.slice(to, len).get(back);
            assertArrayEquals(Arrays.copyOfRange(content, from, from + len), back);
        }
    }
}
