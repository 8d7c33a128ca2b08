package dev.snapstore.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.store.safetensors.SafetensorsHeader;
import dev.snapstore.store.safetensors.SafetensorsIndex;
import dev.snapstore.store.safetensors.SafetensorsModel;
import dev.snapstore.store.safetensors.TensorInfo;
import dev.snapstore.store.safetensors.TensorView;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.TextTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code snapstore tensors}: safetensors files, the snapshots packed from them, and sharded indexes. */
@Command(name = "tensors",
        header = "List or read the tensors of a safetensors file or of a snapshot packed from one.",
        description = "Works on a .safetensors file, a snapshot packed from one, or a sharded checkpoint's "
                + "model.safetensors.index.json (whose shards are read as files, or as snapshots named SHARD.snap "
                + "next to them). Headers are validated against the format; a file that breaks a rule exits 1 "
                + "naming the file, the tensor and the rule.",
        subcommands = {TensorsCommand.Inspect.class, TensorsCommand.Read.class})
final class TensorsCommand extends CliCommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return ExitCode.USAGE;
    }

    /** One shard's header and where it came from. */
    record Source(String shard, Path path, String kind, SafetensorsHeader header) {
    }

    static boolean isIndex(Path p) {
        return p.getFileName() != null && p.getFileName().toString().endsWith(".json");
    }

    /** The header of a .safetensors file or of the snapshot packed from one (read without mapping it). */
    static Source header(String shard, Path file) throws IOException {
        Snapshots.checkReadable(file);
        if (FormatV1.isSnapshot(file)) {
            try (Snapshot s = Snapshots.open(file)) {
                return new Source(shard, file, "snapshot", SafetensorsHeader.read(s));
            }
        }
        return new Source(shard, file, "safetensors", SafetensorsHeader.read(file));
    }

    static List<Source> headers(Path path) throws IOException {
        if (!isIndex(path)) {
            return List.of(header(null, path));
        }
        Snapshots.checkReadable(path);
        SafetensorsIndex index = SafetensorsIndex.read(path);
        List<Source> out = new ArrayList<>();
        for (String shard : index.shards()) {
            Path file = index.shardPath(shard);
            Path snap = index.shardPath(shard + ".snap");
            out.add(header(shard, Files.exists(file) || !Files.exists(snap) ? file : snap));
        }
        return out;
    }

    @Command(name = "inspect",
            header = "List the tensors: name, dtype, shape, bytes, offset.",
            description = "Lists the tensors of a .safetensors file, a snapshot packed from one (only the chunks "
                    + "holding the header are decompressed), or a sharded index, with the metadata.")
    static final class Inspect extends CliCommand.WithJson {
        @Parameters(index = "0", paramLabel = "FILE|SNAP|INDEX", description = "What to list.")
        Path path;

        @Override
        public Integer call() throws IOException {
            List<Source> sources = headers(path);
            PrintWriter o = out();
            long count = 0;
            long bytes = 0;
            if (json) {
                List<Object> tensors = new ArrayList<>();
                List<Object> shards = new ArrayList<>();
                for (Source s : sources) {
                    shards.add(Json.object("shard", s.shard(), "file", s.path().toString(), "kind", s.kind(),
                            "header_bytes", s.header().headerLength(), "data_start", s.header().dataStart(),
                            "metadata", s.header().metadata()));
                    for (TensorInfo t : s.header().tensors()) {
                        Map<String, Object> m = Json.object("name", t.name(), "dtype", t.dtype().name(),
                                "shape", t.shape(), "bytes", t.byteSize(), "offset", t.offset());
                        if (s.shard() != null) {
                            m.put("shard", s.shard());
                        }
                        tensors.add(m);
                        count++;
                        bytes += t.byteSize();
                    }
                }
                o.println(Json.write(Json.object("path", path.toString(), "tensor_count", count, "tensor_bytes", bytes,
                        "shards", shards, "tensors", tensors)));
            } else {
                TextTable table = sources.size() > 1
                        ? new TextTable(3, true, "name", "dtype", "shape", "bytes", "offset", "shard")
                        : new TextTable(3, true, "name", "dtype", "shape", "bytes", "offset");
                for (Source s : sources) {
                    for (TensorInfo t : s.header().tensors()) {
                        String[] row = {t.name(), t.dtype().name(), Arrays.toString(t.shape()), Long.toString(t.byteSize()),
                                Long.toString(t.offset())};
                        if (sources.size() > 1) {
                            row = Arrays.copyOf(row, 6);
                            row[5] = s.shard();
                        }
                        table.row(row);
                        count++;
                        bytes += t.byteSize();
                    }
                }
                for (Source s : sources) {
                    o.printf(Locale.ROOT, "%s  %s, header %d bytes, data at %d%s%n", s.path(), s.kind(),
                            s.header().headerLength(), s.header().dataStart(),
                            s.header().metadata().isEmpty() ? "" : ", metadata " + s.header().metadata());
                }
                o.print(table.render(""));
                o.printf(Locale.ROOT, "%d tensors, %s (%d bytes)%n", count, Sizes.format(bytes), bytes);
            }
            o.flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "read",
            header = "Map a packed model lazily and read one tensor.",
            description = "Maps a snapshot packed from a .safetensors file (or a sharded index whose shards are "
                    + "packed as SHARD.snap) read-only, fills only the named tensor's chunks (natively, see "
                    + "Region.load), and prints its first elements and how much of the image was decompressed.")
    static final class Read extends CliCommand.WithJson {
        @Parameters(index = "0", paramLabel = "SNAP|INDEX", description = "The packed model.")
        Path path;

        @Parameters(index = "1", paramLabel = "TENSOR", description = "The tensor's name.")
        String name;

        @Option(names = "--count", defaultValue = "8", paramLabel = "N",
                description = "Elements to print (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--mode", defaultValue = "auto", paramLabel = "MODE",
                description = "auto, hugetlb, shmem, anonymous or eager (default: ${DEFAULT-VALUE}).")
        Mode mode;

        @Override
        public Integer call() throws IOException {
            if (count < 0) {
                throw CliException.usage("--count must be >= 0, got " + count);
            }
            Snapshots.checkReadable(path);
            MapOptions options = MapOptions.builder().writable(false).build();
            try (SafetensorsModel model = isIndex(path) ? SafetensorsModel.openSharded(path, mode, options)
                    : SafetensorsModel.open(path, mode, options)) {
                if (!model.contains(name)) {
                    throw CliException.usage(path + ": no tensor '" + name + "' (snapstore tensors inspect lists them)");
                }
                TensorView t = model.tensor(name);
                t.load();
                Region region = t.region();
                region.checkHealthy(t.offset(), t.byteSize());
                int n = (int) Math.min(count, t.elementCount());
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (t.dtype().isFloatingPoint()) {
                        double d = t.getDouble(i);
                        values.add(Double.isFinite(d) ? (Object) d : Double.toString(d)); // JSON has no inf/NaN: "Infinity"
                    } else {
                        values.add(t.getLong(i));
                    }
                }
                RegionStats st = region.stats();
                long chunks = 0;
                for (SafetensorsModel.Shard s : model.shards()) {
                    chunks += s.snapshot().chunkCount();
                }
                PrintWriter o = out();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", name);
                    m.put("dtype", t.dtype().name());
                    m.put("shape", t.shape());
                    m.put("bytes", t.byteSize());
                    m.put("mode", region.mode().name().toLowerCase(Locale.ROOT));
                    m.put("values", values);
                    m.put("chunks_decompressed", st.chunksDecompressed());
                    m.put("chunks", chunks);
                    o.println(Json.write(m));
                } else {
                    o.printf(Locale.ROOT, "%s  %s %s, %s, mode %s%n", name, t.dtype(), Arrays.toString(t.shape()),
                            Sizes.format(t.byteSize()), region.mode().name().toLowerCase(Locale.ROOT));
                    o.printf(Locale.ROOT, "  first %d: %s%n", n, values);
                    o.printf(Locale.ROOT, "  decompressed %d of the model's %d chunks%n", st.chunksDecompressed(), chunks);
                }
                o.flush();
            }
            return ExitCode.OK;
        }
    }
}
