package dev.snapstore.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * {@code snapstore bench}: the side-by-side comparison harness.
 *
 * <pre>
 * snapstore bench [--scenario NAME|all] [--size SIZE] [--input FILE] [--out DIR]
 *                 [--codec lz4|zstd|none] [--level N] [--chunk-size SIZE] [--threads N]
 *                 [--modes hugetlb,shmem,anonymous,eager] [--no-load] [--no-probe]
 *                 [--touch page|all] [--repeat N] [--seed N] [--timeout SECONDS] [--quiet]
 * </pre>
 *
 * <p>On one input (a synthetic safetensors model by default, or the user's file, raw or a
 * snapshot) it measures snapstore in every mode available here, cold and warm, against the eager
 * baseline, plain mmap, Chronicle MappedBytes, and the two ceilings (codec-raw, memcpy). Each
 * measurement runs in a JVM of its own ({@link ChildMain}) with a safepoint log. It prints a
 * table, and writes {@code DIR/results.json}, {@code DIR/results.svg} and {@code DIR/results.png}.
 *
 * <p>Not thread-safe; {@link #run} may be called again after it returns.
 */
public final class BenchCommand {
    /** Default synthetic image size: {@code --scenario all} takes about 3 minutes on 2 cores. */
    public static final String DEFAULT_SIZE = "1g";

    /** JVM flags a child needs (Chronicle on JDK 17+); the same list as the root pom's snapstore.jvm.flags. */
    static final List<String> JVM_FLAGS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED");

    private static final String USAGE = String.join("\n",
            "usage: snapstore bench [--scenario NAME|all] [--size SIZE] [--input FILE] [--out DIR]",
            "                       [--codec lz4|zstd|none] [--level N] [--chunk-size SIZE] [--threads N]",
            "                       [--modes hugetlb,shmem,anonymous,eager] [--no-load] [--no-probe]",
            "                       [--touch page|all] [--repeat N] [--seed N] [--timeout SECONDS] [--quiet]",
            "",
            "  --scenario   model-weights | service-state | random-chunks | jmh-fork | full-scan | all (default all)",
            "  --size       synthetic image size, e.g. 256m, 4g (default " + DEFAULT_SIZE + "); ignored with --input",
            "  --input      a raw file (safetensors or anything) or a .snap snapshot, instead of the synthetic model",
            "  --out        output directory (default bench-out): results.json, results.svg, results.png, logs/, work/",
            "  --codec      codec of the snapshot built from the input (default lz4)",
            "  --threads    resolver / decompression threads for every system (default: cores)",
            "  --modes      snapstore modes to try (default hugetlb,shmem,anonymous,eager; unavailable ones are reported)",
            "  --touch      page: read one 8-byte word per 4 KiB page (default: measures the restore); all: read every word",
            "  --repeat     run every measurement N times in fresh JVMs and report the median (default 1)",
            "  --no-load    skip the variants that call region.load() before touching",
            "  --no-probe   no safepoint prober thread in the measured JVMs",
            "  --quiet      no progress bar and no table (results files only)",
            "  --render DIR print the table of DIR/results.json again and redraw its charts (measures nothing)");

    private BenchCommand() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.exit(code);
    }

    /** Runs the harness; returns the process exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("snapstore bench: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o.help) {
            out.println(USAGE);
            return 0;
        }
        if (o.render != null) {
            try {
                return render(o.render, out);
            } catch (IOException | RuntimeException e) {
                err.println("snapstore bench: cannot render " + o.render + ": " + e);
                return 1;
            }
        }
        try {
            return new Runner(o, out, err).run();
        } catch (IOException | RuntimeException e) {
            err.println("snapstore bench: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("snapstore bench: interrupted");
            return 1;
        }
    }

    /** Re-reads DIR/results.json, prints its table and goals, and redraws DIR/results.svg and .png. */
    @SuppressWarnings("unchecked")
    static int render(Path dir, PrintStream out) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("results.json")));
        Map<String, Object> machine = (Map<String, Object>) doc.get("machine");
        List<Result> results = new ArrayList<>();
        for (Object o : (List<Object>) doc.get("results")) {
            Map<String, Object> r = (Map<String, Object>) o;
            Object v = r.get("value");
            results.add(new Result((String) r.get("scenario"), (String) r.get("system"), (String) r.get("mode"),
                    (String) r.get("state"), (String) r.get("metric"), v == null ? Double.NaN : ((Number) v).doubleValue(),
                    (String) r.get("unit")));
        }
        List<Map<String, Object>> unavailable = (List<Map<String, Object>>) machine.getOrDefault("unavailable", List.of());
        List<Map<String, Object>> failures = (List<Map<String, Object>>) machine.getOrDefault("failures", List.of());
        out.print(Table.render(results, unavailable, failures));
        out.println();
        out.print(Goals.render(results));
        Chart chart = new Chart(results, machine);
        Files.writeString(dir.resolve("results.svg"), chart.svg(), StandardCharsets.UTF_8);
        chart.png(dir.resolve("results.png"));
        return 0;
    }

    /** Parsed command line. */
    static final class Options {
        Set<Scenario> scenarios = EnumSet.allOf(Scenario.class);
        long size = Sizes.parse(DEFAULT_SIZE);
        Path input;
        Path out = Path.of("bench-out");
        Codec codec = Codec.LZ4;
        Integer level;
        Integer chunkSize;
        int threads = Runtime.getRuntime().availableProcessors();
        List<Mode> modes = List.of(Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS, Mode.EAGER);
        boolean load = true;
        boolean probe = true;
        long seed = 42;
        long timeoutSeconds = 900;
        boolean quiet;
        boolean help;
        String touch = "page";
        int repeat = 1;
        Path render;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    v = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "-h": case "--help": o.help = true; break;
                    case "--no-load": o.load = false; break;
                    case "--no-probe": o.probe = false; break;
                    case "-q": case "--quiet": o.quiet = true; break;
                    default: {
                        if (v == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException(a + " needs a value");
                            }
                            v = args[++i];
                        }
                        o.set(a, v);
                    }
                }
            }
            return o;
        }

        private void set(String name, String v) {
            switch (name) {
                case "--scenario":
                    if (v.equalsIgnoreCase("all")) {
                        scenarios = EnumSet.allOf(Scenario.class);
                    } else {
                        scenarios = EnumSet.noneOf(Scenario.class);
                        for (String s : v.split(",")) {
                            scenarios.add(Scenario.byName(s));
                        }
                    }
                    break;
                case "--size":
                    size = Sizes.parse(v);
                    if (size < (1 << 20)) {
                        throw new IllegalArgumentException("--size must be at least 1m: " + v);
                    }
                    break;
                case "--input": input = Path.of(v); break;
                case "--render": render = Path.of(v); break;
                case "--out": out = Path.of(v); break;
                case "--codec":
                    try {
                        codec = Codec.valueOf(v.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("unknown codec '" + v + "' (lz4, zstd, none)");
                    }
                    break;
                case "--level": level = Integer.parseInt(v); break;
                case "--chunk-size": chunkSize = (int) Sizes.parse(v); break;
                case "--threads":
                    threads = Integer.parseInt(v);
                    if (threads < 1 || threads > 256) {
                        throw new IllegalArgumentException("--threads must be 1..256");
                    }
                    break;
                case "--modes": {
                    List<Mode> m = new ArrayList<>();
                    for (String s : v.split(",")) {
                        Mode mode = Mode.valueOf(s.trim().toUpperCase(Locale.ROOT));
                        if (mode == Mode.AUTO) {
                            throw new IllegalArgumentException("--modes: AUTO is reported by what it picks; list concrete modes");
                        }
                        m.add(mode);
                    }
                    modes = m;
                    break;
                }
                case "--seed": seed = Long.parseLong(v); break;
                case "--repeat":
                    repeat = Integer.parseInt(v);
                    if (repeat < 1 || repeat > 50) {
                        throw new IllegalArgumentException("--repeat must be 1..50");
                    }
                    break;
                case "--touch":
                    if (!v.equals("page") && !v.equals("all")) {
                        throw new IllegalArgumentException("--touch must be page or all");
                    }
                    touch = v;
                    break;
                case "--timeout": timeoutSeconds = Long.parseLong(v); break;
                default: throw new IllegalArgumentException("unknown option " + name);
            }
        }
    }

    /** One child JVM to run. */
    record Job(Scenario scenario, String system, String mode) {
        String label() {
            return scenario.cliName() + " " + system + " " + mode;
        }

        String fileStem() {
            return (scenario.cliName() + "-" + system + "-" + mode).replaceAll("[^A-Za-z0-9.-]", "_");
        }
    }

    /** A run of the harness. */
    static final class Runner {
        private final Options o;
        private final PrintStream out;
        private final PrintStream err;
        private final List<Result> results = new ArrayList<>();
        private final Map<String, Object> machine = new LinkedHashMap<>();
        private final List<Map<String, Object>> unavailable = new ArrayList<>();
        private final List<Map<String, Object>> failures = new ArrayList<>();
        private Path raw;
        private Path snap;
        private String codecLabel;

        Runner(Options o, PrintStream out, PrintStream err) {
            this.o = o;
            this.out = out;
            this.err = err;
        }

        int run() throws IOException, InterruptedException {
            long started = System.nanoTime();
            Path outDir = o.out.toAbsolutePath();
            Path work = outDir.resolve("work");
            Path logs = outDir.resolve("logs");
            Files.createDirectories(work);
            Files.createDirectories(logs);
            machine.putAll(Machine.describe());
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("started", Instant.now().toString());
            run.put("threads", o.threads);
            run.put("repeat", o.repeat);
            run.put("statistic", o.repeat > 1 ? "median of " + o.repeat + " runs, each in a fresh JVM" : "one run per measurement");
            run.put("scenarios", o.scenarios.stream().map(Scenario::cliName).toList());
            run.put("safepoint_probe", o.probe ? "a thread requests a global safepoint (thread dump) every 5 ms and "
                    + "allocates 256 KiB, in every measured JVM" : "off");
            run.put("touch", (o.touch.equals("all") ? "every 8-byte word of each touched page read; timed: " : "")
                    + "one 8-byte read per 4 KiB page (plus a write in jmh-fork); fault_p* = first touches of "
                    + "pages timed from Java, one page in " + Toucher.SAMPLE + " (hash-chosen); fault4k_* = warm faults on "
                    + "pages /proc/self/pagemap reports absent; engine_fault_* = the engine's own service time "
                    + "(power-of-two buckets, upper bounds)");
            run.put("snapstore_access", "regions are read-only (MAP_SHARED: one copy, no copy-on-write reservation) in the "
                    + "scenarios that only read, writable (copy-on-write) in jmh-fork");
            run.put("memory", "rss_bytes = VmRSS (counts a page mapped twice twice, and no hugetlb pages); pss_bytes "
                    + "counts it once; hugetlb_bytes / hugetlb_reserved_bytes = machine-wide hugepages in use / reserved (HugePages_Total - Free, Rsvd) "
                    + "minus what was in use when the measuring JVM started: other processes allocating hugepages at the same time would show up here");
            machine.put("run", run);

            if (!o.quiet) {
                out.println("snapstore bench: preparing the input ...");
            }
            prepareInput(work);
            probeModes();

            List<Job> jobs = jobs();
            ProgressBar bar = null;
            if (!o.quiet && System.console() != null) {
                bar = new ProgressBarBuilder().setTaskName("bench").setInitialMax(jobs.size())
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err)).build();
            }
            try {
                for (Job job : jobs) {
                    if (bar != null) {
                        bar.setExtraMessage(job.label());
                    }
                    runChild(job, logs);
                    if (bar != null) {
                        bar.step();
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
            machine.put("unavailable", unavailable);
            machine.put("failures", failures);
            run.put("duration_s", (System.nanoTime() - started) / 1e9);
            run.put("loadavg_at_end", Os.firstLine("/proc/loadavg"));

            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("machine", machine);
            List<Object> rs = new ArrayList<>();
            for (Result r : results) {
                rs.add(r.toJson());
            }
            doc.put("results", rs);
            Files.writeString(outDir.resolve("results.json"), Json.pretty(doc), StandardCharsets.UTF_8);
            Chart chart = new Chart(results, machine);
            Files.writeString(outDir.resolve("results.svg"), chart.svg(), StandardCharsets.UTF_8);
            String png = "results.png";
            try {
                chart.png(outDir.resolve("results.png"));
            } catch (IOException | RuntimeException | Error e) {
                png = null;
                err.println("snapstore bench: no PNG (" + e + "); the SVG has the same chart");
            }
            if (!o.quiet) {
                out.print(Table.render(results, unavailable, failures));
                out.println();
                out.print(Goals.render(results));
                out.println();
                out.println("wrote " + outDir.resolve("results.json") + ", " + outDir.resolve("results.svg")
                        + (png != null ? ", " + outDir.resolve(png) : ""));
            }
            return failures.isEmpty() ? 0 : 1;
        }

        /** Builds (or reuses) the raw image and packs the snapshot measured by every job. */
        private void prepareInput(Path work) throws IOException {
            Map<String, Object> in = new LinkedHashMap<>();
            String level = o.level == null ? "default" : String.valueOf(o.level);
            codecLabel = o.codec.name().toLowerCase(Locale.ROOT);
            if (o.input == null) {
                raw = work.resolve("synthetic-" + o.size + "-" + o.seed + ".safetensors");
                if (!Files.exists(raw)) {
                    SyntheticModel.write(raw, o.size, o.seed);
                }
                in.put("kind", "synthetic");
                in.put("description", "safetensors model, " + SyntheticModel.LAYERS + " layers, BF16 N(0,0.02) weights, "
                        + "norms near 1.0, MLP down projections 50% block-pruned; seed " + o.seed);
                snap = work.resolve("synthetic-" + o.size + "-" + o.seed + "-" + codecLabel + "-" + level + ".snap");
                pack(raw, snap, in);
            } else if (isSnapshot(o.input)) {
                snap = o.input.toAbsolutePath();
                raw = work.resolve(o.input.getFileName() + ".raw");
                unpack(snap, raw);
                in.put("kind", "user snapshot");
                in.put("snapshot", snap.toString());
            } else {
                raw = o.input.toAbsolutePath();
                in.put("kind", "user file");
                snap = work.resolve(o.input.getFileName() + "-" + codecLabel + "-" + level + ".snap");
                pack(raw, snap, in);
            }
            try (Snapshot s = Snapshot.open(snap)) {
                in.put("raw_file", raw.toString());
                in.put("snapshot_file", snap.toString());
                in.put("logical_bytes", s.length());
                in.put("snapshot_bytes", s.fileSize());
                in.put("stored_bytes", s.storedBytes());
                in.put("ratio", s.storedBytes() == 0 ? 0 : s.length() / (double) s.storedBytes());
                in.put("chunk_size", s.chunkSize());
                in.put("chunks", s.chunkCount());
                int zero = 0;
                int[] byCodec = new int[4];
                for (int i = 0; i < s.chunkCount(); i++) {
                    if (s.index().isZero(i)) {
                        zero++;
                    } else {
                        byCodec[s.index().codec(i).id()]++;
                    }
                }
                in.put("zero_chunks", zero);
                Map<String, Object> codecs = new LinkedHashMap<>();
                for (Codec c : Codec.values()) {
                    codecs.put(c.name().toLowerCase(Locale.ROOT), byCodec[c.id()]);
                }
                in.put("chunks_by_codec", codecs);
                in.put("digest", s.digest());
            }
            List<Safetensors.Tensor> tensors = Safetensors.read(raw);
            in.put("layout", tensors == null ? "not safetensors" : "safetensors, " + tensors.size() + " tensors");
            machine.put("input", in);
        }

        private static boolean isSnapshot(Path p) throws IOException {
            try (InputStream in = Files.newInputStream(p)) {
                byte[] magic = in.readNBytes(8);
                return new String(magic, StandardCharsets.US_ASCII).equals("SNAPSTOR");
            }
        }

        private void pack(Path from, Path to, Map<String, Object> in) throws IOException {
            SnapshotWriter.Builder b = SnapshotWriter.builder().codec(o.codec).threads(o.threads)
                    .metadata("source", from.getFileName().toString());
            if (o.level != null) {
                b.level(o.level);
            }
            if (o.chunkSize != null) {
                b.chunkSize(o.chunkSize);
            }
            Os.dropFromPageCache(from);
            SnapshotWriter.WriteResult w = b.build().write(from, to);
            double seconds = w.nanos() / 1e9;
            in.put("codec", codecLabel);
            in.put("level", o.level == null ? "default" : o.level);
            String mode = codecLabel + (o.level == null ? "" : "-" + o.level);
            add("pack", "snapstore", mode, "cold", "pack_ms", w.nanos() / 1e6, "ms");
            add("pack", "snapstore", mode, "cold", "pack_gbps", w.logicalBytes() / (double) w.nanos(), "GB/s");
            add("pack", "snapstore", mode, "cold", "ratio",
                    w.storedBytes() == 0 ? 0 : w.logicalBytes() / (double) w.storedBytes(), "ratio");
            if (seconds <= 0) {
                throw new IOException("writer reported no time");
            }
        }

        private static void unpack(Path snapshot, Path to) throws IOException {
            if (Files.exists(to) && Files.getLastModifiedTime(to).compareTo(Files.getLastModifiedTime(snapshot)) > 0) {
                return;
            }
            try (Snapshot s = Snapshot.open(snapshot);
                 FileChannel ch = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(s.chunkSize());
                for (int i = 0; i < s.chunkCount(); i++) {
                    buf.clear().limit(s.index().rawLength(i));
                    s.decompressChunk(i, buf);
                    buf.flip();
                    SyntheticModel.writeFully(ch, buf, (long) i * s.chunkSize());
                }
            }
        }

        /** Tries every snapstore mode on this machine; the unavailable ones are reported with the reason. */
        private void probeModes() throws IOException {
            Map<String, Object> modes = new LinkedHashMap<>();
            try (Snapshot s = Snapshot.open(snap)) {
                for (Mode m : Mode.values()) {
                    Map<String, Object> st = new LinkedHashMap<>();
                    if (m == Mode.EAGER) {
                        st.put("available", true);
                        st.put("reason", "portable: always available");
                        modes.put("eager", st);
                        continue;
                    }
                    // read-only decides whether the mode is measured (the scenarios that only read map it
                    // so); writable (jmh-fork) is reported separately: it needs more (HUGETLB: 2x pages)
                    for (boolean writable : new boolean[] {false, true}) {
                        MapOptions opts = MapOptions.builder().resolverThreads(o.threads).writable(writable).build();
                        String prefix = writable ? "writable_" : "";
                        try (Region r = s.map(m, opts)) {
                            st.put(prefix + "available", true);
                            st.put(prefix + "reason", r.modeReason());
                            if (m == Mode.AUTO) {
                                st.put(prefix + "picks", r.mode().name().toLowerCase(Locale.ROOT));
                            }
                        } catch (ModeUnavailableException e) {
                            st.put(prefix + "available", false);
                            st.put(prefix + "reason", e.getMessage());
                        } catch (IOException | RuntimeException | LinkageError e) {
                            st.put(prefix + "available", false);
                            st.put(prefix + "reason", "map failed: " + e);
                        }
                    }
                    modes.put(m.name().toLowerCase(Locale.ROOT), st);
                }
            }
            machine.put("snapstore_modes", modes);
        }

        private boolean available(Mode m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> modes = (Map<String, Object>) machine.get("snapstore_modes");
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) modes.get(m.name().toLowerCase(Locale.ROOT));
            return st != null && Boolean.TRUE.equals(st.get("available"));
        }

        private String reason(Mode m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> modes = (Map<String, Object>) machine.get("snapstore_modes");
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) modes.get(m.name().toLowerCase(Locale.ROOT));
            return st == null ? "not probed" : String.valueOf(st.get("reason"));
        }

        List<Job> jobs() {
            List<Job> jobs = new ArrayList<>();
            for (Mode m : o.modes) {
                if (!available(m)) {
                    Map<String, Object> u = new LinkedHashMap<>();
                    u.put("system", "snapstore");
                    u.put("mode", m.name().toLowerCase(Locale.ROOT));
                    u.put("reason", reason(m));
                    unavailable.add(u);
                }
            }
            for (Scenario sc : o.scenarios) {
                for (Mode m : o.modes) {
                    if (!available(m)) {
                        continue;
                    }
                    String name = m.name().toLowerCase(Locale.ROOT);
                    jobs.add(new Job(sc, "snapstore", name));
                    if (o.load && m.isLazy() && (sc == Scenario.MODEL_WEIGHTS || sc == Scenario.FULL_SCAN)) {
                        jobs.add(new Job(sc, "snapstore", name + "+load"));
                    }
                }
                jobs.add(new Job(sc, "eager", codecLabel));
                jobs.add(new Job(sc, "mmap", sc == Scenario.JMH_FORK ? "private" : "read-only"));
                if (sc != Scenario.JMH_FORK) {
                    jobs.add(new Job(sc, "chronicle-mapped", "read-only"));
                } else {
                    Map<String, Object> u = new LinkedHashMap<>();
                    u.put("system", "chronicle-mapped");
                    u.put("scenario", sc.cliName());
                    u.put("reason", "MappedBytes writes go through to the file; it has no copy-on-write mapping to reset");
                    unavailable.add(u);
                }
                if (sc == Scenario.FULL_SCAN || sc == Scenario.MODEL_WEIGHTS) {
                    jobs.add(new Job(sc, "codec-raw", codecLabel));
                    jobs.add(new Job(sc, "memcpy", "copy"));
                }
            }
            return jobs;
        }

        /**
         * Runs the job's JVM {@code --repeat} times and records, per state and metric, the median
         * of the runs (with {@code repeats} recording how many runs it came from).
         */
        private void runChild(Job job, Path logs) throws IOException, InterruptedException {
            Map<String, List<Double>> values = new LinkedHashMap<>();
            Map<String, String> units = new LinkedHashMap<>();
            int ok = 0;
            for (int r = 0; r < o.repeat; r++) {
                if (runOnce(job, logs, r, values, units)) {
                    ok++;
                }
            }
            for (Map.Entry<String, List<Double>> e : values.entrySet()) {
                String[] k = e.getKey().split("\t");
                add(job.scenario().cliName(), job.system(), job.mode(), k[0], k[1], median(e.getValue()), units.get(e.getKey()));
            }
            if (o.repeat > 1 && ok > 0) {
                for (String state : new String[] {"cold", "warm"}) {
                    if (values.containsKey(state + "\ttouch_all_ms")) {
                        add(job.scenario().cliName(), job.system(), job.mode(), state, "repeats", ok, "count");
                    }
                }
            }
        }

        static double median(List<Double> v) {
            List<Double> s = new ArrayList<>(v);
            s.sort(null);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }

        private boolean runOnce(Job job, Path logs, int round, Map<String, List<Double>> values, Map<String, String> units)
                throws IOException, InterruptedException {
            String stem = job.fileStem() + (o.repeat > 1 ? "-" + round : "");
            Path resultFile = logs.resolve(stem + ".tsv");
            Path spLog = logs.resolve(stem + ".safepoint.log");
            Path stdio = logs.resolve(stem + ".out");
            Files.deleteIfExists(resultFile);
            Files.deleteIfExists(spLog);
            List<String> cmd = new ArrayList<>(childJvm());
            cmd.add("-Xlog:safepoint=info,gc=info:file=" + spLog + ":timemillis,tags");
            cmd.add(ChildMain.class.getName());
            String[] kv = {
                "--scenario", job.scenario().cliName(), "--system", job.system(), "--mode", job.mode(),
                "--snap", snap.toString(), "--raw", raw.toString(), "--threads", String.valueOf(o.threads),
                "--seed", String.valueOf(o.seed), "--probe", String.valueOf(o.probe), "--touch", o.touch,
                "--result", resultFile.toString()};
            cmd.addAll(List.of(kv));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(stdio.toFile()).start();
            boolean done = p.waitFor(o.timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                fail(job, "timed out after " + o.timeoutSeconds + " s (killed); see " + stdio);
                return false;
            }
            if (p.exitValue() != 0 || !Files.exists(resultFile)) {
                fail(job, "exit " + p.exitValue() + ": " + tail(stdio));
                return false;
            }
            SafepointLog sp = SafepointLog.parse(spLog);
            for (String line : Files.readAllLines(resultFile)) {
                String[] f = line.split("\t");
                if (f.length == 2 && f[0].equals("unavailable")) {
                    if (round == 0) {
                        Map<String, Object> u = new LinkedHashMap<>();
                        u.put("system", job.system());
                        u.put("mode", job.mode());
                        u.put("scenario", job.scenario().cliName());
                        u.put("reason", f[1]);
                        unavailable.add(u);
                    }
                    return false;
                }
                if (f.length == 4 && f[0].equals("window")) {
                    for (Map.Entry<String, Object[]> e : sp.window(Long.parseLong(f[2]), Long.parseLong(f[3])).entrySet()) {
                        String key = f[1] + "\t" + e.getKey();
                        values.computeIfAbsent(key, x -> new ArrayList<>()).add(((Number) e.getValue()[0]).doubleValue());
                        units.put(key, (String) e.getValue()[1]);
                    }
                } else if (f.length == 4) {
                    String key = f[0] + "\t" + f[1];
                    values.computeIfAbsent(key, x -> new ArrayList<>()).add(Double.parseDouble(f[2]));
                    units.put(key, f[3]);
                }
            }
            return true;
        }

        private List<String> childJvm() {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx1g");
            cmd.add("-Xss1m");
            cmd.add("-Dchronicle.analytics.disable=true");
            cmd.add("-Dchronicle.disk.monitor.disable=true");
            cmd.add("-Djava.awt.headless=true");
            cmd.addAll(JVM_FLAGS);
            if (Runtime.version().feature() >= 23) {
                cmd.add("--sun-misc-unsafe-memory-access=allow");
            }
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if ((a.startsWith("--add-") || a.startsWith("-Djna.") || a.startsWith("-Djava.library.path"))
                        && !cmd.contains(a)) {
                    cmd.add(a);
                }
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            return cmd;
        }

        private void fail(Job job, String why) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("scenario", job.scenario().cliName());
            f.put("system", job.system());
            f.put("mode", job.mode());
            f.put("error", why);
            failures.add(f);
            if (!o.quiet && System.console() == null) {
                err.println("snapstore bench: " + job.label() + ": " + why);
            }
        }

        private static String tail(Path file) {
            try {
                List<String> lines = Files.readAllLines(file);
                return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
            } catch (IOException e) {
                return "(no output)";
            }
        }

        private void add(String scenario, String system, String mode, String state, String metric, double value, String unit) {
            results.add(new Result(scenario, system, mode, state, metric, value, unit));
        }
    }
}
