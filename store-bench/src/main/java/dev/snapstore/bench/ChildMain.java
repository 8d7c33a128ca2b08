package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.Safetensors;

/**
 * One measurement in a JVM of its own, started by {@link BenchRun}: one scenario, one system
 * (and mode), a cold pass then a warm pass ({@link Passes}), or a ceiling ({@link Ceilings}).
 * Running each measurement in a fresh JVM keeps RSS, CPU time and the safepoint log
 * (-Xlog:safepoint,gc, parsed by the parent) its own. The lines it hands back are described in
 * {@link Measurements}; they go to the {@code --result} file. One instance per JVM; not
 * thread-safe.
 *
 * <p>Arguments: {@code --scenario --system --mode --snap --raw --threads --seed --probe --touch --result}; for
 * the budget scenario also {@code --budget --duration-ms}, and optionally {@code --cgroup DIR --sampling false}.
 */
public final class ChildMain {
    /** The systems that are not subjects: limits measured on plain memory. */
    static final List<String> CEILINGS = List.of("codec-raw", "memcpy", "cat");

    private final Map<String, String> args;
    private final Measurements out = new Measurements();

    private ChildMain(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        if ("false".equals(a.get("sampling"))) {
            // Read once by the engine's residency class, which nothing has loaded yet.
            System.setProperty("snapstore.budget.sampling", "false");
        }
        ChildMain child = new ChildMain(a);
        try {
            child.run();
        } finally {
            child.out.writeTo(Path.of(child.arg("result")));
        }
        System.exit(0); // engine and pool threads must not keep this JVM alive
    }

    private String arg(String k) {
        String v = args.get(k);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + k);
        }
        return v;
    }

    private void run() throws Exception {
        Scenario scenario = Scenario.byName(arg("scenario"));
        String system = arg("system");
        Path snap = Path.of(arg("snap"));
        Path raw = Path.of(arg("raw"));
        int threads = Integer.parseInt(arg("threads"));
        long seed = Long.parseLong(arg("seed"));
        boolean probe = Boolean.parseBoolean(args.getOrDefault("probe", "true"));
        boolean readAll = args.getOrDefault("touch", "page").equals("all");
        int chunkSize;
        long size;
        try (Snapshot s = Snapshot.open(snap)) {
            chunkSize = s.chunkSize();
            size = s.length();
        }
        if (scenario == Scenario.BUDGET) {
            Toucher.warmUpJit();
            warmUpCodecs(snap);
            new SnapstoreSubject(snap, dev.snapstore.store.Mode.EAGER, null, false).warmUpLibraries();
            String cg = args.get("cgroup");
            try {
                new BudgetWorkload(out, system, arg("mode"), snap, raw, threads, seed, Long.parseLong(arg("budget")),
                        Long.parseLong(arg("duration-ms")), cg == null ? null : Path.of(cg)).run();
            } catch (ModeUnavailableException e) {
                out.unavailable(e.getMessage());
            }
            return;
        }
        Plan plan = Plan.of(scenario, size, chunkSize, Safetensors.readIfPresent(raw), seed);
        Toucher.warmUpJit();
        Subject subject = CEILINGS.contains(system) ? null
                : Subject.create(system, arg("mode"), snap, raw, threads, plan.write(),
                        dev.snapstore.store.Prefetch.valueOf(args.getOrDefault("prefetch", "sequential").toUpperCase(java.util.Locale.ROOT)));
        long i0 = System.nanoTime();
        warmUpCodecs(snap);
        if (subject != null) {
            subject.warmUpLibraries();
            out.emit("cold", "init_ms", (System.nanoTime() - i0) / 1e6, "ms");
        }

        SafepointProber prober = probe ? SafepointProber.start() : null;
        try {
            if (subject == null) {
                Ceilings c = new Ceilings(out, threads);
                if (system.equals("memcpy")) {
                    c.memcpy(size);
                } else if (system.equals("cat")) {
                    c.cat(snap);
                } else {
                    c.codecRaw(snap);
                }
                return;
            }
            try {
                new Passes(out, plan, snap, raw, readAll, prober).run(subject);
            } catch (ModeUnavailableException e) {
                out.unavailable(e.getMessage());
            } finally {
                subject.dispose();
            }
        } finally {
            if (prober != null) {
                prober.stop();
            }
        }
    }

    /**
     * Decompresses one chunk through store-api and through the baselines' {@link ChunkDecoder}, so
     * both codecs' classes and native libraries are loaded before anything is timed (part of
     * init_ms). The files it reads are dropped from the page cache again before the cold pass.
     */
    private static void warmUpCodecs(Path snap) throws IOException {
        try (Snapshot s = Snapshot.open(snap)) {
            int chunk = 0;
            while (chunk < s.chunkCount() - 1 && s.index().isZero(chunk)) {
                chunk++;
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(s.chunkSize());
            buf.limit(s.index().rawLength(chunk));
            s.decompressChunk(chunk, buf);
            long scratch = Os.mapAnonymous(s.chunkSize(), false);
            try (ChunkDecoder dec = new ChunkDecoder();
                 FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
                dec.decodeFromFile(ch, s.index(), chunk, scratch);
            } finally {
                Os.unmap(scratch, s.chunkSize());
            }
        }
    }
}
