package dev.snapstore.store.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Process p = NativeTestSupport.startJvm(CloseRaceChild.class, snap.toString(), raw.toString(), mode.name(), "4");
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(finished, "the child hung: " + out);
        assertEquals(0, p.exitValue(), "child output: " + out);
        assertTrue(out.contains(" wrong=0 ") && out.contains(" stuck=0 "), out);
        int served = Integer.parseInt(out.replaceAll(".*served=(\\d+).*", "$1"));
        int poisoned = Integer.parseInt(out.replaceAll(".*poisoned=(\\d+).*", "$1"));
        assertEquals(4 * CloseRaceChild.THREADS, served + poisoned, out);
        System.out.println("close race " + mode + ": " + out);
    }
}
