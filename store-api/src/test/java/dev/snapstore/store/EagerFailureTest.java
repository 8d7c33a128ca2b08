package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.snapstore.store.format.ChunkIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failing EAGER restore waits for every worker before it frees the region's memory: with one bad
 * chunk in the middle of many, the other workers are still decompressing when the failure is
 * seen. Before the fix this crashed the JVM (SIGSEGV in LZ4, zstd or setMemory) within a few
 * rounds.
 */
class EagerFailureTest {
    private static final int CHUNK = 64 << 10;
    private static final int CHUNKS = 512;
    private static final int ROUNDS = 50;

    @TempDir
    Path dir;

    @Test
    void badChunkInTheMiddleIsAlwaysATypedErrorNeverACrash() throws IOException {
        for (Codec codec : new Codec[] {Codec.LZ4, Codec.ZSTD}) {
            Path snap = TestData.pack(dir, TestData.mixed(CHUNKS * CHUNK, 11), codec, CHUNK);
            int bad = corruptStoredChunkNear(snap, CHUNKS / 2);
            MapOptions options = MapOptions.builder().eagerThreads(4).build();
            try (Snapshot s = Snapshot.open(snap)) {
                for (int round = 0; round < ROUNDS; round++) {
                    CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class,
                            () -> s.map(Mode.EAGER, options).close(), codec + " round " + round);
                    assertEquals(bad, e.chunk(), e.getMessage());
                    assertEquals(snap, e.file());
                    assertTrue(e.getMessage().startsWith(snap + ": chunk " + bad + ": "), e.getMessage());
                }
            }
        }
    }

    /** Flips bytes in the middle of the payload of the first chunk at or after {@code from} that owns one. */
    static int corruptStoredChunkNear(Path snap, int from) throws IOException {
        int bad;
        long at;
        try (Snapshot s = Snapshot.open(snap)) {
            ChunkIndex index = s.index();
            bad = from;
            while (index.isZero(bad) || index.isDedup(bad)) {
                bad++;
            }
            at = index.offset(bad) + index.storedLength(bad) / 2;
        }
        try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x66, 0x77, 0x11, 0x22, 0x33, 0x44, 0x55}), at);
        }
        return bad;
    }
}
