package dev.snapstore.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.RegionStats;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.cli.Converters;
import dev.snapstore.tools.cli.ThreadsOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "restore",
        header = "Map a snapshot off-heap, touch it, and report the cost.",
        description = {
                "Maps a snapshot into off-heap memory, touches it, and reports what that cost: time to open and "
                        + "map, touch time and throughput, memory, and the region's counters.",
                "Lazy modes (hugetlb, shmem, anonymous) fill pages on first touch; eager decompresses "
                        + "everything up front. auto picks the best lazy mode this machine offers, else eager."})
final class RestoreCommand extends CliCommand.WithJson {
    @Option(names = "--mode", defaultValue = "auto", paramLabel = "MODE",
            description = "auto, hugetlb, shmem, anonymous or eager (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--touch", defaultValue = "seq", paramLabel = "none|seq|load|random:P%",
            description = "After mapping, read one byte of every 4 KiB page: of every chunk in order (seq), "
                    + "of P%% of the chunks in random order (random:P%%), or nothing; or fill the whole region "
                    + "with one Region.load() (load: many faults in flight) (default: ${DEFAULT-VALUE}).")
    String touch;

    @Option(names = "--sha256", description = "Hash the whole region, read through its memory, after the touch.")
    boolean sha256;

    @Option(names = "--warm-cache", paramLabel = "DIR",
            description = "Keep decompressed chunks in DIR (a hugetlbfs mount or /dev/shm) for the next process.")
    Path warmCache;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--touch-threads", paramLabel = "N",
            description = "Touching threads, when different from --threads.")
    Integer touchThreads;

    @Option(names = "--read-only", description = "Map read-only (lazy modes share one physical copy).")
    boolean readOnly;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Lazy modes: keep at most SIZE of decompressed chunks resident (e.g. 256M); least useful "
                    + "chunks are evicted and decompressed again at their next touch. Default: no budget.")
    Long memoryBudget;

    @Option(names = "--prefetch", defaultValue = "sequential", paramLabel = "none|sequential|profile",
            converter = Converters.PrefetchPolicy.class,
            description = "What idle resolvers fill ahead of the touch: nothing, the next chunks of a sequential "
                    + "reader (default), or the working set recorded by --record-profile, replayed in its order.")
    dev.snapstore.store.Prefetch prefetch;

    @Option(names = "--record-profile",
            description = "Record the order in which the touch first reaches each chunk and save it next to the "
                    + "snapshot (SNAP.<digest>.profile) for --prefetch profile.")
    boolean recordProfile;

    @Option(names = "--no-hugepages", description = "Eager mode: do not use hugepages even when free.")
    boolean noHugepages;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the random:P%% chunk order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--cold",
            description = "Time the first restore of a fresh JVM: class loading, JIT and the native engine's "
                    + "start-up included. By default they are paid before timing and reported apart.")
    boolean cold;

    @Mixin
    SnapshotArgument snapshot;

    @Override
    public Integer call() throws Exception {
        int n = threads.count(256);
        int tn = threads.check(touchThreads != null ? touchThreads : n, "--touch-threads", 1024);
        RegionReader.TouchPlan.parse(touch, 0, seed); // reject a bad --touch before any work
        if (warmCache != null && !Files.isDirectory(warmCache)) {
            throw CliException.usage(warmCache + ": --warm-cache needs an existing directory");
        }
        MapOptions.Builder ob = MapOptions.builder().resolverThreads(n).eagerThreads(n).writable(!readOnly)
                .hugepages(!noHugepages).prefetch(prefetch).recordProfile(recordProfile);
        if (warmCache != null) {
            ob.warmCache(warmCache);
        }
        if (memoryBudget != null) {
            try {
                ob.memoryBudget(memoryBudget);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--memory-budget: " + e.getMessage());
            }
        }
        Restore.Result r;
        long warmNanos = -1;
        try {
            if (!cold) {
                warmNanos = Restore.warmUp(snapshot, java.util.List.of(mode), ob.build());
            }
            r = Restore.run(new Restore.Request(snapshot, mode, ob.build(), touch, seed, tn, sha256, !json));
        } catch (ModeUnavailableException e) {
            throw CliException.failure(snapshot.location + ": " + e.getMessage(), e);
        }
        PrintWriter o = out();
        if (json) {
            java.util.Map<String, Object> m = r.asMap();
            m.put("warm_up_ms", warmNanos < 0 ? null : Sizes.millis(warmNanos));
            o.println(Json.write(m));
        } else {
            print(o, r, warmNanos);
        }
        o.flush();
        return ExitCode.OK;
    }

    private static void print(PrintWriter o, Restore.Result r, long warmNanos) {
        String mode = r.mode().name().toLowerCase(Locale.ROOT);
        o.printf(Locale.ROOT, "restored %s: %s in %d chunks of %s%n", r.file(), Sizes.format(r.length()),
                r.chunkCount(), Sizes.format(r.chunkSize()));
        o.printf(Locale.ROOT, "  mode      %s%s%n", mode, r.modeReason() == null || r.modeReason().isEmpty() ? ""
                : " (" + r.modeReason() + ")");
        o.printf(Locale.ROOT, "  open      %.3f ms (snapshot open %.3f ms + map %.3f ms)%s%n",
                Sizes.millis(r.readyNanos()), Sizes.millis(r.openNanos()), Sizes.millis(r.mapNanos()),
                warmNanos < 0 ? ", cold JVM" : String.format(Locale.ROOT,
                        "; one-time start-up before it: %.0f ms (--cold to include it)", warmNanos / 1e6));
        RegionReader.TouchResult t = r.touch();
        if (t.chunks() == 0) {
            o.printf(Locale.ROOT, "  touch     none%n");
        } else {
            o.printf(Locale.ROOT, "  touch     %s: %d chunks, %d pages of 4 KiB over %s, %d threads: %.3f ms, %.2f GB/s%n",
                    r.touchName(), t.chunks(), t.pages(), Sizes.format(t.bytes()), r.touchThreads(),
                    Sizes.millis(t.nanos()), r.touchGbps());
        }
        if (r.profile() != null) {
            o.printf(Locale.ROOT, "  profile   %s%n", r.profile());
        }
        if (r.sha256() != null) {
            o.printf(Locale.ROOT, "  sha256    %s (all %s read through region memory in %.1f ms, %.2f GB/s)%n",
                    r.sha256(), Sizes.format(r.length()), Sizes.millis(r.shaNanos()),
                    Sizes.gbPerSecond(r.length(), r.shaNanos()));
        }
        o.printf(Locale.ROOT, "  memory    %s added to this process by map + touch (PSS + hugetlb pages, each page once)%n",
                Sizes.signed(r.afterTouch().footprintSince(r.before())));
        o.printf(Locale.ROOT, "            process after touch: %s%n", r.afterTouch().describe());
        if (r.afterSha() != null) {
            o.printf(Locale.ROOT, "            %s added once sha256 read everything%n",
                    Sizes.signed(r.afterSha().footprintSince(r.before())));
        }
        RegionStats s = r.stats();
        if (r.mode().isLazy()) {
            o.printf(Locale.ROOT, "  faults    during the touch: %d (minor %d, missing %d, zero %d), p50 <= %s, p99 <= %s%n", s.faults(),
                    s.minorFaults(), s.missingFaults(), s.zeroFaults(), micros(s.faultLatencyPercentileNanos(0.5)),
                    micros(s.faultLatencyPercentileNanos(0.99)));
            o.printf(Locale.ROOT, "  engine    %d chunks decompressed (%s), %s mapped, %d revalidations, %d errors%n",
                    s.chunksDecompressed(), Sizes.format(s.bytesDecompressed()), Sizes.format(s.bytesMapped()),
                    s.revalidations(), s.errors());
            if (s.budgetBytes() > 0) {
                RegionStats last = r.statsAfterSha() != null ? r.statsAfterSha() : s;
                o.printf(Locale.ROOT, "  budget    %s: resident %s now, peak %s (pinned %s); %d evictions, %d refills, "
                                + "%d sampled accesses%s%n", Sizes.format(last.budgetBytes()),
                        Sizes.format(last.residentBytes()), Sizes.format(last.residentPeakBytes()),
                        Sizes.format(last.pinnedBytes()), last.evictions(), last.refills(), last.sampledAccesses(),
                        r.statsAfterSha() != null ? " (after sha256)" : "");
            }
        }
    }

    private static String micros(long nanos) {
        if (nanos == 0) {
            return "n/a";
        }
        return nanos < 1_000_000 ? String.format(Locale.ROOT, "%.1f us", nanos / 1e3)
                : String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
