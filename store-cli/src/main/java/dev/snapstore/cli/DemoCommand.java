package dev.snapstore.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.SnapshotWriter.WriteResult;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.FileIo;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.SyntheticImage;
import dev.snapstore.tools.TextTable;
import dev.snapstore.tools.cli.Converters;
import dev.snapstore.tools.cli.PackOptions;
import dev.snapstore.tools.cli.ThreadsOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo",
        header = "Pack a synthetic multi-GiB image and restore it in every mode, side by side.",
        description = {
                "Builds a synthetic memory image (text-like records, bf16-like weights, zero runs, repeated "
                        + "chunks, integer tables), packs it, restores it in every mode this machine offers, "
                        + "checks each restore's SHA-256 against the input's, and prints the results side by side.",
                "Temporary files go to a fresh directory under --dir and are removed at the end."})
final class DemoCommand extends CliCommand.WithJson {
    private static final Mode[] MODES = {Mode.EAGER, Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS};

    @Option(names = "--size", defaultValue = "2G", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Size of the synthetic image (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where to create the temporary directory (default: the system temp directory).")
    Path dir;

    @Mixin
    PackOptions packing;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seed of the synthetic content (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--writable",
            description = "Map regions writable (copy-on-write) instead of read-only. A writable HUGETLB region "
                    + "reserves hugepages for its private copies too (twice the image).")
    boolean writable;

    @Option(names = "--keep", description = "Keep the image and the snapshot; print where they are.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        packing.chunkSize(); // a bad --chunk-size is a usage error before any work
        if (size < 1) {
            throw CliException.usage("--size must be at least 1 byte");
        }
        int n = threads.count(256);
        Path parent = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        if (!Files.isDirectory(parent)) {
            throw CliException.usage(parent + ": --dir needs an existing directory");
        }
        long free = Files.getFileStore(parent).getUsableSpace();
        if (free < size * 2 + (64L << 20)) {
            throw CliException.failure(parent + ": needs about " + Sizes.format(size * 2) + " free for the image "
                    + "and its snapshot, has " + Sizes.format(free) + " (use --dir or a smaller --size)", null);
        }
        PrintWriter o = out();
        Path work = Files.createTempDirectory(parent, "snapstore-demo-");
        Thread cleanup = new Thread(() -> FileIo.deleteTree(work), "snapstore-demo-cleanup");
        if (!keep) {
            Runtime.getRuntime().addShutdownHook(cleanup); // also on Ctrl-C
        }
        try {
            return run(o, work, n);
        } finally {
            if (!keep) {
                FileIo.deleteTree(work);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException ignored) {
                    // already shutting down: the hook runs anyway
                }
            } else if (json) {
                err().println("snapstore: demo: kept " + work);
                err().flush();
            } else {
                say(o, "kept " + work);
            }
            o.flush();
        }
    }

    private int run(PrintWriter o, Path work, int n) throws Exception {
        int chunkSize = packing.chunkSize();
        Codec codec = packing.codec;
        Path input = work.resolve("image.bin");
        Path snap = work.resolve("image.snap");
        boolean text = !json;
        SyntheticImage image = new SyntheticImage(seed, chunkSize);

        if (text) {
            say(o, String.format(Locale.ROOT, "snapstore demo: %s synthetic image, %s chunks, %s, %d threads, in %s",
                    Sizes.format(size), Sizes.format(chunkSize), codec.name().toLowerCase(Locale.ROOT), n, work));
        }
        long t = System.nanoTime();
        try (Progress p = Progress.start("generate", size)) {
            image.write(input, size, n, p::add);
        }
        long genNanos = System.nanoTime() - t;

        t = System.nanoTime();
        String inputSha;
        try (Progress p = Progress.start("sha256", size)) {
            inputSha = FileIo.sha256(input, p::add);
        }
        long shaNanos = System.nanoTime() - t;
        if (text) {
            say(o, String.format(Locale.ROOT, "  generated in %.1f s; input sha256 %s (%.1f s)", genNanos / 1e9, inputSha,
                    shaNanos / 1e9));
        }

        WriteResult packed;
        try (Progress p = Progress.start("pack", size)) {
            packed = packing.writer(n).progress(p)
                    .metadata("source", "snapstore demo (seed " + seed + ")").build().write(input, snap);
        }
        if (text) {
            say(o, String.format(Locale.ROOT, "  packed: %d chunks (%d all-zero, %d duplicates), file %s, ratio %s, "
                            + "%.1f s, %.0f MB/s", packed.chunks(), packed.zeroChunks(), packed.dedupChunks(),
                    Sizes.format(packed.fileBytes()), Sizes.formatRatio(Sizes.ratio(packed.logicalBytes(), packed.fileBytes())),
                    packed.nanos() / 1e9, Sizes.mbPerSecond(packed.logicalBytes(), packed.nanos())));
        }
        // The image served its purpose (its hash); free the disk and page cache before restoring.
        Files.delete(input);

        // Class loading, JIT and the native engine's start-up are paid once per process; pay them here,
        // say what they cost, and keep them out of the first row of the table.
        long warmNanos = Restore.warmUp(SnapshotArgument.of(snap), List.of(MODES),
                MapOptions.builder().resolverThreads(n).writable(writable).build());
        if (text) {
            say(o, String.format(Locale.ROOT, "  one-time start-up of the reader and the native engine: %.0f ms "
                    + "(paid once per process; not in the table)", warmNanos / 1e6));
        }

        List<Row> rows = new ArrayList<>();
        boolean allOk = true;
        for (Mode mode : MODES) {
            if (text) {
                o.printf(Locale.ROOT, "  restoring %s ...%n", mode.name().toLowerCase(Locale.ROOT));
                o.flush();
            }
            MapOptions options = MapOptions.builder().resolverThreads(n).eagerThreads(n).writable(writable).build();
            Row row = new Row(mode);
            try {
                row.result = Restore.run(new Restore.Request(SnapshotArgument.of(snap), mode, options, "seq", 1, n, true, text));
                row.shaOk = inputSha.equals(row.result.sha256());
                allOk &= row.shaOk;
            } catch (ModeUnavailableException e) {
                row.skipped = Main.oneLine(e.getMessage());
            } catch (CorruptSnapshotException e) {
                row.failed = Main.oneLine(e.getMessage());
                allOk = false;
            } catch (IOException | RuntimeException e) {
                row.failed = Main.oneLine(e instanceof IOException ? Main.describe((IOException) e) : e.toString());
                allOk = false;
            }
            rows.add(row);
        }

        if (json) {
            Map<String, Object> m = Json.object("size", size, "chunk_size", chunkSize, "codec", codec, "threads", n,
                    "seed", seed, "writable", writable, "input_sha256", inputSha, "generate_ms", Sizes.millis(genNanos),
                    "warm_up_ms", Sizes.millis(warmNanos));
            Map<String, Object> pm = PackCommand.written(packed);
            pm.put("ms", Sizes.millis(packed.nanos()));
            m.put("pack", pm);
            List<Object> list = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("mode", r.mode);
                if (r.result != null) {
                    rm.putAll(r.result.asMap());
                    rm.put("mode", r.result.mode());
                    rm.put("sha256_ok", r.shaOk);
                }
                rm.put("skipped", r.skipped);
                rm.put("failed", r.failed);
                list.add(rm);
            }
            m.put("results", list);
            m.put("ok", allOk);
            o.println(Json.write(m));
        } else {
            o.println();
            TextTable table = new TextTable("mode", "open ms", "full touch ms", "touch GB/s", "open+touch ms", "sha256 ms",
                    "VmRSS", "memory +", "sha256");
            // Modes skipped for the same reason share one note.
            Map<String, List<String>> notes = new LinkedHashMap<>();
            for (Row r : rows) {
                String name = r.mode.name().toLowerCase(Locale.ROOT);
                if (r.result == null) {
                    String why = r.skipped != null ? r.skipped : r.failed;
                    String prefix = r.mode.name() + " regions are not available: ";
                    if (why.startsWith(prefix)) {
                        why = why.substring(prefix.length());
                    }
                    String note = (r.skipped != null ? "" : "FAILED: ") + why;
                    notes.computeIfAbsent(note, k -> new ArrayList<>()).add(name);
                    int number = new ArrayList<>(notes.keySet()).indexOf(note) + 1;
                    table.row(name, "-", "-", "-", "-", "-", "-", "-", (r.skipped != null ? "skipped (" : "FAILED (")
                            + number + ")");
                    continue;
                }
                Restore.Result x = r.result;
                table.row(name, ms(x.readyNanos()), ms(x.touch().nanos()), String.format(Locale.ROOT, "%.2f", x.touchGbps()),
                        ms(x.readyNanos() + x.touch().nanos()), ms(x.shaNanos()), Sizes.format(x.afterTouch().rss()),
                        Sizes.signed(x.afterTouch().footprintSince(x.before())), r.shaOk ? "ok" : "MISMATCH");
            }
            o.print(table.render("  "));
            int number = 0;
            for (Map.Entry<String, List<String>> e : notes.entrySet()) {
                o.printf(Locale.ROOT, "  (%d) %s: %s%n", ++number, String.join(", ", e.getValue()), e.getKey());
            }
            o.println();
            o.println("  regions mapped " + (writable ? "writable (copy-on-write)" : "read-only (the demo only reads; "
                    + "--writable for copy-on-write)") + ";");
            o.println("  open: snapshot open + map (eager decompresses everything here); full touch: one byte of "
                    + "every 4 KiB page, " + n + " threads;");
            o.println("  VmRSS: the process's RSS after the touch as the kernel counts it (no hugetlb pages; a page "
                    + "mapped twice counts twice);");
            o.println("  memory +: added to the process from just before map to after the touch: PSS + hugetlb "
                    + "pages, each page counted once;");
            o.println("  sha256: every byte read through the region's memory, compared with the input's.");
            o.println(allOk ? "  all restores match the input." : "  SOME RESTORES DID NOT MATCH THE INPUT.");
        }
        o.flush();
        return allOk ? ExitCode.OK : ExitCode.CORRUPT;
    }

    private static final class Row {
        final Mode mode;
        Restore.Result result;
        boolean shaOk;
        String skipped;
        String failed;

        Row(Mode mode) {
            this.mode = mode;
        }
    }

    private static String ms(long nanos) {
        double m = nanos / 1e6;
        return String.format(Locale.ROOT, m < 10 ? "%.3f" : "%.1f", m);
    }

    private static void say(PrintWriter o, String line) {
        o.println(line);
        o.flush();
    }
}
