package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import dev.snapstore.bench.Os;
import dev.snapstore.bench.Subject;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Fault service latency as a Java thread sees it, on a 256 MiB synthetic model snapshot:
 * <ul>
 *   <li>{@link #coldChunk2m}: touch every 4 KiB page of one 2 MiB chunk nobody has touched (the
 *       snapshot file dropped from the page cache): read + decompress + map, per codec. One call
 *       is one chunk; chunks are taken in random order.</li>
 *   <li>{@link #warmPage4k}: touch one 4 KiB page whose chunk is already decompressed: after a
 *       full touch and {@code region.reset()}, HUGETLB/SHMEM serve it as a MINOR fault
 *       (UFFDIO_CONTINUE on the warm page), ANONYMOUS as a MISSING fault (from the decompressed
 *       chunk where the engine keeps it, else by decompressing again). Pages in random order.</li>
 * </ul>
 * Baselines in the same run: {@code target=mmap} ({@code FileChannel.map} of the raw file: a
 * major fault with readahead when cold, a page-cache minor fault when warm) and
 * {@code target=eager} (everything restored up front: the touch is a plain memory read, the
 * floor). Both methods run as single-shot batches (32 chunks, 4096 pages per measured batch) on
 * fresh state every iteration; divide the batch time by the batch size for the cost per fault.
 * Per-fault percentiles (p50/p99/p99.9) come from {@code snapstore bench}, which times every
 * first touch with HdrHistogram.
 *
 * <pre>
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar FaultLatencyBenchmark
 * java ... -jar ...benchmarks.jar FaultLatencyBenchmark.warmPage4k -p target=shmem,mmap -p codec=LZ4
 * </pre>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FaultLatencyBenchmark extends ForkedBenchmark {
    static final String SIZE = "256m";

    @Param({"hugetlb", "shmem", "anonymous", "eager", "mmap"})
    public String target;

    @Param({"LZ4", "ZSTD"})
    public String codec;

    private BenchFiles.Pair files;
    private int chunkSize;
    private long[] chunkOrder;
    private long[] pageOrder;
    private Subject subject;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        files = BenchFiles.model(SIZE, Codec.valueOf(codec), null);
        long size;
        try (Snapshot s = Snapshot.open(files.snap())) {
            chunkSize = s.chunkSize();
            size = s.length();
            if (!target.equals("mmap")) {
                BenchFiles.requireAvailable(s, BenchFiles.mode(target));
            }
        }
        int chunks = (int) (size / chunkSize);
        chunkOrder = BenchFiles.randomPages((long) chunks * Os.PAGE, 7);
        for (int i = 0; i < chunkOrder.length; i++) {
            chunkOrder[i] = chunkOrder[i] / Os.PAGE * chunkSize;
        }
        pageOrder = BenchFiles.randomPages(size, 11);
    }

    @Setup(Level.Iteration)
    public void prepare(BenchmarkParams params) throws IOException {
        cursor = 0;
        subject = Targets.create(target, files.raw(), files.snap(), Runtime.getRuntime().availableProcessors());
        if (params.getBenchmark().endsWith("coldChunk2m")) {
            BenchFiles.dropCaches(files.raw(), files.snap());
            subject.open();
            return;
        }
        BenchFiles.cache(target.equals("mmap") ? files.raw() : files.snap());
        subject.open();
        long sum = 0;
        for (long p : pageOrder) {
            sum += subject.readLong(p);
        }
        if (Targets.lazy(target)) {
            subject.reset(null);
        } else if (target.equals("mmap")) {
            subject.close();
            subject.open(); // a fresh mapping of a file in the page cache
        }
        if (sum == 42) {
            System.out.print("");
        }
    }

    @Benchmark
    @Warmup(iterations = 1, batchSize = 32)
    @Measurement(iterations = 8, batchSize = 32)
    public long coldChunk2m() {
        long off = chunkOrder[cursor++];
        long sum = 0;
        for (long o = off; o < off + chunkSize; o += Os.PAGE) {
            sum += subject.readLong(o);
        }
        return sum;
    }

    @Benchmark
    @Warmup(iterations = 1, batchSize = 4096)
    @Measurement(iterations = 8, batchSize = 4096)
    public long warmPage4k() {
        return subject.readLong(pageOrder[cursor++]);
    }

    @TearDown(Level.Iteration)
    public void release() {
        Targets.release(subject);
        subject = null;
    }
}
