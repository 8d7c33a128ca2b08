package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An input file truncated while it is packed fails the pack with an IOException naming it and
 * leaves no snapshot behind; it never crashes the JVM (the codecs read their input from native
 * code, so the writer reads the file instead of mapping it).
 */
class TruncatedInputTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Codec.class, names = {"LZ4", "ZSTD"})
    void truncatedWhilePackedFailsCleanly(Codec codec) throws Exception {
        Path input = dir.resolve("input.bin");
        Files.write(input, TestData.mixed(256 * CHUNK, 7)); // 256 chunks
        Path out = dir.resolve("out.snap");
        AtomicBoolean cut = new AtomicBoolean();
        SnapshotWriter writer = SnapshotWriter.builder().codec(codec).chunkSize(CHUNK).threads(4)
                .progress((done, total) -> {
                    if (cut.compareAndSet(false, true)) {
                        try (RandomAccessFile f = new RandomAccessFile(input.toFile(), "rw")) {
                            f.setLength(8L * CHUNK + 123); // most chunks are not read yet
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }).build();
        IOException e = assertThrows(IOException.class, () -> writer.write(input, out));
        assertTrue(cut.get(), "the file was cut during the pack");
        assertTrue(e.getMessage().contains(input.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("shrank") || e.getMessage().contains("changed size"), e.getMessage());
        assertFalse(Files.exists(out), "no snapshot left behind");
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(p -> p.equals(input)), "no temporary file left behind");
        }
    }
}
