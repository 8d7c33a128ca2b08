package dev.snapstore.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.SnapshotWriter.WriteResult;
import dev.snapstore.store.safetensors.SafetensorsException;
import dev.snapstore.store.safetensors.SafetensorsHeader;
import dev.snapstore.store.remote.RemoteOptions;
import dev.snapstore.store.remote.RemoteSources;
import dev.snapstore.store.remote.S3MultipartOutput;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.cli.PackOptions;
import dev.snapstore.tools.cli.ThreadsOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pack",
        header = "Pack a file or standard input into a snapshot.",
        description = "Packs a file (or - for standard input) into a snapshot: compressed, checksummed "
                + "chunks; all-zero chunks and repeated chunks are stored once or not at all.")
final class PackCommand extends CliCommand.WithJson {
    @Mixin
    PackOptions packing;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--meta", paramLabel = "KEY=VALUE",
            description = "Extra metadata entry; repeatable.")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Parameters(index = "0", paramLabel = "INPUT", description = "File to pack, or - for standard input.")
    String input;

    @Parameters(index = "1", paramLabel = "OUT.snap", description = "Snapshot to write (replaced atomically), or "
            + "s3://BUCKET/KEY to upload it by multipart upload as it is packed (no local copy).")
    String out;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "S3 endpoint of an S3-compatible store (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS).")
    String endpoint;

    @Override
    public Integer call() throws IOException {
        packing.chunkSize(); // a bad --chunk-size is a usage error before any file is looked at
        int nThreads = threads.count(1024);
        boolean stdin = "-".equals(input);
        Path in = stdin ? null : Path.of(input);
        if (in != null) {
            if (!Files.exists(in)) {
                throw CliException.usage(input + ": no such file or directory");
            }
            if (Files.isDirectory(in)) {
                throw CliException.usage(input + ": is a directory (pack takes one file)");
            }
            if (!RemoteSources.isUri(out) && Files.exists(Path.of(out)) && Files.isSameFile(in, Path.of(out))) {
                throw CliException.usage(out + ": is the input; pack would destroy it");
            }
        }
        SnapshotWriter.Builder b = packing.writer(nThreads);
        SafetensorsHeader tensors = in != null ? safetensorsOf(in) : null;
        if (tensors != null) {
            // the header stays in the image (offsets in the region are the file's); the metadata says
            // what the image is without decompressing it
            b.metadata("safetensors.tensors", Integer.toString(tensors.tensors().size()));
            b.metadata("safetensors.data_start", Long.toString(tensors.dataStart()));
        }
        metadata.forEach(b::metadata);
        long total = in != null ? Files.size(in) : -1;
        WriteResult r;
        if (RemoteSources.isUri(out)) {
            r = upload(b, in, total);
        } else {
            r = toFile(b, in, total);
        }
        PrintWriter o = out();
        if (json) {
            o.println(Json.write(toMap(r, nThreads)));
        } else {
            print(o, r, nThreads);
        }
        o.flush();
        return ExitCode.OK;
    }

    /** Packs into an S3 multipart upload; the bar counts input packed, the upload keeps pace (bounded memory). */
    private WriteResult upload(SnapshotWriter.Builder b, Path in, long total) throws IOException {
        URI uri = URI.create(out);
        if (!"s3".equalsIgnoreCase(uri.getScheme())) {
            throw CliException.usage(out + ": pack uploads to s3://BUCKET/KEY only");
        }
        RemoteOptions options = RemoteOptions.fromEnvironment();
        if (endpoint != null && !endpoint.isBlank()) {
            options = options.withEndpoint(URI.create(endpoint.trim()));
        }
        try (Progress progress = Progress.start("pack+upload", total);
             S3MultipartOutput target = S3MultipartOutput.create(uri, options, bytes -> { })) {
            b.progress(progress);
            SnapshotWriter writer;
            try {
                writer = b.build();
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            return in == null ? writer.write(System.in, target, "stdin") : writer.write(in, target);
        }
    }

    private WriteResult toFile(SnapshotWriter.Builder b, Path in, long total) throws IOException {
        boolean stdin = in == null;
        WriteResult r;
        try (AtomicOutput target = AtomicOutput.to(Path.of(out));
             Progress progress = Progress.start("pack", total)) {
            b.progress(progress);
            SnapshotWriter writer;
            try {
                writer = b.build();
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            if (stdin) {
                InputStream sin = System.in;
                r = writer.write(sin, target.temp(), "stdin");
            } else {
                r = writer.write(in, target.temp());
            }
            target.commit();
        }
        return r;
    }

    /**
     * The validated header when {@code in} starts like a safetensors file (a plausible header length
     * followed by '{'), else null. A file that starts like one but breaks a rule is packed as plain
     * bytes with a warning naming the rule.
     */
    private SafetensorsHeader safetensorsOf(Path in) throws IOException {
        if (!Files.isRegularFile(in) || Files.size(in) < 10) {
            return null;
        }
        byte[] start = new byte[9];
        try (InputStream s = Files.newInputStream(in)) {
            if (s.readNBytes(start, 0, 9) < 9) {
                return null;
            }
        }
        long n = ByteBuffer.wrap(start, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (start[8] != '{' || n < 2 || n > SafetensorsHeader.MAX_HEADER_BYTES || n > Files.size(in) - 8) {
            return null;
        }
        try {
            return SafetensorsHeader.read(in);
        } catch (SafetensorsException e) {
            err().println("snapstore: warning: packing as plain bytes, not a valid safetensors file: " + e.getMessage());
            err().flush();
            return null;
        }
    }

    private Map<String, Object> toMap(WriteResult r, int nThreads) {
        Map<String, Object> m = Json.object("input", input, "output", out, "codec", packing.codec, "level", packing.level,
                "threads", nThreads, "chunk_size", packing.chunkSize);
        m.putAll(written(r));
        return m;
    }

    /** What the writer reports, as {@code pack --json} and {@code demo --json} print it. */
    static Map<String, Object> written(WriteResult r) {
        return Json.object("logical_bytes", r.logicalBytes(), "chunks", r.chunks(),
                "stored_chunks", r.chunks() - r.zeroChunks() - r.dedupChunks(), "zero_chunks", r.zeroChunks(),
                "dedup_chunks", r.dedupChunks(), "stored_bytes", r.storedBytes(), "file_bytes", r.fileBytes(),
                "ratio", Sizes.round(Sizes.ratio(r.logicalBytes(), r.fileBytes()), 3),
                "seconds", Sizes.round(r.nanos() / 1e9, 3),
                "mb_per_s", Sizes.round(Sizes.mbPerSecond(r.logicalBytes(), r.nanos()), 1), "digest", r.digest());
    }

    private void print(PrintWriter o, WriteResult r, int nThreads) {
        int stored = r.chunks() - r.zeroChunks() - r.dedupChunks();
        o.printf(Locale.ROOT, "packed %s -> %s%n", input, out);
        o.printf(Locale.ROOT, "  input    %s (%d bytes) in %d chunks of %s%n", Sizes.format(r.logicalBytes()),
                r.logicalBytes(), r.chunks(), Sizes.format(packing.chunkSize));
        o.printf(Locale.ROOT, "  chunks   %d stored, %d all-zero (not stored), %d duplicates (stored once)%n",
                stored, r.zeroChunks(), r.dedupChunks());
        o.printf(Locale.ROOT, "  size     %s of payload, %s file: ratio %s (input / file)%n",
                Sizes.format(r.storedBytes()), Sizes.format(r.fileBytes()), Sizes.formatRatio(Sizes.ratio(r.logicalBytes(), r.fileBytes())));
        o.printf(Locale.ROOT, "  speed    %.2f s, %.0f MB/s of input (%s%s, %d threads)%n", r.nanos() / 1e9,
                Sizes.mbPerSecond(r.logicalBytes(), r.nanos()), packing.codec.name().toLowerCase(Locale.ROOT),
                packing.level != null ? " level " + packing.level : "", nThreads);
        o.printf(Locale.ROOT, "  digest   %s%n", r.digest());
    }
}
