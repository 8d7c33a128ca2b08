package dev.snapstore.store.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm cache outlives a process: a second JVM maps every filled chunk with MINOR faults
 * (revalidated, never decompressed); a chunk corrupted in the warm file is detected and refilled;
 * a process killed mid-fill never leaves a wrong chunk marked valid.
 */
class WarmCacheTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path tmp;
    Path shm;
    Path huge;

    @BeforeEach
    void dirs() throws IOException {
        NativeTestSupport.assumeMode(Mode.SHMEM);
        shm = Files.createTempDirectory(Path.of("/dev/shm"), "snapstore-warm-test");
    }

    @AfterEach
    void clean() throws Exception {
        for (Path d : new Path[] {shm, huge}) {
            if (d != null) {
                try (var s = Files.list(d)) {
                    for (Path f : (Iterable<Path>) s::iterator) {
                        Files.delete(f);
                    }
                }
                if (d == huge) {
                    run("umount", d.toString());
                }
                Files.delete(d);
            }
        }
    }

    private byte[] content;
    private Path snap;

    private Path pack(Codec codec) throws IOException {
        content = TestData.mixed(160 * CHUNK + 999, 1234);
        snap = TestData.pack(tmp, content, codec, CHUNK);
        return snap;
    }

    private static int storedChunks(Snapshot s) {
        int n = 0;
        for (int i = 0; i < s.chunkCount(); i++) {
            n += s.index().isZero(i) ? 0 : 1;
        }
        return n;
    }

    @Test
    void shmemSecondProcessSeesOnlyMinorFaults() throws Exception {
        secondProcess(Mode.SHMEM, shm);
    }

    @Test
    void hugetlbSecondProcessSeesOnlyMinorFaults() throws Exception {
        NativeTestSupport.assumeMode(Mode.HUGETLB);
        Path dir = Files.createTempDirectory(tmp, "hugetlbfs");
        int rc = run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M,mode=0700", "none", dir.toString());
        NativeTestSupport.require(rc == 0, () -> "cannot mount hugetlbfs (needs root): mount exit " + rc);
        huge = dir;
        secondProcess(Mode.HUGETLB, huge);
    }

    private void secondProcess(Mode mode, Path dir) throws Exception {
        pack(Codec.LZ4);
        int stored;
        int inFile; // chunks the first region put in the file: hugetlb files take zero chunks too
        try (Snapshot s = Snapshot.open(snap)) {
            stored = storedChunks(s);
            inFile = mode == Mode.HUGETLB ? s.chunkCount() : stored;
            try (Region r = s.map(mode, MapOptions.builder().warmCache(dir).build())) {
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
                RegionStats st = r.stats();
                assertEquals(stored, st.chunksDecompressed(), st.asMap().toString());
                assertEquals(0, st.revalidations());
            }
            String name = s.digest() + "." + mode.name().toLowerCase();
            Path img = dir.resolve(name + ".img");
            Path state = dir.resolve(name + ".state");
            assertTrue(Files.isRegularFile(img) && Files.isRegularFile(state), "warm files exist");
            assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(img));
            assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(state));
        }
        for (String rw : new String[] {"rw", "ro"}) {
            Map<String, String> out = child(dir, mode, rw);
            assertEquals(TestData.sha256(content), out.get("sha"), rw);
            assertEquals("0", out.get("missing"), rw + ": no chunk missing from the warm file: " + out);
            assertEquals("0", out.get("decompressed"), rw + ": nothing decompressed: " + out);
            assertEquals("0", out.get("errors"), rw);
            assertTrue(Long.parseLong(out.get("minor")) > 0, rw + ": " + out);
            assertEquals(inFile, Long.parseLong(out.get("warmAtOpen")), rw + ": " + out);
            assertTrue(Long.parseLong(out.get("revalidations")) >= stored, rw + ": each filled chunk revalidated: " + out);
        }
    }

    @Test
    void corruptedWarmChunkIsDetectedAndRefilled() throws Exception {
        pack(Codec.ZSTD);
        try (Snapshot s = Snapshot.open(snap)) {
            MapOptions options = MapOptions.builder().warmCache(shm).build();
            try (Region r = s.map(Mode.SHMEM, options)) {
                r.load(0, r.size());
            }
            int victim = 0;
            while (s.index().isZero(victim)) {
                victim++;
            }
            Path img = shm.resolve(s.digest() + ".shmem.img");
            try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap("corrupted by the test".getBytes(StandardCharsets.US_ASCII)),
                        (long) victim * CHUNK + 1000);
            }
            try (Region r = s.map(Mode.SHMEM, options)) {
                assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
                RegionStats st = r.stats();
                assertEquals(1, st.chunksDecompressed(), "only the corrupted chunk is refilled: " + st.asMap());
                assertEquals(0, st.missingFaults(), st.asMap().toString());
                assertEquals(0, st.errors());
                assertEquals(storedChunks(s), st.revalidations(), st.asMap().toString());
            }
            // the refill is valid for the next process too
            Map<String, String> out = child(shm, Mode.SHMEM, "ro");
            assertEquals("0", out.get("decompressed"), out.toString());
            assertEquals(TestData.sha256(content), out.get("sha"));
        }
    }

    @Test
    void processKilledMidFillLeavesNoWrongChunk() throws Exception {
        pack(Codec.LZ4);
        Process p = start(shm, Mode.SHMEM, "rw", "slow");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            assertEquals("filling", line, "child started");
            Thread.sleep(150);
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        try (Snapshot s = Snapshot.open(snap); Region r = s.map(Mode.SHMEM, MapOptions.builder().warmCache(shm).build())) {
            long warm = ((LazyRegion) r).warmValidChunksAtOpen();
            assertTrue(warm > 0 && warm < storedChunks(s), "the child was killed part-way: " + warm + " chunks valid");
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            assertEquals(0, r.stats().errors());
        }
    }

    private Map<String, String> child(Path dir, Mode mode, String rw) throws Exception {
        Process p = start(dir, mode, rw, "sha");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), "child output: " + out);
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("sha=")) {
                for (String kv : line.trim().split(" ")) {
                    int eq = kv.indexOf('=');
                    m.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        assertTrue(m.containsKey("sha"), "child output: " + out);
        return m;
    }

    private Process start(Path dir, Mode mode, String rw, String what) throws IOException {
        return NativeTestSupport.startJvm(WarmChild.class, snap.toString(), dir.toString(), mode.name(), rw, what);
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
