package dev.snapstore.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.format.ChunkCodecs;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.tools.FileIo;
import dev.snapstore.tools.Safetensors;
import dev.snapstore.tools.SyntheticModel;
import dev.snapstore.tools.Unpack;

/**
 * The two files every measurement reads: the raw image and its snapshot. Built from the synthetic
 * model, packed from the user's file, or unpacked from the user's snapshot; described for
 * results.json's {@code machine.input}. Not thread-safe.
 */
final class BenchInput {
    final Path raw;
    final Path snap;
    final String codecLabel;
    final Map<String, Object> description;
    /** The snapshot's URI when the user gave one ({@code http(s)://} or {@code s3://}), else null. */
    final java.net.URI remote;

    private BenchInput(Path raw, Path snap, String codecLabel, Map<String, Object> description, java.net.URI remote) {
        this.remote = remote;
        this.raw = raw;
        this.snap = snap;
        this.codecLabel = codecLabel;
        this.description = description;
    }

    /** Builds (or reuses, under {@code work}) the raw image and packs the snapshot; pack timings go to {@code results}. */
    static BenchInput prepare(BenchCommand o, Path work, BenchRun results) throws IOException, InterruptedException {
        Map<String, Object> in = new LinkedHashMap<>();
        String level = o.packing.level == null ? "default" : String.valueOf(o.packing.level);
        String codecLabel = o.packing.codec.name().toLowerCase(Locale.ROOT);
        Path raw;
        Path snap;
        java.net.URI remote = remoteInput(o.input);
        Path inputPath = o.input == null || remote != null ? null : Path.of(o.input);
        if (remote != null) {
            // a copy of the object for the local scenarios; the remote scenario restores from the URI itself
            String name = remote.getPath() == null || remote.getPath().isEmpty() ? "remote"
                    : Path.of(remote.getPath()).getFileName().toString();
            snap = work.resolve("remote-" + Integer.toHexString(remote.toString().hashCode()) + "-" + name);
            raw = work.resolve(snap.getFileName() + ".raw");
            try (Snapshot s = Snapshot.open(remote)) {
                if (!Files.exists(snap) || Files.size(snap) != s.fileSize()) {
                    copy(s, snap);
                }
                if (!Files.exists(raw) || Files.getLastModifiedTime(raw).compareTo(Files.getLastModifiedTime(snap)) <= 0) {
                    Unpack.toFile(s, raw, o.threads, n -> { });
                }
            }
            in.put("kind", "remote snapshot");
            in.put("snapshot", remote.toString());
        } else if (o.input == null) {
            raw = work.resolve("synthetic-" + o.size + "-" + o.seed + ".safetensors");
            if (!Files.exists(raw)) {
                SyntheticModel.write(raw, o.size, o.seed);
            }
            in.put("kind", "synthetic");
            in.put("description", "safetensors model, " + SyntheticModel.LAYERS + " layers, BF16 N(0,0.02) weights, "
                    + "norms near 1.0, MLP down projections 50% block-pruned; seed " + o.seed);
            snap = work.resolve("synthetic-" + o.size + "-" + o.seed + "-" + codecLabel + "-" + level + ".snap");
            pack(o, codecLabel, raw, snap, in, results);
        } else if (isSnapshot(inputPath)) {
            snap = inputPath.toAbsolutePath();
            raw = work.resolve(inputPath.getFileName() + ".raw");
            if (!Files.exists(raw) || Files.getLastModifiedTime(raw).compareTo(Files.getLastModifiedTime(snap)) <= 0) {
                try (Snapshot s = Snapshot.open(snap)) {
                    Unpack.toFile(s, raw, o.threads, n -> { });
                }
            }
            in.put("kind", "user snapshot");
            in.put("snapshot", snap.toString());
        } else {
            raw = inputPath.toAbsolutePath();
            in.put("kind", "user file");
            snap = work.resolve(inputPath.getFileName() + "-" + codecLabel + "-" + level + ".snap");
            pack(o, codecLabel, raw, snap, in, results);
        }
        describe(raw, snap, in);
        return new BenchInput(raw, snap, codecLabel, in, remote);
    }

    /**
     * The budget scenario's snapshot: the same image packed with {@code --budget-chunk-size} chunks
     * (the same codec and level; untimed), or this snapshot when its chunks have that size already.
     * A budget keeps or evicts whole chunks, so the chunk size is the cache's granularity.
     */
    Path budgetSnapshot(BenchCommand o, Path work) throws IOException {
        int chunk = (int) o.budgetChunkSize;
        Path to = snap;
        if (((Number) description.get("chunk_size")).intValue() != chunk) {
            to = work.resolve(snap.getFileName().toString().replaceFirst("\\.snap$", "") + "-chunk" + chunk + ".snap");
            SnapshotWriter.Builder b = SnapshotWriter.builder().codec(o.packing.codec).chunkSize(chunk).threads(o.threads)
                    .metadata("source", raw.getFileName().toString());
            if (o.packing.level != null) {
                b.level(o.packing.level);
            }
            b.build().write(raw, to);
        }
        description.put("budget_chunk_size", chunk);
        description.put("budget_snapshot_file", to.toString());
        return to;
    }

    /** {@code --input} as a URI when it names a remote snapshot ({@code http://}, {@code https://}, {@code s3://}), else null. */
    static java.net.URI remoteInput(String input) {
        if (input == null) {
            return null;
        }
        String lower = input.toLowerCase(Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("s3://")
                ? java.net.URI.create(input) : null;
    }

    /** The remote snapshot's bytes into {@code to}, in 8 MiB ranges. */
    private static void copy(Snapshot s, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".part");
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(8 << 20);
            for (long at = 0; at < s.fileSize(); at += b.capacity()) {
                b.clear().limit((int) Math.min(b.capacity(), s.fileSize() - at));
                s.source().read(at, b);
                b.flip();
                long pos = at;
                while (b.hasRemaining()) {
                    pos += out.write(b, pos);
                }
            }
        }
        Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Whether {@code p} starts with the snapshot format's magic. */
    static boolean isSnapshot(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return Arrays.equals(in.readNBytes(FormatV1.HEADER_MAGIC.length), FormatV1.HEADER_MAGIC);
        }
    }

    private static void pack(BenchCommand o, String codecLabel, Path from, Path to, Map<String, Object> in, BenchRun results)
            throws IOException {
        SnapshotWriter.Builder b = o.packing.writer(o.threads).metadata("source", from.getFileName().toString());
        Os.dropFromPageCache(from);
        SnapshotWriter.WriteResult w = b.build().write(from, to);
        if (w.nanos() <= 0) {
            throw new IOException("writer reported no time");
        }
        in.put("codec", codecLabel);
        in.put("level", o.packing.level == null ? "default" : o.packing.level);
        String mode = o.packing.label();
        results.add("pack", "snapstore", mode, "cold", "pack_ms", w.nanos() / 1e6, "ms");
        results.add("pack", "snapstore", mode, "cold", "pack_gbps", w.logicalBytes() / (double) w.nanos(), "GB/s");
        results.add("pack", "snapstore", mode, "cold", "ratio",
                w.storedBytes() == 0 ? 0 : w.logicalBytes() / (double) w.storedBytes(), "ratio");
        packAgainstCodec(o, from, to, mode, results);
    }

    /**
     * Issue 10's pack goal, in one run: pack again with the input in the page cache ({@code warm}),
     * alternating with the codec alone ({@link CompressCeiling}: the same codec, level, chunk size
     * and threads, memory to memory) at least three times; the medians and ranges go to
     * {@code pack_gbps} (and {@code _min}, {@code _max}) of systems {@code snapstore} and {@code codec-raw}.
     */
    private static void packAgainstCodec(BenchCommand o, Path from, Path to, String mode, BenchRun results)
            throws IOException {
        SnapshotWriter writer = o.packing.writer(o.threads).metadata("source", from.getFileName().toString()).build();
        Codec codec = o.packing.codec;
        int level = o.packing.level == null ? ChunkCodecs.defaultLevel(codec) : o.packing.level;
        long size = Files.size(from);
        int block = (int) o.packing.chunkSize();
        int rounds = Math.max(3, o.repeat);
        List<Double> pack = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        long memory = Os.mapAnonymous(Math.max(size, 1), false);
        ExecutorService pool = Executors.newFixedThreadPool(o.threads);
        try {
            try (FileChannel ch = FileChannel.open(from, StandardOpenOption.READ)) {
                for (long off = 0; off < size; off += 1 << 30) {
                    FileIo.readFully(ch, Os.buffer(memory + off, (int) Math.min(1 << 30, size - off)), off);
                }
            }
            for (int r = 0; r < rounds; r++) {
                SnapshotWriter.WriteResult w = writer.write(from, to);
                pack.add(w.logicalBytes() / (double) w.nanos());
                long t0 = System.nanoTime();
                CompressCeiling.compress(pool, o.threads, memory, size, block, codec, level, null);
                raw.add(size / (double) (System.nanoTime() - t0));
            }
        } finally {
            pool.shutdownNow();
            Os.unmap(memory, Math.max(size, 1));
        }
        addRange(results, "snapstore", mode, pack);
        addRange(results, "codec-raw", mode, raw);
    }

    private static void addRange(BenchRun results, String system, String mode, List<Double> v) {
        results.add("pack", system, mode, "warm", "pack_gbps", BenchRun.median(v), "GB/s");
        results.add("pack", system, mode, "warm", "pack_gbps_min", Collections.min(v), "GB/s");
        results.add("pack", system, mode, "warm", "pack_gbps_max", Collections.max(v), "GB/s");
    }

    private static void describe(Path raw, Path snap, Map<String, Object> in) throws IOException {
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
            int[] byCodec = new int[Codec.values().length + 1];
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
        Safetensors.Layout layout = Safetensors.readIfPresent(raw);
        in.put("layout", layout == null ? "not safetensors" : "safetensors, " + layout.tensors().size() + " tensors");
    }
}
