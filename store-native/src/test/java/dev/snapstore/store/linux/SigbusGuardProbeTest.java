package dev.snapstore.store.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Builds and runs {@code src/test/c/sigbus_guard_probe.c}: the kernel behaviour the engine relies on
 * without UFFDIO_POISON (a thread blocked in a userfaultfd fault, whose range is replaced by an
 * empty memfd mapping and then woken by address, gets SIGBUS; the rest of the region is still
 * served), for anonymous and shmem regions, reads and writes.
 */
class SigbusGuardProbeTest {
    @Test
    void theKernelTurnsAReplacedFaultingRangeIntoSigbus() throws Exception {
        NativeTestSupport.assumeLazyModes();
        Path src = Path.of("src/test/c/sigbus_guard_probe.c").toAbsolutePath();
        Path bin = Files.createTempFile("sigbus_guard_probe", "");
        try {
            Process cc = new ProcessBuilder("gcc", "-O2", "-pthread", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc: " + ccOut);
            Process p = new ProcessBuilder(bin.toString()).redirectErrorStream(true).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(done, "the probe hung: " + out);
            assertEquals(0, p.exitValue(), out);
            assertEquals(5, out.lines().filter(l -> l.endsWith("-> ok")).count(), out);
        } finally {
            Files.deleteIfExists(bin);
        }
    }
}
