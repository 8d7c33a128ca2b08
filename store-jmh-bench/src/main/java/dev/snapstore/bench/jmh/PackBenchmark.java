package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.snapstore.bench.CompressCeiling;
import dev.snapstore.bench.Os;
import dev.snapstore.store.Codec;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.SyntheticImage;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pack throughput per codec and level: {@code SnapshotWriter.write(raw, out)} of a 256 MiB input
 * already in the page cache, on all cores (the writer's default). The {@code bytes} counter
 * reports input bytes per second. Inputs ({@code input}): {@code model}, the synthetic
 * safetensors model (mostly incompressible bf16 weights); {@code mixed}, the demo's
 * {@code SyntheticImage} (text, weights, integer tables, about 10% zero and 12% repeated chunks,
 * which pack stores once or not at all while the baseline compresses them).
 *
 * <p>Baselines in the same run: {@link #baselineCompress}, compressing the same bytes from memory
 * in 2 MiB blocks with zstd-jni / lz4-java directly on as many threads, without hashing,
 * checksums or a file: the codec's own speed. {@link #baselineCompressWrite}: the same, plus
 * writing the compressed blocks to a file with positional writes from those threads and
 * {@code force(true)} at the end, as pack must: the ceiling for the writer on this disk.
 * {@code -Dsnapstore.jmh.outdir=/dev/shm} puts the outputs on tmpfs, to see the CPU side alone.
 *
 * <pre>
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar PackBenchmark
 * java ... -jar ...benchmarks.jar PackBenchmark -p codecLevel=lz4-1,zstd-3 -p input=model,mixed
 * </pre>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
public class PackBenchmark extends ForkedBenchmark {

    @Param({"none", "lz4-1", "lz4-9", "zstd-1", "zstd-3", "zstd-9"})
    public String codecLevel;

    @Param({"model", "mixed"})
    public String input;

    /** Input bytes processed, reported per second by JMH. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void clear() {
            bytes = 0;
        }
    }

    private Path raw;
    private Path out;
    private long size;
    private Codec codec;
    private int level;
    private SnapshotWriter writer;
    private long memory;
    private int threads;
    private ExecutorService pool;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        raw = "mixed".equals(input) ? mixed(256L << 20) : BenchFiles.model("256m", Codec.LZ4, null).raw();
        Path outDir = Path.of(System.getProperty("snapstore.jmh.outdir", BenchFiles.dir().toString()));
        out = outDir.resolve("pack-out-" + input + "-" + codecLevel + ".snap");
        size = Files.size(raw);
        String[] cl = codecLevel.split("-");
        codec = Codec.valueOf(cl[0].toUpperCase(Locale.ROOT));
        level = cl.length > 1 ? Integer.parseInt(cl[1]) : 0;
        SnapshotWriter.Builder b = SnapshotWriter.builder().codec(codec);
        if (cl.length > 1) {
            b.level(level);
        }
        writer = b.build();
        BenchFiles.cache(raw);
        memory = Os.mapAnonymous(size, false);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
            for (long off = 0; off < size; off += 1 << 30) {
                ByteBuffer dst = Os.buffer(memory + off, (int) Math.min(1 << 30, size - off));
                while (dst.hasRemaining()) {
                    if (ch.read(dst, off + dst.position()) < 0) {
                        throw new IOException("short read of " + raw);
                    }
                }
            }
        }
        threads = Runtime.getRuntime().availableProcessors();
        pool = Executors.newFixedThreadPool(threads);
    }

    /** The demo's mixed image of {@code bytes} bytes in 2 MiB pages (made once, kept in the bench directory). */
    private static Path mixed(long bytes) throws IOException {
        Path f = BenchFiles.dir().resolve("mixed-" + bytes + ".raw");
        if (!Files.exists(f)) {
            Path tmp = BenchFiles.dir().resolve("mixed-" + bytes + ".raw.tmp");
            try {
                new SyntheticImage(42, 2 << 20).write(tmp, bytes, Runtime.getRuntime().availableProcessors(), n -> { });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing " + tmp);
            }
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    @Benchmark
    public long pack(Bytes counter) throws IOException {
        long stored = writer.write(raw, out).storedBytes();
        counter.bytes += size;
        return stored;
    }

    @Benchmark
    public long baselineCompress(Bytes counter) throws Exception {
        return compressAll(counter, null);
    }

    @Benchmark
    public long baselineCompressWrite(Bytes counter) throws Exception {
        Path file = out.resolveSibling(out.getFileName() + ".baseline");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long n = compressAll(counter, ch);
            ch.force(true);
            return n;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Compresses the input in 2 MiB blocks on all threads; appends each block to {@code ch} when given. */
    private long compressAll(Bytes counter, FileChannel ch) throws Exception {
        AtomicLong end = new AtomicLong();
        CompressCeiling.BlockSink sink = ch == null ? null : w -> {
            long at = end.getAndAdd(w.remaining());
            while (w.hasRemaining()) {
                at += ch.write(w, at);
            }
        };
        long total = CompressCeiling.compress(pool, threads, memory, size, 2 << 20, codec, level, sink);
        counter.bytes += size;
        return total;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.shutdownNow();
        Os.unmap(memory, size);
        Files.deleteIfExists(out);
    }
}
