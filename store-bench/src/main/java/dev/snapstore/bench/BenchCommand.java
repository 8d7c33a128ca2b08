package dev.snapstore.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.snapstore.store.Mode;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.cli.Converters;
import dev.snapstore.tools.cli.PackOptions;
import dev.snapstore.tools.cli.ThreadsOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code snapstore bench}: the side-by-side comparison harness, a picocli command the CLI mounts
 * as a subcommand (and {@link #main} runs alone).
 *
 * <p>On one input (a synthetic safetensors model by default, or the user's file, raw or a
 * snapshot) it measures snapstore in every mode available here, cold and warm, against the eager
 * baseline, plain mmap, Chronicle MappedBytes, and the two ceilings (codec-raw, memcpy). Each
 * measurement runs in a JVM of its own ({@link ChildMain}) with a safepoint log. It prints a
 * table, and writes {@code DIR/results.json}, {@code DIR/results.svg} and {@code DIR/results.png}
 * ({@link BenchRun}, {@link ResultsFile}).
 *
 * <p>Exit status: 0 done, 1 a measurement failed, 2 bad options ({@link ExitCode}). Not
 * thread-safe; picocli fills one instance per run.
 */
@Command(name = "bench", sortOptions = false, mixinStandardHelpOptions = true, synopsisHeading = "usage: ",
        description = {
                "Compare snapstore's modes with eager decompression, mmap and Chronicle on one input.",
                "Measures snapstore in every mode available here, cold and warm, against an eager baseline, plain "
                        + "mmap, Chronicle MappedBytes, and the ceilings (codec-raw, memcpy), each measurement in a "
                        + "JVM of its own. Prints a table and writes results.json, results.svg and results.png."})
public final class BenchCommand implements Callable<Integer> {
    /**
     * Default synthetic image size: {@code --scenario all} takes about 3 minutes on 2 cores, plus
     * about 90 s for the budget scenario (six systems, 10 s each).
     */
    public static final String DEFAULT_SIZE = "1g";

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", defaultValue = "all", paramLabel = "NAME,...|all", converter = ScenarioList.class,
            description = "model-weights, service-state, random-chunks, jmh-fork, full-scan, budget, cold-start, open-scale, "
                    + "remote (the snapshot over HTTP from a local server adding --remote-latency to each request, "
                    + "against a parallel ranged download of the raw image) or all (default: all).")
    Set<Scenario> scenarios;

    @Option(names = "--size", defaultValue = DEFAULT_SIZE, paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Synthetic image size, e.g. 256m, 4g (default: ${DEFAULT-VALUE}); ignored with --input.")
    long size;

    @Option(names = "--input", paramLabel = "FILE|URI",
            description = "A raw file (safetensors or anything) or a .snap snapshot, instead of the synthetic model; "
                    + "or a snapshot's http(s):// or s3:// URI (the remote scenario then restores from it, and the "
                    + "baseline downloads that object; the other scenarios use a local copy).")
    String input;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "S3 endpoint for an s3:// --input (an S3-compatible store; path-style addressing); "
                    + "default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.")
    String endpoint;

    @Option(names = "--out", defaultValue = "bench-out", paramLabel = "DIR",
            description = "Output directory (default: ${DEFAULT-VALUE}): results.json, results.svg, results.png, logs/, work/.")
    Path out;

    /** How the snapshot built from the input is packed. */
    @Mixin
    PackOptions packing;

    /** Resolver / decompression threads of every system. */
    @Mixin
    ThreadsOption threadsOption;

    /** {@link #threadsOption}'s count, once {@link #call} checked it. */
    int threads;

    @Option(names = "--modes", defaultValue = "hugetlb,shmem,anonymous,eager", split = ",", paramLabel = "MODE",
            converter = ConcreteMode.class,
            description = "snapstore modes to try (default: ${DEFAULT-VALUE}; unavailable ones are reported).")
    List<Mode> modes;

    @Option(names = "--touch", defaultValue = "page", paramLabel = "page|all",
            description = "page: read one 8-byte word per 4 KiB page (measures the restore); all: read every word "
                    + "(default: ${DEFAULT-VALUE}).")
    String touch;

    @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
            description = "Run every measurement N times in fresh JVMs and report the median (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed of the synthetic model and the scenarios.")
    long seed;

    @Option(names = "--timeout", defaultValue = "900", paramLabel = "SECONDS",
            description = "Kill a measuring JVM after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "budget scenario: the memory snapstore may keep resident, and the memory cgroup limit of "
                    + "mmap and of the budgeted snapstore (plus " + BUDGET_HEADROOM_MIB + " MiB for the JVM); "
                    + "default: a quarter of the image.")
    Long memoryBudget;

    @Option(names = "--budget-seconds", defaultValue = "10", paramLabel = "SECONDS",
            description = "budget scenario: how long each system runs (default: ${DEFAULT-VALUE}; the first 20%% "
                    + "warms the cache and is not counted).")
    int budgetSeconds;

    @Option(names = "--budget-chunk-size", defaultValue = "64K", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "budget scenario: the chunk size of its own snapshot of the same image (default: ${DEFAULT-VALUE}). "
                    + "A budget keeps or evicts whole chunks, so scattered 4 KiB lookups want small ones; the other "
                    + "scenarios use --chunk-size.")
    long budgetChunkSize;

    /** What the budget scenario's cgroups allow above the budget: the JVM's own growth and the engine's slack. */
    static final int BUDGET_HEADROOM_MIB = 64;

    @Option(names = "--remote-latency", defaultValue = "20", paramLabel = "MS",
            description = "remote scenario: the latency the local range server adds to each request (default: ${DEFAULT-VALUE} ms).")
    int remoteLatencyMs;

    @Option(names = "--prefetch", defaultValue = "sequential", paramLabel = "none|sequential|profile",
            converter = Converters.PrefetchPolicy.class,
            description = "Prefetch policy of the snapstore jobs (default: ${DEFAULT-VALUE}); the +profile jobs always "
                    + "replay a profile recorded just before them.")
    dev.snapstore.store.Prefetch prefetch;

    @Option(names = "--no-load", negatable = false, description = "Skip the variants that call region.load() before touching.")
    boolean noLoad;

    @Option(names = "--no-probe", negatable = false, description = "No safepoint prober thread in the measured JVMs.")
    boolean noProbe;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no table (results files only).")
    boolean quiet;

    @Option(names = "--render", paramLabel = "DIR",
            description = "Print the table of DIR/results.json again and redraw its charts (measures nothing).")
    Path render;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the harness alone (not under the CLI); returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new BenchCommand()).setOut(o).setErr(e)
                .setParameterExceptionHandler((ex, a) -> usageError(ex));
        int status = cl.execute(args);
        o.flush();
        e.flush();
        return status;
    }

    /**
     * The harness's answer to a bad option: {@code snapstore bench: <what>} and the synopsis on
     * stderr, exit status 2. The CLI's handler calls it for this command.
     */
    public static int usageError(ParameterException ex) {
        PrintWriter err = ex.getCommandLine().getErr();
        err.println("snapstore bench: " + ex.getMessage());
        err.print("usage: " + ex.getCommandLine().getHelp().synopsis(0));
        err.println("Try 'snapstore bench --help' for every option.");
        err.flush();
        return ExitCode.USAGE;
    }

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        check(size >= (1 << 20), "--size must be at least 1m: " + size);
        threads = threadsOption.count(256);
        check(repeat >= 1 && repeat <= 50, "--repeat must be 1..50");
        check(touch.equals("page") || touch.equals("all"), "--touch must be page or all");
        check(budgetSeconds >= 2 && budgetSeconds <= 3600, "--budget-seconds must be 2..3600");
        check(memoryBudget == null || memoryBudget >= (4 << 20), "--memory-budget must be at least 4m");
        packing.chunkSize();
        check(budgetChunkSize >= (1L << FormatV1.MIN_CHUNK_SHIFT) && budgetChunkSize <= (1L << FormatV1.MAX_CHUNK_SHIFT)
                && Long.bitCount(budgetChunkSize) == 1, "--budget-chunk-size must be a power of two from 64K to 64M");
        check(endpoint == null || input != null && input.toLowerCase(java.util.Locale.ROOT).startsWith("s3://"),
                "--endpoint goes with an s3:// --input");
        if (endpoint != null) {
            System.setProperty(dev.snapstore.store.remote.RemoteOptions.ENDPOINT_PROPERTY, endpoint.trim());
        }
        try {
            if (render != null) {
                try {
                    return ResultsFile.render(render, o);
                } catch (IOException | RuntimeException x) {
                    e.println("snapstore bench: cannot render " + render + ": " + x);
                    return ExitCode.CORRUPT;
                }
            }
            return new BenchRun(this, o, e).run();
        } catch (IOException | RuntimeException x) {
            e.println("snapstore bench: " + x);
            return ExitCode.CORRUPT;
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            e.println("snapstore bench: interrupted");
            return ExitCode.CORRUPT;
        } finally {
            o.flush();
            e.flush();
        }
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /** Comma-separated scenario names, or all. */
    static final class ScenarioList implements ITypeConverter<Set<Scenario>> {
        @Override
        public Set<Scenario> convert(String v) {
            if (v.equalsIgnoreCase("all")) {
                return EnumSet.allOf(Scenario.class);
            }
            Set<Scenario> s = EnumSet.noneOf(Scenario.class);
            try {
                for (String name : v.split(",")) {
                    s.add(Scenario.byName(name));
                }
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return s;
        }
    }

    /** A snapstore mode other than AUTO (AUTO is reported by what it picks). */
    static final class ConcreteMode implements ITypeConverter<Mode> {
        @Override
        public Mode convert(String v) {
            Mode m = new Converters.ModeName().convert(v);
            if (m == Mode.AUTO) {
                throw new TypeConversionException("AUTO is reported by what it picks; list concrete modes");
            }
            return m;
        }
    }

}
