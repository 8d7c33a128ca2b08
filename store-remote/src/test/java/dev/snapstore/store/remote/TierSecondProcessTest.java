package dev.snapstore.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.TestData;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * The local tier across processes: after this JVM restored a remote snapshot through the tier, a
 * second process (a child JVM) restoring it on the same host asks the server for nothing but what
 * opening costs, as counted by the server, and gets the same bytes.
 */
class TierSecondProcessTest {
    @TempDir
    Path dir;

    @Test
    void aSecondProcessIsServedFromTheTierWithNoFetch() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            RemoteFixture fx = new RemoteFixture(dir);
            Path tier = dir.resolve("tier");
            try (RangeServer http = new RangeServer(fx.snapshot)) {
                MapOptions o = MapOptions.builder().resolverThreads(2).chunkCache(tier, 64L << 20).build();
                int openCost;
                try (Snapshot s = Snapshot.open(RemoteSources.open(http.uri(), RemoteOptions.defaults()), 1 << 20)) {
                    openCost = http.requests.get();
                    try (Region r = s.map(Mode.SHMEM, o)) {
                        r.load(0, r.size());
                        assertEquals(fx.imageSha256(), RemoteFixture.sha256(r));
                    }
                }
                assertTrue(http.requests.get() > openCost + 1, "the first restore fetched from the server");
                long files;
                try (Stream<Path> w = Files.walk(tier)) {
                    files = w.filter(Files::isRegularFile).count();
                }
                assertTrue(files >= 64, "one tier file per payload: " + files);

                int before = http.requests.get();
                Map<String, String> child = runChild(http.uri().toString(), tier.toString());
                assertEquals(fx.imageSha256(), child.get("sha"), "the second process's bytes: " + child);
                assertEquals("0", child.get("errors"), child.toString());
                assertEquals(Long.toString(files), child.get("hits"), "every payload from the tier: " + child);
                assertEquals(openCost, http.requests.get() - before,
                        "the second process asked only what opening costs (" + openCost + " requests), no chunk");
            }
        });
    }

    private static Map<String, String> runChild(String uri, String tier) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--enable-native-access")
                    || a.startsWith("--sun-misc-unsafe-memory-access")) {
                cmd.add(a);
            }
        }
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TierChild.class.getName());
        cmd.add(uri);
        cmd.add(tier);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child did not finish: " + out);
        }
        assertEquals(0, p.exitValue(), out);
        Map<String, String> m = TestData.keyValues(out, "sha");
        assertTrue(m.containsKey("sha"), "child output: " + out);
        return m;
    }
}
