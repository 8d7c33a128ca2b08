package dev.snapstore.store.linux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.TestData;


/**
 * close() while threads are blocked in faults on the region: it returns promptly, every blocked
 * thread gets either its page's true content or an InternalError (poisoned), never zeros, and no
 * thread stays stuck. Runs in a child JVM ({@link CloseRaceChild}).
 */
class CloseRaceTest {
    private static final int CHUNK = 4 << 20;

    @TempDir
    Path dir;

    static Stream<Mode> modes() {
        // HUGETLB shares SHMEM's file path (resolve_file.c); this race never ran it
        return NativeTestSupport.lazyModes().filter(m -> m != Mode.HUGETLB);
    }

    @ParameterizedTest
    @MethodSource("modes")
    void closeWhileThreadsAreBlockedInFaults(Mode mode) throws Exception {
        NativeTestSupport.assumeMode(mode);
        NativeTestSupport.require(Files.isReadable(Path.of("/proc/self/wchan")), () -> "/proc/*/wchan not readable");
        byte[] content = TestData.mixed(CloseRaceChild.THREADS * CHUNK, 8);
        Path snap = TestData.pack(dir, content, Codec.ZSTD, CHUNK);
        Path raw = dir.resolve("content.bin");
        Files.write(raw, content);
        String out = NativeTestSupport.closeRaceInChild(java.util.Map.of(), snap, raw, mode, 4);
        System.out.println("close race " + mode + ": " + out);
    }
}
