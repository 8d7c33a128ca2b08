package dev.snapstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./snapstore} launcher in a child process: JVM flags, exit codes and output as a
 * user sees them. Runs with failsafe after the package phase, against the jar just shaded; skips
 * when there is no jar (run from an IDE before a build).
 */
class LauncherIT {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path LAUNCHER = ROOT.resolve("snapstore");
    static final Path JAR = ROOT.resolve("store-cli/target/snapstore.jar");

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    static Run run(String javaHome, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCHER.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        if (javaHome != null) {
            env.put("JAVA_HOME", javaHome);
        }
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("launcher did not finish: " + cmd);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void assumeBuilt() {
        assumeTrue(Files.isExecutable(LAUNCHER), "no launcher at " + LAUNCHER);
        assumeTrue(Files.isRegularFile(JAR), "no " + JAR + " yet: run mvn -DskipTests package first");
    }

    @Test
    void packVerifyUnpackThroughTheLauncher() throws Exception {
        assumeBuilt();
        byte[] data = CliEndToEndTest.content(5 * CliEndToEndTest.CHUNK + 99, 21);
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve("in.snap");
        Path out = dir.resolve("out.bin");
        Files.write(in, data);

        Run pack = run(null, "pack", "--codec", "zstd", "--chunk-size", "64K", in.toString(), snap.toString());
        assertEquals(0, pack.status(), pack.toString());
        assertEquals("", pack.err(), "quiet when piped: " + pack);
        Run verify = run(null, "verify", snap.toString());
        assertEquals(0, verify.status(), verify.toString());
        Run unpack = run(null, "unpack", snap.toString(), out.toString());
        assertEquals(0, unpack.status(), unpack.toString());
        assertArrayEquals(data, Files.readAllBytes(out));

        Run restore = run(null, "restore", "--mode", "eager", "--sha256", "--json", snap.toString());
        assertEquals(0, restore.status(), restore.toString());
        assertEquals(CliEndToEndTest.sha256(data), TestJson.object(restore.out()).get("sha256"));

        Run usage = run(null, "pack", "--level");
        assertEquals(2, usage.status(), usage.toString());
        assertTrue(usage.err().startsWith("snapstore: "), usage.toString());

        Files.write(snap, new byte[200]);
        Run corrupt = run(null, "verify", snap.toString());
        assertEquals(1, corrupt.status(), corrupt.toString());
        assertTrue(corrupt.err().startsWith("snapstore: " + snap + ": "), corrupt.toString());
    }

    @Test
    void benchForwardsItsArgumentsToTheHarness() throws Exception {
        assumeBuilt();
        Run help = run(null, "bench", "--help");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().startsWith("usage: snapstore bench"), help.toString());
        Run bad = run(null, "bench", "--scenario", "no-such-scenario");
        assertEquals(2, bad.status(), bad.toString());
        assertTrue(bad.err().startsWith("snapstore bench: "), bad.toString());
    }

    @Test
    void runsOnJdk25WhenInstalled() throws Exception {
        assumeBuilt();
        Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
        assumeTrue(Files.isExecutable(jdk25.resolve("bin/java")), "no JDK 25 at " + jdk25);
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve("in.snap");
        byte[] data = CliEndToEndTest.content(3 * CliEndToEndTest.CHUNK, 5);
        Files.write(in, data);
        Run pack = run(jdk25.toString(), "pack", "--chunk-size", "64K", in.toString(), snap.toString());
        assertEquals(0, pack.status(), pack.toString());
        assertEquals("", pack.err(), "no JVM warnings on JDK 25: " + pack);
        Run restore = run(jdk25.toString(), "restore", "--mode", "eager", "--sha256", "--json", snap.toString());
        assertEquals(0, restore.status(), restore.toString());
        assertEquals("", restore.err(), "no JVM warnings on JDK 25: " + restore);
        assertEquals(CliEndToEndTest.sha256(data), TestJson.object(restore.out()).get("sha256"));
        Run version = run(jdk25.toString(), "--version");
        assertTrue(version.out().contains("Java 25"), version.toString());
    }
}
