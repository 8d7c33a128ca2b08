package dev.snapstore.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.snapstore.store.Mode;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.JvmFlags;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One run of the harness: prepares the input ({@link BenchInput}), probes the modes
 * ({@link ModeProbe}), runs one child JVM ({@link ChildMain}) per job and repeat, takes the median
 * of repeats, and writes the results ({@link ResultsFile}). Not thread-safe.
 */
final class BenchRun {
    /** One child JVM to run. */
    record Job(Scenario scenario, String system, String mode) {
        String label() {
            return scenario.cliName() + " " + system + " " + mode;
        }

        String fileStem() {
            return (scenario.cliName() + "-" + system + "-" + mode).replaceAll("[^A-Za-z0-9.-]", "_");
        }
    }

    private final BenchCommand o;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<Result> results = new ArrayList<>();
    private final Map<String, Object> machine = new LinkedHashMap<>();
    private final List<Map<String, Object>> unavailable = new ArrayList<>();
    private final List<Map<String, Object>> failures = new ArrayList<>();
    private BenchInput input;
    /** The budget scenario's snapshot ({@link BenchInput#budgetSnapshot}), once a budget job is planned. */
    private Path budgetSnap;
    private ModeProbe modes;

    BenchRun(BenchCommand options, PrintWriter out, PrintWriter err) {
        this.o = options;
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
        Map<String, Object> run = describeRun();
        machine.put("run", run);

        if (!o.quiet) {
            out.println("snapstore bench: preparing the input ...");
            out.flush();
        }
        input = BenchInput.prepare(o, work, this);
        machine.put("input", input.description);
        modes = ModeProbe.run(input.snap, o.threads);
        machine.put("snapstore_modes", modes.asMap());

        List<Job> jobs = jobs();
        for (Job j : jobs) {
            if (j.scenario() == Scenario.BUDGET && budgetSnap == null) {
                budgetSnap = input.budgetSnapshot(o, work);
            }
        }
        ProgressBar bar = null;
        if (!o.quiet && System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName("bench").setInitialMax(jobs.size())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
        try {
            Startup startup = new Startup(this, work, o.repeat);
            if (o.scenarios.contains(Scenario.COLD_START)) {
                startup.coldStart(input.snap);
            }
            if (o.scenarios.contains(Scenario.OPEN_SCALE)) {
                startup.openScale(o.modes, modes);
            }
            if (o.scenarios.contains(Scenario.REMOTE)) {
                remote(work);
            }
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

        String png = ResultsFile.write(outDir, machine, results, err);
        if (!o.quiet) {
            ResultsFile.print(out, results, unavailable, failures);
            out.println();
            out.println("wrote " + outDir.resolve("results.json") + ", " + outDir.resolve("results.svg")
                    + (png != null ? ", " + outDir.resolve(png) : ""));
        }
        return failures.isEmpty() ? ExitCode.OK : ExitCode.CORRUPT;
    }

    /** The remote scenario in the first lazy mode asked for and available (SHMEM first: it needs no hugepages). */
    private void remote(Path work) throws IOException, InterruptedException {
        Mode lazy = null;
        for (Mode m : new Mode[] {Mode.SHMEM, Mode.ANONYMOUS, Mode.HUGETLB}) {
            if (lazy == null && o.modes.contains(m) && modes.available(m)) {
                lazy = m;
            }
        }
        if (lazy == null) {
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("system", "snapstore");
            u.put("scenario", Scenario.REMOTE.cliName());
            u.put("reason", "no lazy mode asked for (--modes) is available here");
            unavailable.add(u);
            return;
        }
        try {
            new Remote(this, work, o.repeat, o.remoteLatencyMs, o.threads).measure(input.snap, input.raw, lazy, input.remote);
        } catch (IOException | RuntimeException e) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("scenario", Scenario.REMOTE.cliName());
            f.put("system", "snapstore");
            f.put("mode", lazy.name().toLowerCase(Locale.ROOT));
            f.put("error", String.valueOf(e));
            failures.add(f);
            err.println("snapstore bench: remote: " + e);
        }
    }

    private Map<String, Object> describeRun() {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("started", Instant.now().toString());
        run.put("threads", o.threads);
        run.put("repeat", o.repeat);
        run.put("statistic", o.repeat > 1 ? "median of " + o.repeat + " runs, each in a fresh JVM" : "one run per measurement");
        run.put("scenarios", o.scenarios.stream().map(Scenario::cliName).toList());
        run.put("prefetch", o.prefetch.name().toLowerCase(Locale.ROOT) + " (snapstore jobs without a variant; "
                + "+profile replays the working set recorded by an untimed pass of the same plan)");
        run.put("safepoint_probe", !o.noProbe ? "a thread requests a global safepoint (thread dump) every 5 ms and "
                + "allocates 256 KiB, in every measured JVM" : "off");
        run.put("touch", (o.touch.equals("all") ? "every 8-byte word of each touched page read; timed: " : "")
                + "one 8-byte read per 4 KiB page (plus a write in jmh-fork); fault_p* = first touches of "
                + "pages timed from Java, one page in " + Toucher.SAMPLE + " (hash-chosen); fault4k_* = warm faults on "
                + "pages /proc/self/pagemap reports absent; engine_fault_* = the engine's own service time "
                + "(power-of-two buckets, upper bounds)");
        run.put("snapstore_access", "regions are read-only (MAP_SHARED: one copy, no copy-on-write reservation) in the "
                + "scenarios that only read, writable (copy-on-write) in jmh-fork");
        run.put("memory", "the measuring JVM's own memory, as snapstore restore reports it (MemoryUsage): rss_bytes = "
                + "VmRSS (counts a page mapped twice twice, and no hugetlb pages); pss_bytes counts it once; hugetlb_bytes "
                + "= HugetlbPages (once per mapping); hugetlb_once_bytes = hugetlb pages counted once; memory_bytes = "
                + "pss_bytes + hugetlb_once_bytes");
        return run;
    }

    List<Job> jobs() {
        List<Job> jobs = new ArrayList<>();
        for (Mode m : o.modes) {
            if (!modes.available(m)) {
                Map<String, Object> u = new LinkedHashMap<>();
                u.put("system", "snapstore");
                u.put("mode", m.name().toLowerCase(Locale.ROOT));
                u.put("reason", modes.reason(m));
                unavailable.add(u);
            }
        }
        for (Scenario sc : o.scenarios) {
            if (sc == Scenario.BUDGET) {
                budgetJobs(jobs);
                continue;
            }
            if (!sc.touches()) {
                continue; // cold-start, open-scale: measured by Startup, before the jobs
            }
            for (Mode m : o.modes) {
                if (!modes.available(m)) {
                    continue;
                }
                String name = m.name().toLowerCase(Locale.ROOT);
                jobs.add(new Job(sc, "snapstore", name));
                if (!o.noLoad && m.isLazy() && (sc == Scenario.MODEL_WEIGHTS || sc == Scenario.FULL_SCAN)) {
                    jobs.add(new Job(sc, "snapstore", name + "+load"));
                }
                if (!o.noLoad && m.isLazy() && sc == Scenario.FULL_SCAN) {
                    jobs.add(new Job(sc, "snapstore", name + "+loadall")); // one load() of the whole region
                }
                if (m == Mode.SHMEM && sc == Scenario.FULL_SCAN) {
                    // Issue 10's resolver scaling: the warm pass of +loadall is a page-cached restore
                    // bound by decompression (judged on a zstd run), with one and with two resolvers.
                    jobs.add(new Job(sc, "snapstore", name + "+loadall" + Subject.RESOLVERS + "1"));
                    jobs.add(new Job(sc, "snapstore", name + "+loadall" + Subject.RESOLVERS + "2"));
                }
                if (m.isLazy() && (sc == Scenario.MODEL_WEIGHTS || sc == Scenario.RANDOM_CHUNKS)) {
                    jobs.add(new Job(sc, "snapstore", name + "+profile")); // the working set, recorded then replayed
                }
            }
            jobs.add(new Job(sc, "eager", input.codecLabel));
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
                jobs.add(new Job(sc, "codec-raw", input.codecLabel));
                jobs.add(new Job(sc, "memcpy", "copy"));
            }
            if (sc == Scenario.FULL_SCAN) {
                jobs.add(new Job(sc, "cat", "disk")); // cat SNAP > /dev/null, cold: the disk's limit
            }
        }
        return jobs;
    }

    /**
     * The budget scenario's systems: snapstore with the budget in each read-only lazy mode that can
     * map the file shared (HUGETLB, SHMEM), mmap of the raw file, both in a memory cgroup of the
     * budget; snapstore without a budget (the ceiling, no cgroup); and a fully resident SHMEM region
     * with access sampling on and off, and without a budget (what sampling and the budget cost).
     */
    private void budgetJobs(List<Job> jobs) {
        String lazy = null;
        for (Mode m : new Mode[] {Mode.HUGETLB, Mode.SHMEM}) {
            if (o.modes.contains(m) && modes.available(m)) {
                jobs.add(new Job(Scenario.BUDGET, "snapstore", m.name().toLowerCase(Locale.ROOT)));
                lazy = lazy == null || m == Mode.SHMEM ? m.name().toLowerCase(Locale.ROOT) : lazy;
            }
        }
        jobs.add(new Job(Scenario.BUDGET, "mmap", "read-only"));
        if (lazy != null) {
            jobs.add(new Job(Scenario.BUDGET, "snapstore-unbounded", lazy));
        }
        if (modes.available(Mode.SHMEM)) {
            jobs.add(new Job(Scenario.BUDGET, "snapstore-resident", "sampling"));
            jobs.add(new Job(Scenario.BUDGET, "snapstore-resident", "no-sampling"));
            jobs.add(new Job(Scenario.BUDGET, "snapstore-resident", "no-budget"));
        }
    }

    /** The budget scenario's budget: --memory-budget, else a quarter of the image. */
    long budget() {
        return o.memoryBudget != null ? o.memoryBudget : Math.max(4L << 20, ((Number) input.description.get("logical_bytes")).longValue() / 4);
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
        cmd.addAll(List.of(
                "--scenario", job.scenario().cliName(), "--system", job.system(), "--mode", job.mode(),
                "--snap", (job.scenario() == Scenario.BUDGET ? budgetSnap : input.snap).toString(), "--raw", input.raw.toString(), "--threads", String.valueOf(o.threads),
                "--seed", String.valueOf(o.seed), "--probe", String.valueOf(!o.noProbe), "--touch", o.touch,
                "--prefetch", o.prefetch.name().toLowerCase(Locale.ROOT),
                "--result", resultFile.toString()));
        MemoryCgroup cgroup = null;
        if (job.scenario() == Scenario.BUDGET) {
            cmd.addAll(List.of("--budget", String.valueOf(budget()), "--duration-ms",
                    String.valueOf(o.budgetSeconds * 1000L), "--sampling", String.valueOf(!job.mode().equals("no-sampling"))));
            if (job.system().equals("snapstore") || job.system().equals("mmap")) {
                try {
                    cgroup = MemoryCgroup.create("snapstore-bench-" + ProcessHandle.current().pid() + "-" + stem,
                            budget() + ((long) BenchCommand.BUDGET_HEADROOM_MIB << 20));
                } catch (IOException e) {
                    if (round == 0) {
                        Map<String, Object> u = new LinkedHashMap<>();
                        u.put("system", job.system());
                        u.put("mode", job.mode());
                        u.put("scenario", job.scenario().cliName());
                        u.put("reason", "skipped: it must run in a memory cgroup and none could be made (" + e.getMessage() + ")");
                        unavailable.add(u);
                    }
                    return false;
                }
                cmd.addAll(List.of("--cgroup", cgroup.dir().toString()));
            }
        }
        Process p;
        boolean done;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(stdio.toFile()).start();
            done = p.waitFor(o.timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            if (cgroup != null) {
                cgroup.close();
            }
        }
        if (!done) {
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

    /** The measuring JVM: this JVM's java, the project's flags ({@link JvmFlags}), and this classpath. */
    private static List<String> childJvm() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Xss1m");
        cmd.add("-Dchronicle.disk.monitor.disable=true");
        cmd.add("-Djava.awt.headless=true");
        cmd.addAll(JvmFlags.forThisRuntime());
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

    void add(String scenario, String system, String mode, String state, String metric, double value, String unit) {
        results.add(new Result(scenario, system, mode, state, metric, value, unit));
    }
}
