package dev.snapstore.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.JvmFlags;
import dev.snapstore.tools.TextTable;

/**
 * Issue 11's start-up scenarios, measured by the harness itself in processes of their own
 * ({@link StartupChild}), each with its baseline in the same run:
 *
 * <ul>
 *   <li>{@code cold-start}: a fresh JVM's first {@code Snapshot.open} + {@code map} of the bench's
 *       snapshot (page-cached: read once before), in AUTO mode, as {@code restore --cold --touch none}
 *       measures it: {@code restore_cold_ms} (median, min, max of the runs), against the wall time of
 *       {@code java -version} ({@code java_version_ms}) measured alternately with it. Two rows: the
 *       library ({@code snapstore}: a JVM with the project's flags and nothing else, no class-data
 *       archive, that only opens and maps) and, when the bench runs under the {@code snapstore}
 *       launcher, the command itself ({@code snapstore launcher}: {@code snapstore restore --cold
 *       --touch none --json} with the launcher's flags and class-data archive, read from its JSON).
 *       The native library cache is filled by one untimed run of each first: a first run after
 *       installing pays one extraction.</li>
 *   <li>{@code open-scale}: open + map (then close, untimed) of a 64 MiB and a 16 GiB snapshot, mostly
 *       zero chunks of the default 2 MiB (built once in the work directory), alternately in one JVM
 *       after warm-up: {@code open_map_64m_ms}, {@code open_map_16g_ms} and their ratio, per lazy
 *       mode that maps 16 GiB here (SHMEM, ANONYMOUS: HUGETLB would need 8192 free hugepages).</li>
 * </ul>
 * Not thread-safe.
 */
final class Startup {
    /** Fresh JVMs per figure of cold-start (at least; --repeat raises it). */
    static final int COLD_RUNS = 5;
    /** Measured rounds of open-scale (after as many warm-up rounds). */
    static final int SCALE_ROUNDS = 41;
    static final long SMALL = 64L << 20;
    static final long BIG = 16L << 30;

    private final BenchRun run;
    private final Path work;
    private final int repeat;

    Startup(BenchRun run, Path work, int repeat) {
        this.run = run;
        this.work = work;
        this.repeat = repeat;
    }

    /** Runs {@code cold-start} on {@code snap}; rows go to the run's results. */
    void coldStart(Path snap) throws IOException, InterruptedException {
        String sc = Scenario.COLD_START.cliName();
        warmPageCache(snap);
        child(List.of("cold", snap.toString(), "auto")); // fills the native library cache, untimed
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher != null && !Files.isExecutable(Path.of(launcher))) {
            launcher = null;
        }
        if (launcher != null) {
            launcher(launcher, snap); // untimed too: the same first use for the launcher's JVM
        }
        int n = Math.max(COLD_RUNS, repeat);
        double[] java = new double[n];
        double[] cold = new double[n];
        double[] open = new double[n];
        double[] map = new double[n];
        double[] process = new double[n];
        double[] lCold = new double[n];
        double[] lOpen = new double[n];
        double[] lMap = new double[n];
        double[] lProcess = new double[n];
        String mode = "?";
        String lMode = "?";
        for (int i = 0; i < n; i++) { // alternately, so all of them see the same machine
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(javaBin(), "-version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            wait(p, "java -version");
            java[i] = (System.nanoTime() - t0) / 1e6;
            long t1 = System.nanoTime();
            Map<String, String> r = child(List.of("cold", snap.toString(), "auto"));
            process[i] = (System.nanoTime() - t1) / 1e6;
            open[i] = Long.parseLong(r.get("open_ns")) / 1e6;
            map[i] = Long.parseLong(r.get("map_ns")) / 1e6;
            cold[i] = open[i] + map[i];
            mode = r.get("mode").toLowerCase(Locale.ROOT);
            if (launcher != null) {
                long t2 = System.nanoTime();
                Map<String, String> l = launcher(launcher, snap);
                lProcess[i] = (System.nanoTime() - t2) / 1e6;
                lOpen[i] = Double.parseDouble(l.get("snapshot_open_ms"));
                lMap[i] = Double.parseDouble(l.get("map_ms"));
                lCold[i] = lOpen[i] + lMap[i];
                lMode = l.get("mode");
            }
        }
        run.add(sc, "java -version", "baseline", "cold", "java_version_ms", median(java), "ms");
        run.add(sc, "java -version", "baseline", "cold", "java_version_min_ms", min(java), "ms");
        run.add(sc, "java -version", "baseline", "cold", "java_version_max_ms", max(java), "ms");
        String m = "auto:" + mode;
        run.add(sc, "snapstore", m, "cold", "restore_cold_ms", median(cold), "ms");
        run.add(sc, "snapstore", m, "cold", "restore_cold_min_ms", min(cold), "ms");
        run.add(sc, "snapstore", m, "cold", "restore_cold_max_ms", max(cold), "ms");
        run.add(sc, "snapstore", m, "cold", "snapshot_open_ms", median(open), "ms");
        run.add(sc, "snapstore", m, "cold", "map_ms", median(map), "ms");
        run.add(sc, "snapstore", m, "cold", "process_ms", median(process), "ms");
        run.add(sc, "snapstore", m, "cold", "restore_cold_x_java_version", median(cold) / median(java), "ratio");
        run.add(sc, "snapstore", m, "cold", "runs", n, "count");
        if (launcher != null) {
            String lm = "auto:" + lMode;
            String sys = "snapstore launcher";
            run.add(sc, sys, lm, "cold", "restore_cold_ms", median(lCold), "ms");
            run.add(sc, sys, lm, "cold", "restore_cold_min_ms", min(lCold), "ms");
            run.add(sc, sys, lm, "cold", "restore_cold_max_ms", max(lCold), "ms");
            run.add(sc, sys, lm, "cold", "snapshot_open_ms", median(lOpen), "ms");
            run.add(sc, sys, lm, "cold", "map_ms", median(lMap), "ms");
            run.add(sc, sys, lm, "cold", "process_ms", median(lProcess), "ms");
            run.add(sc, sys, lm, "cold", "restore_cold_x_java_version", median(lCold) / median(java), "ratio");
            run.add(sc, sys, lm, "cold", "runs", n, "count");
        }
    }

    /**
     * The system property the {@code snapstore} launcher sets to its own path: {@code cold-start}
     * then also times the command a user runs, {@code snapstore restore --cold --touch none --json}
     * (with the launcher's flags and class-data archive), on the JDK that runs the bench.
     */
    static final String LAUNCHER_PROPERTY = "snapstore.launcher";

    /** One {@code restore --cold --touch none --json} of {@code snap} through the launcher: the JSON's numbers and mode. */
    private static Map<String, String> launcher(String launcher, Path snap) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(launcher, "restore", "--cold", "--touch", "none", "--json", snap.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        wait(p, "snapstore restore --cold");
        String json = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(launcher + " restore --cold exited " + p.exitValue() + ": " + json);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : new String[] {"snapshot_open_ms", "map_ms", "mode"}) {
            Matcher x = Pattern.compile("\"" + key + "\"\\s*:\\s*\"?([^,\"}]+)").matcher(json);
            if (!x.find()) {
                throw new IOException(launcher + " restore --cold --json printed no " + key + ": " + json);
            }
            m.put(key, x.group(1).trim());
        }
        return m;
    }

    /** Runs {@code open-scale} in each of {@code modes} that is lazy and available per {@code available}. */
    void openScale(List<Mode> modes, ModeProbe available) throws IOException, InterruptedException {
        String sc = Scenario.OPEN_SCALE.cliName();
        Path small = sparse(SMALL);
        Path big = sparse(BIG);
        for (Mode mode : modes) {
            if (mode == Mode.HUGETLB || !mode.isLazy() || !available.available(mode)) {
                continue; // HUGETLB: 16 GiB needs 8192 free hugepages; EAGER would allocate 16 GiB
            }
            Map<String, String> r = child(List.of("scale", small.toString(), big.toString(), mode.name(),
                    String.valueOf(SCALE_ROUNDS)));
            String m = mode.name().toLowerCase(Locale.ROOT);
            double s = Long.parseLong(r.get("small_ns")) / 1e6;
            double b = Long.parseLong(r.get("big_ns")) / 1e6;
            run.add(sc, "snapstore", m, "warm", "open_map_64m_ms", s, "ms");
            run.add(sc, "snapstore", m, "warm", "open_map_64m_min_ms", Long.parseLong(r.get("small_min_ns")) / 1e6, "ms");
            run.add(sc, "snapstore", m, "warm", "open_map_64m_max_ms", Long.parseLong(r.get("small_max_ns")) / 1e6, "ms");
            run.add(sc, "snapstore", m, "warm", "open_64m_ms", Long.parseLong(r.get("small_open_ns")) / 1e6, "ms");
            run.add(sc, "snapstore", m, "warm", "open_map_16g_ms", b, "ms");
            run.add(sc, "snapstore", m, "warm", "open_map_16g_min_ms", Long.parseLong(r.get("big_min_ns")) / 1e6, "ms");
            run.add(sc, "snapstore", m, "warm", "open_map_16g_max_ms", Long.parseLong(r.get("big_max_ns")) / 1e6, "ms");
            run.add(sc, "snapstore", m, "warm", "open_16g_ms", Long.parseLong(r.get("big_open_ns")) / 1e6, "ms");
            run.add(sc, "snapstore", m, "warm", "open_map_16g_x_64m", b / s, "ratio");
            run.add(sc, "snapstore", m, "warm", "runs", SCALE_ROUNDS, "count");
        }
    }

    /** The rows of both scenarios as a table (they have none of the touch columns). */
    static String render(String scenario, Map<String, Map<String, Double>> rows) {
        boolean cold = scenario.equals(Scenario.COLD_START.cliName());
        String[][] cols = cold
                ? new String[][] {{"java_version_ms", "java -version ms"}, {"restore_cold_ms", "open+map ms"},
                        {"restore_cold_min_ms", "min"}, {"restore_cold_max_ms", "max"}, {"snapshot_open_ms", "open ms"},
                        {"map_ms", "map ms"}, {"process_ms", "process ms"}, {"restore_cold_x_java_version", "x java -version"}}
                : new String[][] {{"open_map_64m_ms", "64 MiB ms"}, {"open_map_16g_ms", "16 GiB ms"},
                        {"open_map_16g_min_ms", "16g min"}, {"open_map_16g_max_ms", "16g max"},
                        {"open_16g_ms", "16g open ms"}, {"open_map_16g_x_64m", "16 GiB / 64 MiB"}};
        List<String> head = new ArrayList<>(List.of("system", "mode"));
        for (String[] c : cols) {
            head.add(c[1]);
        }
        TextTable grid = new TextTable(2, false, head.toArray(new String[0]));
        for (Map.Entry<String, Map<String, Double>> row : rows.entrySet()) {
            String[] k = row.getKey().split("\\|");
            List<String> cells = new ArrayList<>(List.of(k[0], k[1]));
            for (String[] c : cols) {
                cells.add(Table.num(row.getValue().get(c[0])));
            }
            grid.row(cells.toArray(new String[0]));
        }
        return grid.render("  ") + (cold ? "  medians of fresh JVMs; open+map timed inside the JVM, as restore --cold"
                + " --touch none reports it; process ms: the whole JVM, start to exit\n"
                : "  medians of " + SCALE_ROUNDS + " rounds in one warm JVM; 2 MiB chunks, mostly zero\n");
    }

    /** Issue 11's goals of items 1 and 4, from this run's rows; empty when neither scenario ran. */
    static List<String[]> goals(Map<String, Map<String, Map<String, Double>>> t) {
        List<String[]> lines = new ArrayList<>();
        Map<String, Map<String, Double>> cold = t.get(Scenario.COLD_START.cliName());
        if (cold != null) {
            for (Map.Entry<String, Map<String, Double>> row : cold.entrySet()) {
                Double ms = row.getValue().get("restore_cold_ms");
                Double x = row.getValue().get("restore_cold_x_java_version");
                if (ms != null) {
                    lines.add(new String[] {ms <= 50 ? "MET" : "MISS", "fresh JVM open + map <= 50 ms",
                            Table.num(ms) + " ms (" + row.getKey().split("\\|")[0] + ", " + row.getKey().split("\\|")[1] + ", median; range "
                                    + Table.num(row.getValue().get("restore_cold_min_ms")) + ".."
                                    + Table.num(row.getValue().get("restore_cold_max_ms")) + ")"});
                }
                if (x != null) {
                    lines.add(new String[] {x <= 5 ? "MET" : "MISS", "fresh JVM open + map <= 5x java -version",
                            Table.num(x) + " (" + row.getKey().split("\\|")[0] + ": open + map / java -version wall time, medians)"});
                }
            }
        }
        Map<String, Map<String, Double>> scale = t.get(Scenario.OPEN_SCALE.cliName());
        if (scale != null) {
            for (Map.Entry<String, Map<String, Double>> row : scale.entrySet()) {
                Double x = row.getValue().get("open_map_16g_x_64m");
                if (x != null) {
                    lines.add(new String[] {x <= 1.5 ? "MET" : "MISS", "open + map 16 GiB <= 1.5x 64 MiB",
                            Table.num(x) + " (" + row.getKey().split("\\|")[1] + ": " + Table.num(row.getValue()
                                    .get("open_map_16g_ms")) + " / " + Table.num(row.getValue().get("open_map_64m_ms")) + " ms)"});
                }
            }
        }
        return lines;
    }

    /**
     * A snapshot of {@code size} bytes, zeros but for 64 KiB of random bytes at the start of every
     * GiB (and of the image), LZ4, default chunk size: written once into the work directory.
     */
    private Path sparse(long size) throws IOException {
        Path snap = work.resolve("open-scale-" + (size >> 20) + "m.snap");
        if (!Files.exists(snap)) {
            Path tmp = work.resolve(snap.getFileName() + ".tmp");
            try (InputStream in = new SparseImage(size)) {
                SnapshotWriter.builder().codec(Codec.LZ4).build().write(in, tmp, "open-scale " + (size >> 20) + " MiB");
            }
            Files.move(tmp, snap, StandardCopyOption.REPLACE_EXISTING);
        }
        return snap;
    }

    private Map<String, String> child(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin());
        cmd.addAll(JvmFlags.forThisRuntime());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if ((a.startsWith("-Djna.") || a.startsWith("-Djava.library.path") || a.startsWith("-Dsnapstore.native"))
                    && !cmd.contains(a)) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StartupChild.class.getName());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        wait(p, String.join(" ", args));
        String text = new String(out, StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IOException(args.get(0) + " child exited " + p.exitValue() + ": " + text);
        }
        Map<String, String> m = new LinkedHashMap<>();
        String last = text.substring(text.lastIndexOf('\n') + 1);
        for (String kv : last.split("\t")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        if (m.isEmpty()) {
            throw new IOException(args.get(0) + " child printed no result: " + text);
        }
        return m;
    }

    private static void wait(Process p, String what) throws IOException, InterruptedException {
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(what + ": no exit after 600 s");
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void warmPageCache(Path file) throws IOException {
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            while (in.read(buf) >= 0) {
                // read through: the snapshot is page-cached, as the goal states
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    /** Zeros, with 64 KiB of random bytes at the start of every GiB: cheap to generate at any size. */
    static final class SparseImage extends InputStream {
        private final long size;
        private long pos;

        SparseImage(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            long inGib = pos & ((1L << 30) - 1);
            int n;
            if (inGib < (64 << 10)) {
                n = (int) Math.min(len, Math.min((64 << 10) - inGib, size - pos));
                byte[] r = new byte[n];
                new SplittableRandom(pos).nextBytes(r);
                System.arraycopy(r, 0, b, off, n);
            } else {
                n = (int) Math.min(len, Math.min((1L << 30) - inGib, size - pos));
                Arrays.fill(b, off, off + n, (byte) 0);
            }
            pos += n;
            return n;
        }
    }
}
