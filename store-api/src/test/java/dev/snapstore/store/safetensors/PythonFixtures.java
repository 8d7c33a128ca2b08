package dev.snapstore.store.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Safetensors files written by an independent writer: {@code src/test/python/make_safetensors.py}
 * (struct + json + numpy, following the format's specification). Without python3 and numpy the
 * tests that need them skip, unless {@code -Dsnapstore.requireKernelFeatures=true} (CI, where they
 * are present): then it is a failure.
 */
public final class PythonFixtures {
    private static final boolean REQUIRED = Boolean.getBoolean("snapstore.requireKernelFeatures");

    private PythonFixtures() {
    }

    /** Runs the script into {@code out} with extra {@code args}; skips (or fails, on CI) without python3 + numpy. */
    public static void generate(Path out, String... args) throws IOException, InterruptedException {
        Path script = script();
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), out.toString()));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            unavailable("python3 cannot be started (" + e.getMessage() + ")");
            return;
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python3 did not finish");
        if (p.exitValue() != 0 && output.contains("No module named 'numpy'")) {
            unavailable("python3 has no numpy");
        }
        assertEquals(0, p.exitValue(), "make_safetensors.py failed:\n" + output);
    }

    private static void unavailable(String why) {
        String msg = why + ": the safetensors fixtures are written by " + script() + " with python3 + numpy";
        if (REQUIRED) {
            throw new AssertionError(msg + " (snapstore.requireKernelFeatures=true: a skip is a failure)");
        }
        assumeTrue(false, msg);
    }

    /** The generator script, found from the module's directory (store-api or a sibling module). */
    public static Path script() {
        for (String candidate : new String[] {"src/test/python/make_safetensors.py",
                "../store-api/src/test/python/make_safetensors.py"}) {
            Path p = Path.of(candidate).toAbsolutePath().normalize();
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("make_safetensors.py not found from " + Path.of("").toAbsolutePath());
    }

    /** The little-endian float64 values the script wrote to {@code file}. */
    public static double[] doubles(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(out);
        return out;
    }

    /** The little-endian int64 values the script wrote to {@code file}. */
    public static long[] longs(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }
}
