package dev.snapstore.store.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.linux.internal.LibC;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers of the store-native tests. */
final class NativeTestSupport {
    static final int HUGEPAGES_FOR_TESTS = 1024;

    private NativeTestSupport() {
    }

    /**
     * {@code -Dsnapstore.requireKernelFeatures=true} (set by {@code .ci/run}) turns every skip below
     * into a failure: on the CI machine a kernel-feature test that cannot run is a defect.
     */
    static final boolean REQUIRE_KERNEL_FEATURES = Boolean.getBoolean("snapstore.requireKernelFeatures");

    /** The lazy modes, in the order tests run them: the one list every test class uses. */
    static final List<Mode> LAZY_MODES = List.of(Mode.ANONYMOUS, Mode.SHMEM, Mode.HUGETLB);

    static Stream<Mode> lazyModes() {
        return LAZY_MODES.stream();
    }

    /** Skips the test when {@code condition} is false, or fails it under {@link #REQUIRE_KERNEL_FEATURES}. */
    static void require(boolean condition, Supplier<String> why) {
        if (REQUIRE_KERNEL_FEATURES) {
            assertTrue(condition, () -> why.get() + " (snapstore.requireKernelFeatures=true: a skip is a failure)");
        } else {
            assumeTrue(condition, why);
        }
    }

    /** Skips (or fails, see {@link #require}) when libsnapstore.so cannot be loaded. */
    static void assumeEngine() {
        require(SnapEngine.isLoaded(), () -> "libsnapstore.so not loadable: " + SnapEngine.loadError());
    }

    /**
     * Skips (or fails) when the engine or userfaultfd is absent; reserves hugepages when root.
     * POISON is not needed: without it bad chunks are refused with the SIGBUS guard.
     */
    static void assumeLazyModes() {
        assumeEngine();
        Userfaultfd.Probe p = Userfaultfd.probe();
        require(p.available(), () -> "userfaultfd unavailable: " + p.call() + " errno " + p.errno());
        ensureHugepages();
    }

    /**
     * Whether a SHMEM region's memfd gets 2 MiB pages here (shmem's huge-page policy for memfds,
     * per size or global, is within_size, always or force): its fill unit is then at least 2 MiB,
     * as in HUGETLB.
     */
    static boolean shmemHugePages() {
        String v = thpPolicy(SHMEM_POLICY_2M);
        if (v == null || v.equals("inherit")) {
            v = thpPolicy(SHMEM_POLICY);
        }
        return v != null && (v.equals("within_size") || v.equals("always") || v.equals("force"));
    }

    private static final Path SHMEM_POLICY = Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled");
    private static final Path SHMEM_POLICY_2M = Path.of("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/shmem_enabled");

    /**
     * Sets shmem's huge-page policy for memfds to {@code policy} (never, within_size, always) until
     * {@code close()}, which puts back what was there: as root, or when it is already in effect.
     * Skips (or fails, see {@link #require}) otherwise. Regions opened meanwhile follow it.
     */
    static AutoCloseable shmemPolicy(String policy) throws IOException {
        String was = thpPolicy(SHMEM_POLICY);
        String was2m = thpPolicy(SHMEM_POLICY_2M);
        if (policy.equals(was) && (was2m == null || was2m.equals("inherit"))) {
            return () -> { };
        }
        require(Files.isWritable(SHMEM_POLICY), () -> SHMEM_POLICY + " is not writable (not root): cannot set shmem's huge-page policy to " + policy);
        Files.writeString(SHMEM_POLICY, policy);
        if (was2m != null) {
            Files.writeString(SHMEM_POLICY_2M, "inherit");
        }
        return () -> {
            Files.writeString(SHMEM_POLICY, was);
            if (was2m != null) {
                Files.writeString(SHMEM_POLICY_2M, was2m);
            }
        };
    }

    /** A region's fill unit here: the chunk size, at least a 2 MiB page in HUGETLB and in SHMEM over huge pages. */
    static long fillUnit(Mode mode, long chunk) {
        boolean huge = mode == Mode.HUGETLB || mode == Mode.SHMEM && shmemHugePages();
        return huge ? Math.max(chunk, 2 << 20) : chunk;
    }

    /** The value in brackets of a transparent_hugepage policy file, or null when there is none. */
    static String thpPolicy(Path p) {
        try {
            String s = Files.readString(p);
            int a = s.indexOf('[');
            int b = s.indexOf(']', a + 1);
            return a >= 0 && b > a ? s.substring(a + 1, b) : null;
        } catch (IOException e) {
            return null;
        }
    }

    static void assumeMode(Mode mode) {
        assumeLazyModes();
        Userfaultfd.Probe p = Userfaultfd.probe();
        if (mode == Mode.SHMEM) {
            require(p.has(Userfaultfd.UFFD_FEATURE_MINOR_SHMEM), () -> "kernel userfaultfd lacks MINOR_SHMEM");
        }
        if (mode == Mode.HUGETLB) {
            require(p.has(Userfaultfd.UFFD_FEATURE_MINOR_HUGETLBFS), () -> "kernel userfaultfd lacks MINOR_HUGETLBFS");
            ensureHugepages();
            require(Hugepages.pool2m().available() > 0, () -> "no free 2 MiB hugepages and not root to reserve them");
        }
    }

    /**
     * As root, makes sure {@value #HUGEPAGES_FOR_TESTS} 2 MiB hugepages are available to this JVM,
     * raising vm.nr_hugepages when other processes hold part of the pool (never lowers it).
     */
    static void ensureHugepages() {
        ensureHugepages(HUGEPAGES_FOR_TESTS);
    }

    /** As root, raises vm.nr_hugepages until {@code pages} 2 MiB pages are available here. */
    static synchronized void ensureHugepages(long pages) {
        Path nr = Path.of("/proc/sys/vm/nr_hugepages");
        try {
            Hugepages.Pool pool = Hugepages.pool2m();
            long missing = pages - pool.available();
            if (LibC.geteuid() == 0 && missing > 0) {
                Files.writeString(nr, Long.toString(Math.min(pool.total() + missing, 8192)));
            }
        } catch (IOException | RuntimeException e) {
            // not root or no hugetlb: HUGETLB tests skip through assumeMode
        }
    }

    static String sha256(Region r) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long off = 0;
            while (off < r.size()) {
                int n = (int) Math.min(1 << 30, r.size() - off);
                md.update(r.slice(off, n));
                off += n;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A stream of {@code length} bytes, zero except one 64 KiB block of pseudo-random text every
     * {@code dataEvery} bytes: a multi-GiB image that packs into a small snapshot.
     */
    static InputStream sparse(long length, long dataEvery) {
        return new InputStream() {
            long pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= length) {
                    return -1;
                }
                int n = (int) Math.min(len, length - pos);
                long inBlock = pos % dataEvery;
                if (inBlock >= 65536) {
                    // in a zero run: up to the next data block
                    n = (int) Math.min(n, dataEvery - inBlock);
                    java.util.Arrays.fill(b, off, off + n, (byte) 0);
                } else {
                    n = (int) Math.min(n, 65536 - inBlock);
                    for (int i = 0; i < n; i++) {
                        long p = pos + i;
                        b[off + i] = (byte) ('a' + (int) (((p * 2654435761L) >>> 7) % 26));
                    }
                }
                pos += n;
                return n;
            }
        };
    }

    static Path packSparse(Path dir, long length, long dataEvery, Codec codec) throws IOException {
        Path out = dir.resolve("sparse-" + length + "." + codec.name().toLowerCase() + ".snap");
        try (InputStream in = sparse(length, dataEvery)) {
            SnapshotWriter.builder().codec(codec).threads(2).build().write(in, out, "sparse");
        }
        return out;
    }

    /** Starts {@code main} in a new JVM with this JVM's module flags and class path. */
    /** A thread that allocates and calls System.gc() until {@code stop}, counting the collections in {@code gcs}. */
    static Thread gcStorm(java.util.concurrent.atomic.AtomicBoolean stop, java.util.concurrent.atomic.AtomicLong gcs) {
        return new Thread(() -> {
            List<byte[]> keep = new java.util.ArrayList<>();
            while (!stop.get()) {
                for (int i = 0; i < 200; i++) {
                    keep.add(new byte[1024 + i]);
                }
                if (keep.size() > 20_000) {
                    keep.clear();
                }
                System.gc();
                gcs.incrementAndGet();
            }
        }, "gc-storm");
    }

    /** What a crowd of {@link #toucher} threads counts together. */
    record Touches(java.util.concurrent.atomic.AtomicBoolean stop, java.util.concurrent.atomic.AtomicLong touches,
                   java.util.concurrent.atomic.AtomicLong mismatches, List<Throwable> failures) {
        Touches() {
            this(new java.util.concurrent.atomic.AtomicBoolean(), new java.util.concurrent.atomic.AtomicLong(),
                    new java.util.concurrent.atomic.AtomicLong(), java.util.Collections.synchronizedList(new java.util.ArrayList<>()));
        }

        /**
         * Starts {@code threads}, lets them run for {@code millis}, stops and joins them, then
         * asserts that none failed and no read mismatched.
         */
        void runFor(List<Thread> threads, long millis) throws InterruptedException {
            for (Thread t : threads) {
                t.start();
            }
            Thread.sleep(millis);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            org.junit.jupiter.api.Assertions.assertEquals(0, mismatches.get(), "reads that did not match the snapshot");
        }
    }

    /**
     * A thread that reads random aligned longs of random regions until {@code into.stop()}: one read
     * in {@code hotEvery} goes to the first {@code hot} chunks every toucher shares (faults racing
     * on one chunk), the rest anywhere; each read is compared with {@code expect} and counted.
     */
    static Thread toucher(String name, long seed, List<? extends Region> regions, ByteBuffer expect, int chunk,
                          int hotEvery, int hot, Touches into) {
        List<ByteBuffer> views = new java.util.ArrayList<>();
        for (Region r : regions) {
            views.add(r.slice(0, (int) r.size()));
        }
        int chunks = expect.capacity() / chunk;
        return new Thread(() -> {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
            try {
                while (!into.stop().get()) {
                    int c = rnd.nextInt(hotEvery) == 0 ? rnd.nextInt(hot) : rnd.nextInt(chunks);
                    int off = c * chunk + (rnd.nextInt(chunk - 8) & ~7);
                    int which = rnd.nextInt(views.size());
                    long got = views.get(which).getLong(off);
                    if (got != expect.getLong(off) && into.mismatches().incrementAndGet() <= 5) {
                        System.err.printf("mismatch in %s at %d: got %016x, want %016x, again %016x%n",
                                regions.get(which).mode(), off, got, expect.getLong(off), views.get(which).getLong(off));
                    }
                    into.touches().incrementAndGet();
                }
            } catch (Throwable e) {
                into.failures().add(e);
            }
        }, name);
    }

    /**
     * Reads one byte per 4 KiB page of {@code [from, from + length)} of {@code view} on a thread of
     * its own and returns what happened: the {@link InternalError} it got, or a string saying it
     * returned normally (with the sum of what it read).
     */
    static Object readPagesOnAnotherThread(ByteBuffer view, long from, int length, String name) throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                long sum = 0;
                for (int i = 0; i < length; i += 4096) {
                    sum += view.get((int) from + i);
                }
                outcome.set("returned normally, sum " + sum);
            } catch (InternalError e) {
                outcome.set(e);
            }
        }, name);
        t.start();
        t.join(30_000);
        return outcome.get();
    }

    /**
     * Runs {@link CloseRaceChild} over {@code snap} (whose image is the file {@code raw}) for
     * {@code rounds} rounds in a JVM of its own and asserts what it printed: it finished, no thread
     * read a wrong byte or stayed stuck, and every touch was either served or refused.
     *
     * @return the child's output
     */
    static String closeRaceInChild(java.util.Map<String, String> env, Path snap, Path raw, Mode mode, int rounds)
            throws IOException, InterruptedException {
        Process p = startJvm(env, CloseRaceChild.class, snap.toString(), raw.toString(), mode.name(), Integer.toString(rounds));
        boolean finished = p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertTrue(finished, "the child hung: " + out);
        org.junit.jupiter.api.Assertions.assertEquals(0, p.exitValue(), "child output: " + out);
        assertTrue(out.contains(" wrong=0 ") && out.contains(" stuck=0 "), out);
        int served = Integer.parseInt(out.replaceAll(".*served=(\\d+).*", "$1"));
        int poisoned = Integer.parseInt(out.replaceAll(".*poisoned=(\\d+).*", "$1"));
        org.junit.jupiter.api.Assertions.assertEquals(rounds * CloseRaceChild.THREADS, served + poisoned, out);
        return out;
    }

    static Process startJvm(Class<?> main, String... args) throws IOException {
        return startJvm(java.util.Map.of(), main, args);
    }

    /** {@link #startJvm(Class, String...)} with {@code env} added to the child's environment. */
    static Process startJvm(java.util.Map<String, String> env, Class<?> main, String... args) throws IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--enable-native-access")
                    || a.startsWith("--sun-misc-unsafe-memory-access")) {
                cmd.add(a);
            }
        }
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/snapstore-child-hs_err_%p.log");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Deletes everything under {@code dir} (the warm cache's user directories included), not dir itself. */
    static void deleteContents(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                if (!f.equals(dir)) {
                    Files.delete(f);
                }
            }
        }
    }

    static int fdCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    /** Native resolver threads alive in this process (they are named snapstore-rsv). */
    /**
     * The resolver-thread count once it equals {@code expected}, or whatever it is after 2 s: a
     * thread that pthread_join has returned for can stay listed in /proc/self/task for a moment
     * until the kernel reaps it.
     */
    static int resolverThreadsSettled(int expected) throws IOException, InterruptedException {
        int n = resolverThreads();
        for (int i = 0; i < 200 && n != expected; i++) {
            Thread.sleep(10);
            n = resolverThreads();
        }
        return n;
    }

    static int resolverThreads() throws IOException {
        int n = 0;
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) s::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).trim().equals("snapstore-rsv")) {
                        n++;
                    }
                } catch (IOException e) {
                    // thread ended while listing
                }
            }
        }
        return n;
    }

    static long hugePagesFree() {
        return Hugepages.pool2m().free();
    }

    /** The HugetlbPages line of /proc/self/status, in kB. */
    static long hugetlbPagesOfThisProcess() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("HugetlbPages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    static List<String> mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"));
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
