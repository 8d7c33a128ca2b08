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
import java.util.List;
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
                try {
                    NativeTestSupport.deleteContents(d);
                } finally {
                    if (d == huge) {
                        run("umount", d.toString());
                    }
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
            Path img = LazyRegion.warmFile(dir, name);
            Path state = img.resolveSibling(name + ".state");
            assertTrue(Files.isRegularFile(img) && Files.isRegularFile(state), "warm files exist in this user's directory");
            assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE), Files.getPosixFilePermissions(img.getParent()));
            try (var top = Files.list(dir)) {
                assertEquals(List.of(img.getParent()), top.toList(), "nothing but the user directory at the top");
            }
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
            Path img = LazyRegion.warmFile(shm, s.digest() + ".shmem");
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
        Map<String, String> m = TestData.keyValues(out, "sha");
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

    /**
     * Another user's directory (or symlink) at this user's name in a shared warm directory, or
     * another user's file at the image's name inside it: the map still succeeds, from a private
     * memfd, says why the cache was not used, and writes nothing there. Simulated with chown.
     */
    @Test
    void anotherUsersFilesCannotDenyTheMap() throws Exception {
        pack(Codec.LZ4);
        NativeTestSupport.require(dev.snapstore.store.linux.internal.LibC.geteuid() == 0, () -> "chown needs root");
        try (Snapshot s = Snapshot.open(snap)) {
            String name = s.digest() + ".shmem";
            Path userDir = LazyRegion.warmUserDir(shm);
            MapOptions options = MapOptions.builder().warmCache(shm).build();

            // 1. the user directory pre-created by someone else
            Files.createDirectory(userDir);
            run("chown", "4242:4242", userDir.toString());
            assertMapsWithoutTheCache(s, options, userDir);
            try (var in = Files.list(userDir)) {
                assertEquals(0, in.count(), "nothing planted in the foreign directory");
            }
            Files.delete(userDir);

            // 2. a symlink at the user directory's name
            Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
            Files.createSymbolicLink(userDir, elsewhere);
            assertMapsWithoutTheCache(s, options, userDir);
            try (var in = Files.list(elsewhere)) {
                assertEquals(0, in.count(), "nothing written through the symlink");
            }
            Files.delete(userDir);

            // 3. our directory, left group/world-readable: the engine makes it 0700 again and uses it
            Files.createDirectory(userDir);
            Files.setPosixFilePermissions(userDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            try (Region r = s.map(Mode.SHMEM, options)) {
                assertTrue(((LazyRegion) r).backing().startsWith("warm file " + LazyRegion.warmFile(shm, name)),
                        ((LazyRegion) r).backing());
            }
            assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE), Files.getPosixFilePermissions(userDir));

            // 4. another user's file at the image's name inside our directory
            Path img = LazyRegion.warmFile(shm, name);
            run("chown", "4242:4242", img.toString());
            assertMapsWithoutTheCache(s, options, userDir);
        }
    }

    private void assertMapsWithoutTheCache(Snapshot s, MapOptions options, Path userDir) throws Exception {
        try (Region r = s.map(Mode.SHMEM, options)) {
            String backing = ((LazyRegion) r).backing();
            assertTrue(backing.startsWith("shmem memfd") && backing.contains("not used") && backing.contains(userDir.toString()),
                    backing);
            assertEquals(TestData.sha256(content), NativeTestSupport.sha256(r));
            assertEquals(0, r.stats().errors());
        }
    }
}
