package dev.snapstore.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import dev.snapstore.tools.JvmFlags;
import org.junit.jupiter.api.Test;

/** {@code java -jar target/samples.jar}, as a user runs it from a clean clone: no JVM flags. */
class SamplesJarIT {
    private static final Path JAR = Path.of("target", "samples.jar");

    @Test
    void theManifestCarriesTheProjectsFlagList() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "built by package: " + JAR.toAbsolutePath());
        Attributes a;
        try (JarFile jar = new JarFile(JAR.toFile())) {
            a = jar.getManifest().getMainAttributes();
        }
        assertEquals(Samples.class.getName(), a.getValue("Main-Class"));
        Set<String> opens = new TreeSet<>();
        Set<String> exports = new TreeSet<>();
        for (String f : JvmFlags.forRuntime(17)) {
            if (f.startsWith("--add-opens=")) {
                opens.add(target(f));
            } else if (f.startsWith("--add-exports=")) {
                exports.add(target(f));
            }
        }
        assertEquals(opens, new TreeSet<>(Arrays.asList(a.getValue("Add-Opens").split(" "))), "Add-Opens");
        assertEquals(exports, new TreeSet<>(Arrays.asList(a.getValue("Add-Exports").split(" "))), "Add-Exports");
        assertEquals("ALL-UNNAMED", a.getValue("Enable-Native-Access"));
    }

    /** "--add-opens=java.base/java.lang=ALL-UNNAMED" to "java.base/java.lang" (the manifest opens to the unnamed module). */
    private static String target(String flag) {
        String[] parts = flag.split("=");
        assertEquals("ALL-UNNAMED", parts[2], flag);
        return parts[1];
    }

    @Test
    void withoutArgumentsItListsTheSamples() throws Exception {
        String out = java();
        for (Samples.Sample s : Samples.ALL) {
            assertTrue(out.contains(s.name()), out);
        }
    }

    @Test
    void aSampleRunsByNameWithoutJvmFlags() throws Exception {
        String out = java("service-state", "20000");
        assertTrue(out.contains("restored in"), out);
    }

    @Test
    void anUnknownNameExitsWithTwoAndTheList() throws Exception {
        Process p = start("no-such-sample");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("no sample named 'no-such-sample'") && out.contains("model-weights"), out);
    }

    private static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String java(String... args) throws Exception {
        Process p = start(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
