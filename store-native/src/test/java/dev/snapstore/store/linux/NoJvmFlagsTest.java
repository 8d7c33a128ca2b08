package dev.snapstore.store.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Mode;

/**
 * The library needs no JVM flag unless the caller asks for a Chronicle view: a JVM started with
 * none (no --add-opens, --add-exports, --enable-native-access) writes, opens and maps in every mode,
 * reads through slices (and MemorySegments on 22+), loads, resets and reads stats, and never loads a
 * Chronicle class. Runs on the JDK that runs the tests: 17 in the first CI pass, 25 in the second.
 */
class NoJvmFlagsTest {
    @TempDir
    Path dir;

    @Test
    void everyModeWorksWithoutFlagsAndChronicleIsNeverLoaded() throws Exception {
        NativeTestSupport.assumeLazyModes();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path classLog = dir.resolve("classes.log");
        cmd.add("-Xlog:class+load=info:file=" + classLog);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(NoJvmFlagsChild.class.getName());
        cmd.add(dir.toString());
        List<Mode> modes = new ArrayList<>(List.of(Mode.EAGER));
        modes.addAll(NativeTestSupport.LAZY_MODES);
        modes.forEach(m -> cmd.add(m.name()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child hung: " + out);
        assertEquals(0, p.exitValue(), "child output: " + out);
        for (Mode m : modes) {
            String ok = "ok " + m + (Runtime.version().feature() >= 22 ? " with segments" : "") + "\n";
            assertTrue(out.contains(ok), m + " did not run" + (Runtime.version().feature() >= 22 ? " with MemorySegments" : "")
                    + ": " + out);
        }
        String classes = Files.readString(classLog);
        assertTrue(classes.contains("dev.snapstore.store.linux.LazyRegion"), "the class log saw the lazy regions");
        assertFalse(classes.contains("net.openhft.chronicle"), "a Chronicle class was loaded without bytesStore(): "
                + classes.lines().filter(l -> l.contains("net.openhft.chronicle")).findFirst().orElse(""));
        assertFalse(out.contains("add-opens") || out.contains("add-exports"), "the child asked for flags: " + out);
    }
}
