package dev.snapstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.FileIo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The commands end to end, in this JVM, through picocli exactly as Main runs them. */
class CliEndToEndTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    /** Synthetic content plus a whole zero chunk and a repeated chunk, {@code length} bytes. */
    static byte[] content(int length, long seed) {
        byte[] b = new byte[length];
        dev.snapstore.tools.SyntheticImage img = new dev.snapstore.tools.SyntheticImage(seed, CHUNK);
        byte[] page = new byte[CHUNK];
        for (int off = 0, p = 0; off < length; off += CHUNK, p++) {
            int n = Math.min(CHUNK, length - off);
            img.page(p, page, n);
            System.arraycopy(page, 0, b, off, n);
        }
        if (length >= 4 * CHUNK) {
            java.util.Arrays.fill(b, CHUNK, 2 * CHUNK, (byte) 0);
            System.arraycopy(b, 0, b, 2 * CHUNK, CHUNK);
        }
        return b;
    }

    /** Writes {@code data} as in.bin and packs it in 64 KiB chunks to {@code name}. */
    private Path packed(byte[] data, String name) throws IOException {
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve(name);
        Files.write(in, data);
        Cli pack = Cli.run("pack", "--chunk-size", "64K", in.toString(), snap.toString());
        assertEquals(0, pack.status, pack.toString());
        return snap;
    }

    /** Inverts 16 bytes in the middle of chunk {@code victim}'s payload (a chunk with a payload of its own). */
    static void damagePayload(Path snap, int victim) throws IOException {
        long at;
        try (Snapshot s = Snapshot.open(snap)) {
            assertFalse(s.index().isZero(victim) || s.index().isDedup(victim), "chunk " + victim + " has its own payload");
            at = s.index().offset(victim) + s.index().storedLength(victim) / 2;
        }
        try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(16);
            ch.read(b, at);
            for (int i = 0; i < 16; i++) {
                b.put(i, (byte) ~b.get(i));
            }
            b.clear();
            ch.write(b, at);
        }
    }

    static String sha256(byte[] b) {
        return FileIo.hex(FileIo.sha256().digest(b));
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @CsvSource({
            "lz4, 0", "lz4, 1", "lz4, 65535", "lz4, 65536", "lz4, 65537", "lz4, 1048583",
            "zstd, 1", "zstd, 1048583", "none, 65537", "none, 1048583"})
    void packVerifyUnpackIsByteIdentical(String codec, int length) throws IOException {
        byte[] data = content(length, length);
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve("in.snap");
        Path out = dir.resolve("out.bin");
        Files.write(in, data);

        Cli pack = Cli.run("pack", "--codec", codec, "--chunk-size", "64K", "--threads", "2", in.toString(),
                snap.toString());
        assertEquals(0, pack.status, pack.toString());
        assertTrue(pack.out.contains("ratio"), pack.toString());
        assertEquals("", pack.err, pack.toString());

        Cli verify = Cli.run("verify", snap.toString());
        assertEquals(0, verify.status, verify.toString());
        assertTrue(verify.out.contains("ok"), verify.toString());

        Cli unpack = Cli.run("unpack", snap.toString(), out.toString());
        assertEquals(0, unpack.status, unpack.toString());
        assertArrayEquals(data, Files.readAllBytes(out));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("in.bin", "in.snap", "out.bin"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
    }

    @Test
    void packReportsZeroAndDuplicateChunksAndInspectJsonAgrees() throws IOException {
        byte[] data = content(16 * CHUNK + 100, 3);
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve("in.snap");
        Files.write(in, data);
        Cli pack = Cli.run("pack", "--json", "--chunk-size", "64K", "--meta", "owner=tests", in.toString(),
                snap.toString());
        assertEquals(0, pack.status, pack.toString());
        Map<String, Object> p = TestJson.object(pack.out);
        assertEquals(17L, p.get("chunks"));
        assertTrue((Long) p.get("zero_chunks") >= 1, pack.out);
        assertTrue((Long) p.get("dedup_chunks") >= 1, pack.out);

        Cli inspect = Cli.run("inspect", "--json", snap.toString());
        assertEquals(0, inspect.status, inspect.toString());
        Map<String, Object> m = TestJson.object(inspect.out);
        for (String key : List.of("file", "file_bytes", "version", "length", "chunk_size", "chunk_count",
                "stored_chunks", "zero_chunks", "dedup_chunks", "stored_bytes", "ratio", "codecs", "digest",
                "metadata", "profile_length")) {
            assertTrue(m.containsKey(key), "inspect --json has " + key + ": " + inspect.out);
        }
        assertEquals((long) data.length, m.get("length"));
        assertEquals((long) CHUNK, m.get("chunk_size"));
        assertEquals(17L, m.get("chunk_count"));
        assertEquals(2L, m.get("version")); // pack writes format v2
        assertEquals(Files.size(snap), m.get("file_bytes"));
        assertEquals(p.get("zero_chunks"), m.get("zero_chunks"));
        assertEquals(p.get("dedup_chunks"), m.get("dedup_chunks"));
        assertEquals(p.get("digest"), m.get("digest"));
        assertTrue(((String) m.get("digest")).matches("[0-9a-f]{64}"), inspect.out);
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) m.get("metadata");
        assertEquals("tests", meta.get("owner"));
        @SuppressWarnings("unchecked")
        Map<String, Object> codecs = (Map<String, Object>) m.get("codecs");
        long storedChunks = 0;
        for (Object c : codecs.values()) {
            storedChunks += (Long) ((Map<?, ?>) c).get("chunks");
        }
        assertEquals(m.get("stored_chunks"), storedChunks, "codec mix covers every stored chunk");

        Cli text = Cli.run("inspect", snap.toString());
        assertEquals(0, text.status, text.toString());
        assertTrue(text.out.contains((String) m.get("digest")), text.out);
        assertTrue(text.out.contains("owner = tests"), text.out);
    }

    @Test
    void corruptPayloadFailsVerifyAndUnpackWithExitOneNamingTheFile() throws IOException {
        byte[] data = content(8 * CHUNK, 11);
        Path snap = packed(data, "damaged.snap");
        // Damage the payload of chunk 5 (a stored, non-duplicate chunk of the synthetic content).
        damagePayload(snap, 5);
        Cli verify = Cli.run("verify", snap.toString());
        assertEquals(1, verify.status, verify.toString());
        assertTrue(verify.err.contains(snap.toString()), verify.toString());
        assertTrue(verify.err.contains(snap + ": chunk 5: "), verify.toString());
        assertEquals(1, verify.err.strip().split("\n").length, "exactly one line per bad chunk: " + verify);
        assertTrue(verify.out.contains("CORRUPT: 1 of 8 chunks"), verify.toString());

        Path out = dir.resolve("out.bin");
        Cli unpack = Cli.run("unpack", snap.toString(), out.toString());
        assertEquals(1, unpack.status, unpack.toString());
        assertTrue(unpack.err.startsWith("snapstore: " + snap), unpack.toString());
        assertFalse(Files.exists(out), "no partial output under the target name");
        assertFalse(unpack.err.contains("\tat "), "no stack trace without --verbose");

        Cli verbose = Cli.run("unpack", "--verbose", snap.toString(), out.toString());
        assertEquals(1, verbose.status, verbose.toString());
        assertTrue(verbose.err.contains("\tat "), "stack trace with --verbose: " + verbose);
    }

    @Test
    void damagedFooterIsCorruptionNotACrash() throws IOException {
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve("cut.snap");
        Files.write(in, content(3 * CHUNK, 2));
        assertEquals(0, Cli.run("pack", "--chunk-size", "64K", in.toString(), snap.toString()).status);
        byte[] all = Files.readAllBytes(snap);
        Files.write(snap, java.util.Arrays.copyOf(all, all.length - 10));
        for (String cmd : List.of("inspect", "verify")) {
            Cli r = Cli.run(cmd, snap.toString());
            assertEquals(1, r.status, cmd + ": " + r);
            assertTrue(r.err.startsWith("snapstore: " + snap + ": "), r.toString());
            assertEquals(1, r.err.strip().split("\n").length, "one line: " + r);
        }
        Path junk = dir.resolve("junk.snap");
        Files.write(junk, "not a snapshot at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Cli r = Cli.run("inspect", junk.toString());
        assertEquals(1, r.status, r.toString());
        assertTrue(r.err.startsWith("snapstore: " + junk + ": "), r.toString());
    }

    @Test
    void usageErrorsExitTwo() throws IOException {
        Path in = dir.resolve("in.bin");
        Files.write(in, content(1000, 1));
        Path snap = dir.resolve("x.snap");
        String[][] cases = {
                {},
                {"frobnicate"},
                {"pack", in.toString()},
                {"pack", "--chunk-size", "3M", in.toString(), snap.toString()},
                {"pack", "--chunk-size", "32K", in.toString(), snap.toString()},
                {"pack", "--codec", "brotli", in.toString(), snap.toString()},
                {"pack", dir.resolve("missing.bin").toString(), snap.toString()},
                {"verify", dir.resolve("missing.snap").toString()},
                {"inspect", dir.toString()},
                {"restore", "--mode", "turbo", "x.snap"},
                {"restore", "--touch", "random:200%", "x.snap"},
                {"verify", "--no-such-option", "x.snap"},
        };
        for (String[] args : cases) {
            Cli r = Cli.run(args);
            assertEquals(2, r.status, String.join(" ", args) + ": " + r);
            assertTrue(r.err.startsWith("snapstore: "), String.join(" ", args) + ": " + r);
            assertEquals("", r.out, String.join(" ", args) + ": " + r);
        }
        assertFalse(Files.exists(snap));
    }

    @Test
    void helpAndVersionExitZero() {
        Cli help = Cli.run("--help");
        assertEquals(0, help.status, help.toString());
        for (String cmd : List.of("pack", "inspect", "verify", "unpack", "restore", "doctor", "demo", "bench")) {
            assertTrue(help.out.contains(cmd), cmd + " in help: " + help.out);
        }
        for (String cmd : List.of("pack", "inspect", "verify", "unpack", "restore", "doctor", "demo")) {
            Cli sub = Cli.run(cmd, "--help");
            assertEquals(0, sub.status, sub.toString());
            assertTrue(sub.out.startsWith("Usage: snapstore " + cmd) || sub.out.contains("Usage: snapstore " + cmd),
                    sub.toString());
            assertEquals("", sub.err, "help renders without warnings: " + sub);
        }
        Cli v = Cli.run("--version");
        assertEquals(0, v.status, v.toString());
        assertTrue(v.out.startsWith("snapstore "), v.out);
    }

    @Test
    void restoreEagerJsonShaEqualsInputSha() throws IOException {
        byte[] data = content(20 * CHUNK + 12345, 9);
        Path snap = packed(data, "in.snap");
        Cli r = Cli.run("restore", "--mode", "eager", "--sha256", "--json", snap.toString());
        assertEquals(0, r.status, r.toString());
        Map<String, Object> m = TestJson.object(r.out);
        for (String key : List.of("mode", "open_ms", "touch_ms", "touch_gbps", "rss_bytes", "sha256", "region")) {
            assertTrue(m.containsKey(key), key + " in " + r.out);
        }
        assertEquals("eager", m.get("mode"));
        assertEquals(sha256(data), m.get("sha256"));
        assertEquals(21L, m.get("touch_chunks"), "seq touches every chunk");
        assertEquals((long) data.length, m.get("touch_bytes"));
        assertEquals((data.length + 4095L) / 4096, m.get("touch_pages"), "one byte per 4 KiB page");
        assertTrue((Long) m.get("rss_bytes") > 0, r.out);

        Cli random = Cli.run("restore", "--mode", "eager", "--touch", "random:10%", "--json", snap.toString());
        assertEquals(0, random.status, random.toString());
        Map<String, Object> rm = TestJson.object(random.out);
        assertEquals(3L, rm.get("touch_chunks"), "ceil(10% of 21)");
        assertEquals("random:10%", rm.get("touch"));
        assertEquals(null, rm.get("sha256"));

        Cli text = Cli.run("restore", "--mode", "eager", "--sha256", snap.toString());
        assertEquals(0, text.status, text.toString());
        assertTrue(text.out.contains(sha256(data)), text.out);
        assertTrue(text.out.contains("mode      eager"), text.out);
    }

    /**
     * The working set from the command line: --record-profile saves the touched chunks next to the
     * snapshot, --prefetch profile replays them (the JSON says how many), --prefetch none and
     * --touch load restore the same bytes, and a bad policy is a usage error.
     */
    @Test
    void recordProfileThenReplayItAndLoadTheWholeRegion() throws IOException {
        byte[] data = content(80 * CHUNK + 5, 12);
        Path snap = packed(data, "ws.snap");
        Cli rec = Cli.run("restore", "--mode", "shmem", "--touch", "random:10%", "--record-profile", "--json", snap.toString());
        org.junit.jupiter.api.Assumptions.assumeTrue(rec.status == 0 || !rec.err.contains("not available"), rec.toString());
        assertEquals(0, rec.status, rec.toString());
        String recorded = (String) TestJson.object(rec.out).get("profile");
        assertTrue(recorded != null && recorded.startsWith("recorded 9 chunks") && recorded.endsWith(".profile"), rec.out);
        try (java.util.stream.Stream<Path> files = Files.list(snap.getParent())) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("ws.snap.")
                    && p.getFileName().toString().endsWith(".profile")).count());
        }
        Cli replay = Cli.run("restore", "--mode", "shmem", "--touch", "random:10%", "--prefetch", "profile", "--sha256",
                "--json", snap.toString());
        assertEquals(0, replay.status, replay.toString());
        Map<String, Object> m = TestJson.object(replay.out);
        assertTrue(((String) m.get("profile")).startsWith("replaying profile "), replay.out);
        assertEquals(sha256(data), m.get("sha256"));
        for (String policy : List.of("none", "sequential")) {
            Cli load = Cli.run("restore", "--mode", "shmem", "--touch", "load", "--prefetch", policy, "--sha256",
                    "--json", snap.toString());
            assertEquals(0, load.status, load.toString());
            Map<String, Object> lm = TestJson.object(load.out);
            assertEquals("load", lm.get("touch"));
            assertEquals(sha256(data), lm.get("sha256"));
            assertEquals(0L, ((Map<?, ?>) lm.get("region")).get("errors"));
        }
        Cli bad = Cli.run("restore", "--prefetch", "always", snap.toString());
        assertEquals(2, bad.status, bad.toString());
    }

    @Test
    void lazyModesRestoreCorrectlyOrSayTheyAreNotAvailable() throws IOException {
        byte[] data = content(10 * CHUNK + 7, 4);
        Path snap = packed(data, "in.snap");
        for (String mode : List.of("auto", "hugetlb", "shmem", "anonymous")) {
            Cli r = Cli.run("restore", "--mode", mode, "--sha256", "--json", snap.toString());
            if (r.status == 0) {
                Map<String, Object> m = TestJson.object(r.out);
                assertEquals(sha256(data), m.get("sha256"), mode + ": " + r);
                if (!mode.equals("auto")) {
                    assertEquals(mode, m.get("mode"), r.toString());
                }
            } else {
                assertFalse(mode.equals("auto"), "auto falls back to eager: " + r);
                assertEquals(3, r.status, mode + ": " + r);
                assertTrue(r.err.startsWith("snapstore: ") && r.err.contains("not available"), r.toString());
                assertEquals(1, r.err.strip().split("\n").length, "one line: " + r);
            }
        }
    }

    /**
     * Issue 9's acceptance at a small size: a 64 MiB image in 1024 chunks of 64 KiB restored read-only
     * with a 16 MiB budget, touched in order and hashed, in every lazy mode: the hash is the input's
     * although most chunks were evicted and refilled, and the peak residency stays within the budget
     * plus the documented slack (two fill units per resolver; a fill unit is a 2 MiB page in HUGETLB).
     */
    @ParameterizedTest
    @CsvSource({"shmem", "hugetlb", "anonymous"})
    void restoreUnderAMemoryBudgetHashesTheInputAndStaysWithinIt(String mode) throws IOException,
            java.security.NoSuchAlgorithmException {
        Path in = dir.resolve("big.bin");
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        dev.snapstore.tools.SyntheticImage img = new dev.snapstore.tools.SyntheticImage(17, CHUNK);
        byte[] page = new byte[CHUNK];
        try (java.io.OutputStream o = Files.newOutputStream(in)) {
            for (int p = 0; p < 1024; p++) {
                img.page(p, page, CHUNK);
                o.write(page);
                sha.update(page);
            }
        }
        Path snap = dir.resolve("big.snap");
        assertEquals(0, Cli.run("pack", "--chunk-size", "64K", in.toString(), snap.toString()).status);
        long budget = 16L << 20;
        int resolvers = 2;
        Cli r = Cli.run("restore", "--memory-budget", "16M", "--mode", mode, "--read-only", "--threads",
                String.valueOf(resolvers), "--touch", "seq", "--sha256", "--json", snap.toString());
        assertEquals(0, r.status, r.toString());
        Map<String, Object> m = TestJson.object(r.out);
        assertEquals(mode, m.get("mode"), r.out);
        assertEquals(FileIo.hex(sha.digest()), m.get("sha256"), r.out);
        @SuppressWarnings("unchecked")
        Map<String, Object> region = (Map<String, Object>) m.get("region_after_sha256");
        for (String key : List.of("budget_bytes", "resident_bytes", "resident_peak_bytes", "pinned_bytes", "evictions",
                "refills", "sampled_accesses")) {
            assertTrue(region.containsKey(key), key + " in " + r.out);
        }
        assertEquals(budget, region.get("budget_bytes"));
        long unit = mode.equals("hugetlb") ? 2L << 20 : CHUNK;
        long peak = (Long) region.get("resident_peak_bytes");
        assertTrue(peak <= budget + 2L * resolvers * unit, "peak " + peak + " within budget + slack: " + r.out);
        assertTrue((Long) region.get("resident_bytes") <= peak, r.out);
        assertEquals(0L, region.get("pinned_bytes"), "a read-only region pins nothing");
        // 64 MiB went through a 16 MiB budget: at least three quarters of the units were evicted.
        assertTrue((Long) region.get("evictions") * unit >= 48L << 20, r.out);

        Cli text = Cli.run("restore", "--memory-budget", "16M", "--mode", mode, "--read-only", snap.toString());
        assertEquals(0, text.status, text.toString());
        assertTrue(text.out.contains("  budget    16 MiB: resident "), text.out);

        Cli bad = Cli.run("restore", "--memory-budget", "lots", snap.toString());
        assertEquals(2, bad.status, bad.toString());
        assertTrue(bad.err.contains("lots"), bad.toString());
    }

    /**
     * Issue 7 item 5: the warm-up run (a one-chunk snapshot restored before timing) must not leave
     * a warm file of its own in the user's --warm-cache directory: a restore with the warm-up
     * leaves exactly what a --cold restore (no warm-up) leaves.
     */
    @Test
    void restoreWarmCacheLeavesNoWarmUpFile() throws IOException {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm), "no /dev/shm for a warm cache");
        byte[] data = content(8 * CHUNK, 21);
        Path snap = packed(data, "in.snap");
        Path warm = Files.createTempDirectory(shm, "snapstore-cli-test-warm-");
        Path cold = Files.createTempDirectory(shm, "snapstore-cli-test-cold-");
        try {
            Cli w = Cli.run("restore", "--mode", "shmem", "--warm-cache", warm.toString(), "--sha256", "--json", snap.toString());
            org.junit.jupiter.api.Assumptions.assumeTrue(w.status == 0 || !w.err.contains("not available"),
                    "SHMEM regions not available here: " + w);
            assertEquals(0, w.status, w.toString());
            assertEquals(sha256(data), TestJson.object(w.out).get("sha256"));
            Cli c = Cli.run("restore", "--cold", "--mode", "shmem", "--warm-cache", cold.toString(), "--json", snap.toString());
            assertEquals(0, c.status, c.toString());
            List<String> coldFiles = files(cold);
            assertFalse(coldFiles.isEmpty(), "the restore itself keeps its warm file: " + coldFiles);
            assertEquals(coldFiles, files(warm), "no file from the warm-up run");
        } finally {
            dev.snapstore.tools.FileIo.deleteTree(warm);
            dev.snapstore.tools.FileIo.deleteTree(cold);
        }
    }

    /** Regular files under {@code root}, relative names, sorted. */
    private static List<String> files(Path root) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void restoringADamagedChunkFailsWithExitOneInEveryMode() throws IOException {
        byte[] data = content(12 * CHUNK, 13);
        Path snap = packed(data, "bad.snap");
        damagePayload(snap, 7);
        for (String mode : List.of("eager", "hugetlb", "shmem", "anonymous")) {
            Cli r = Cli.run("restore", "--mode", mode, "--sha256", "--json", snap.toString());
            if (r.status == 3) {
                assertTrue(r.err.contains("not available"), mode + ": " + r);
                continue;
            }
            assertEquals(1, r.status, mode + ": never a result from a damaged chunk: " + r);
            assertEquals("", r.out, mode + ": " + r);
            assertTrue(r.err.startsWith("snapstore: " + snap + ": "), mode + ": " + r);
            assertEquals(1, r.err.strip().split("\n").length, mode + ": one line: " + r);
        }
    }

    @Test
    void packReadsStandardInput() throws IOException {
        byte[] data = content(3 * CHUNK + 5, 17);
        Path snap = dir.resolve("stdin.snap");
        Path out = dir.resolve("out.bin");
        java.io.InputStream saved = System.in;
        System.setIn(new java.io.ByteArrayInputStream(data));
        Cli pack;
        try {
            pack = Cli.run("pack", "--chunk-size", "64K", "-", snap.toString());
        } finally {
            System.setIn(saved);
        }
        assertEquals(0, pack.status, pack.toString());
        assertEquals(0, Cli.run("unpack", snap.toString(), out.toString()).status);
        assertArrayEquals(data, Files.readAllBytes(out));
    }

    @Test
    void doctorReportsThisMachine() {
        Cli r = Cli.run("doctor", "--json");
        assertEquals(0, r.status, r.toString());
        Map<String, Object> m = TestJson.object(r.out);
        for (String key : List.of("kernel", "userfaultfd", "hugepages", "dev_shm", "problems", "fixes")) {
            assertTrue(m.containsKey(key), key + " in " + r.out);
        }
        assertEquals(((List<?>) m.get("problems")).size(), ((List<?>) m.get("fixes")).size(), "a fix per problem");
        Cli text = Cli.run("doctor");
        assertEquals(0, text.status, text.toString());
        assertTrue(text.out.contains("userfaultfd"), text.out);
    }

    @Test
    void demoRestoresEveryAvailableModeWithMatchingSha() {
        Cli r = Cli.run("demo", "--size", "24M", "--chunk-size", "256K", "--threads", "2", "--json",
                "--dir", dir.toString());
        assertEquals(0, r.status, r.toString());
        Map<String, Object> m = TestJson.object(r.out);
        assertEquals(Boolean.TRUE, m.get("ok"), r.out);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) m.get("results");
        assertEquals(4, results.size());
        Map<String, Object> eager = results.get(0);
        assertEquals("eager", eager.get("mode"));
        assertEquals(Boolean.TRUE, eager.get("sha256_ok"), r.out);
        assertEquals(m.get("input_sha256"), eager.get("sha256"));
        for (Map<String, Object> row : results) {
            assertTrue(row.get("skipped") != null || Boolean.TRUE.equals(row.get("sha256_ok")), row.toString());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> pack = (Map<String, Object>) m.get("pack");
        assertTrue((Long) pack.get("zero_chunks") > 0 && (Long) pack.get("dedup_chunks") > 0, r.out);
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "demo removed its temporary directory");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void unpackToStdoutWritesOnlyTheImage() throws IOException {
        Path in = dir.resolve("in.bin");
        Path snap = dir.resolve("in.snap");
        byte[] data = new byte[3000];
        new Random(1).nextBytes(data);
        Files.write(in, data);
        assertEquals(0, Cli.run("pack", "--chunk-size", "64K", in.toString(), snap.toString()).status);
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        Cli r;
        try {
            r = Cli.run("unpack", snap.toString(), "-");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, r.status, r.toString());
        assertEquals("", r.out);
        assertArrayEquals(data, captured.toByteArray());
    }
}
