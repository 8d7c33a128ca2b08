package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.snapstore.bench.ChunkDecoder;
import dev.snapstore.bench.Os;
import dev.snapstore.store.Codec;
import dev.snapstore.store.Snapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code snapshot.read(offset, 4 KiB)} through the decompressed-chunk cache (Caffeine):
 * {@code cache=hit} with a budget holding the whole 256 MiB image, warmed first; {@code cache=miss}
 * with a budget of two chunks while reads land on random chunks of 128, so nearly every read
 * decompresses a 2 MiB chunk. The cache's own hit/miss counts are printed at the end of each trial.
 *
 * <p>Baselines in the same run: {@link #baselinePread} (a 4 KiB positional read of the raw file
 * in the page cache) and {@link #baselineDecompressChunk} (read + decompress one whole chunk with
 * zstd-jni/lz4-java directly: the floor under a miss).
 *
 * <pre>
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar ReadCacheBenchmark
 * java ... -jar ...benchmarks.jar ReadCacheBenchmark.read -p cache=hit,miss -p codec=ZSTD
 * </pre>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReadCacheBenchmark extends ForkedBenchmark {

    @Param({"hit", "miss"})
    public String cache;

    @Param({"LZ4", "ZSTD"})
    public String codec;

    private Snapshot snapshot;
    private FileChannel rawChannel;
    private FileChannel snapChannel;
    private long[] offsets;
    private int next;
    private ByteBuffer dst;
    private ChunkDecoder decoder;
    private long scratch;
    private int chunkSize;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        BenchFiles.Pair files = BenchFiles.model("256m", Codec.valueOf(codec), null);
        BenchFiles.cache(files.raw());
        BenchFiles.cache(files.snap());
        try (Snapshot probe = Snapshot.open(files.snap())) {
            chunkSize = probe.chunkSize();
        }
        long budget = cache.equals("hit") ? 1L << 30 : 2L * chunkSize;
        snapshot = Snapshot.open(files.snap(), budget);
        rawChannel = FileChannel.open(files.raw(), StandardOpenOption.READ);
        snapChannel = FileChannel.open(files.snap(), StandardOpenOption.READ);
        long pages = snapshot.length() / Os.PAGE;
        SplittableRandom r = new SplittableRandom(5);
        offsets = new long[1 << 14];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = r.nextLong(pages) * Os.PAGE;
        }
        dst = ByteBuffer.allocateDirect(Os.PAGE);
        if (cache.equals("hit")) {
            for (long o : offsets) {
                snapshot.read(o, dst.clear());
            }
        }
        decoder = new ChunkDecoder();
        scratch = Os.mapAnonymous(chunkSize, false);
    }

    private long nextOffset() {
        return offsets[next++ & (offsets.length - 1)];
    }

    @Benchmark
    public int read() throws IOException {
        return snapshot.read(nextOffset(), dst.clear());
    }

    @Benchmark
    public int baselinePread() throws IOException {
        return rawChannel.read(dst.clear(), nextOffset());
    }

    @Benchmark
    public long baselineDecompressChunk() throws IOException {
        int chunk = (int) (nextOffset() / chunkSize);
        decoder.decodeFromFile(snapChannel, snapshot.index(), chunk, scratch);
        return Os.getLong(scratch);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        var s = snapshot.cache().stats();
        System.out.printf("%n[cache=%s codec=%s] chunk cache: hits %d, misses %d, evictions %d%n",
                cache, codec, s.hits(), s.misses(), s.evictions());
        snapshot.close();
        rawChannel.close();
        snapChannel.close();
        decoder.close();
        Os.unmap(scratch, chunkSize);
    }
}
