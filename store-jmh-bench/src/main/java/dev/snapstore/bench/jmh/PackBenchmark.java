package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.snapstore.bench.Os;
import dev.snapstore.store.Codec;
import dev.snapstore.store.SnapshotWriter;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
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
 * Pack throughput per codec and level: {@code SnapshotWriter.write(raw, out)} of a 256 MiB
 * synthetic model already in the page cache, on all cores (the writer's default). The
 * {@code bytes} counter reports input bytes per second.
 *
 * <p>Baseline in the same run: {@link #baselineCompress}, compressing the same bytes from memory
 * in 2 MiB blocks with zstd-jni / lz4-java directly on as many threads, without hashing,
 * checksums or a file: the ceiling for the writer.
 *
 * <pre>
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar PackBenchmark
 * java ... -jar ...benchmarks.jar PackBenchmark -p codecLevel=lz4-1,zstd-3
 * </pre>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
public class PackBenchmark extends ForkedBenchmark {

    @Param({"none", "lz4-1", "lz4-9", "zstd-1", "zstd-3", "zstd-9"})
    public String codecLevel;

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
    private long input;
    private int threads;
    private ExecutorService pool;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        raw = BenchFiles.model("256m", Codec.LZ4, null).raw();
        out = BenchFiles.dir().resolve("pack-out-" + codecLevel + ".snap");
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
        input = Os.mapAnonymous(size, false);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
            for (long off = 0; off < size; off += 1 << 30) {
                ByteBuffer dst = Os.buffer(input + off, (int) Math.min(1 << 30, size - off));
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

    @Benchmark
    public long pack(Bytes counter) throws IOException {
        long stored = writer.write(raw, out).storedBytes();
        counter.bytes += size;
        return stored;
    }

    @Benchmark
    public long baselineCompress(Bytes counter) throws Exception {
        int block = 2 << 20;
        int blocks = (int) ((size + block - 1) / block);
        AtomicInteger next = new AtomicInteger();
        List<Future<Long>> jobs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            jobs.add(pool.submit(() -> {
                long total = 0;
                ByteBuffer dst = ByteBuffer.allocateDirect(block + block / 255 + 1024);
                LZ4Compressor lz4 = level <= 1 ? LZ4Factory.fastestInstance().fastCompressor()
                        : LZ4Factory.fastestInstance().highCompressor(level);
                try (ZstdCompressCtx zstd = new ZstdCompressCtx()) {
                    zstd.setLevel(level);
                    for (int i = next.getAndIncrement(); i < blocks; i = next.getAndIncrement()) {
                        long off = (long) i * block;
                        int len = (int) Math.min(block, size - off);
                        ByteBuffer src = Os.buffer(input + off, len);
                        dst.clear();
                        switch (codec) {
                            case LZ4: total += lz4.compress(src, 0, len, dst, 0, dst.capacity()); break;
                            case ZSTD: total += zstd.compressDirectByteBuffer(dst, 0, dst.capacity(), src, 0, len); break;
                            default: dst.put(src); total += len;
                        }
                    }
                }
                return total;
            }));
        }
        long total = 0;
        for (Future<Long> f : jobs) {
            total += f.get();
        }
        counter.bytes += size;
        return total;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.shutdownNow();
        Os.unmap(input, size);
        Files.deleteIfExists(out);
    }
}
