package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.linux.internal.SnapEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's index decoder (chunks.c) and Java's {@link ChunkIndex} read the same bytes the same
 * way: snapshots written by SnapshotWriter (>= 64 entries with zero and dedup entries, every codec,
 * a short last chunk) are decoded by both and compared field by field.
 */
class IndexDecoderAgreementTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 97;

    @TempDir
    static Path dir;

    @BeforeAll
    static void loaded() {
        NativeTestSupport.assumeEngine();
    }

    /** Chunk i: zeros when i % 7 == 0, a copy of chunk 1 when i % 5 == 0, else its own bytes; a short tail. */
    static byte[] content() {
        byte[] c = TestData.mixed(CHUNKS * CHUNK - 1234, 42);
        for (int i = 0; i < CHUNKS - 1; i++) {
            if (i % 7 == 0) {
                Arrays.fill(c, i * CHUNK, (i + 1) * CHUNK, (byte) 0);
            } else if (i % 5 == 0) {
                System.arraycopy(c, CHUNK, c, i * CHUNK, CHUNK);
            }
        }
        return c;
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void engineAndChunkIndexDecodeTheSameEntries(Codec codec) throws Exception {
        Path snap = TestData.pack(Files.createDirectories(dir.resolve(codec.name())), content(), codec, CHUNK);
        try (Snapshot s = Snapshot.open(snap)) {
            ChunkIndex index = s.index();
            int n = index.count();
            assertEquals(CHUNKS, n);
            ByteBuffer entries = index.entries().duplicate();
            byte[] raw = new byte[entries.remaining()];
            entries.get(raw);
            long[] out = new long[n * SnapEngine.SN_DECODED_FIELDS];
            assertEquals(0, SnapEngine.sn_index_decode(raw, n, s.chunkShift(), s.length(), out),
                    () -> "engine rejected a valid index: " + SnapEngine.sn_error_call() + " entry " + SnapEngine.sn_error_arg());
            int zero = 0;
            int dedup = 0;
            for (int i = 0; i < n; i++) {
                int o = i * SnapEngine.SN_DECODED_FIELDS;
                String at = codec + " entry " + i;
                assertEquals(index.offset(i), out[o], at + " offset");
                assertEquals(index.storedLength(i), out[o + 1], at + " stored");
                assertEquals(index.rawLength(i), out[o + 2], at + " raw");
                assertEquals(Integer.toUnsignedLong(index.crc32c(i)), out[o + 3], at + " crc");
                assertEquals(index.codecId(i), out[o + 4], at + " codec");
                assertEquals(index.flags(i), out[o + 5], at + " flags");
                zero += index.isZero(i) ? 1 : 0;
                dedup += index.isDedup(i) ? 1 : 0;
            }
            assertTrue(zero >= 10 && dedup >= 5, "zero entries " + zero + ", dedup entries " + dedup);
            assertEquals(CHUNK - 1234, out[(n - 1) * SnapEngine.SN_DECODED_FIELDS + 2], "short last chunk");

            // and both reject the same contradiction: a raw length that is not the chunk's
            ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(40 * SnapEngine.SN_INDEX_ENTRY_SIZE + 12, CHUNK + 1);
            assertTrue(SnapEngine.sn_index_decode(raw, n, s.chunkShift(), s.length(), out) < 0);
            assertEquals(SnapEngine.SN_E_CORRUPT_INDEX, SnapEngine.sn_error_kind());
            assertEquals(40, SnapEngine.sn_error_arg());
        }
    }
}
