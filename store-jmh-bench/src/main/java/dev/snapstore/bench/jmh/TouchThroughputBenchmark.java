package dev.snapstore.bench.jmh;

import java.io.IOException;

import dev.snapstore.bench.Os;
import dev.snapstore.bench.Subject;
import dev.snapstore.store.Codec;
import dev.snapstore.store.Snapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Time to restore and touch every 4 KiB page of a 1 GiB synthetic model (LZ4), sequentially or
 * in random page order, per mode, cold and warm. Throughput = 1 GiB / score.
 * <ul>
 *   <li>cold: the snapshot and raw files are dropped from the page cache; the timed call opens
 *       (maps, restores) and touches everything;</li>
 *   <li>warm: lazy modes were fully touched and {@code reset()} before the timed call, so their
 *       backing file holds every page (MINOR faults); {@code mmap} maps afresh a file already in
 *       the page cache; {@code eager}/{@code eager-baseline} restore again from a cached
 *       snapshot file.</li>
 * </ul>
 * Baselines in the same run: {@code eager-baseline} (decompress everything on all cores with
 * zstd-jni/lz4-java, written in store-bench) and {@code mmap} (FileChannel.map of the raw file).
 *
 * <pre>
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar TouchThroughputBenchmark
 * java ... -jar ...benchmarks.jar TouchThroughputBenchmark -p target=hugetlb,eager-baseline,mmap -p state=cold
 * </pre>
 */
public class TouchThroughputBenchmark extends ForkedBenchmark.SingleShot {
    static final String SIZE = "1g";

    @Param({"hugetlb", "shmem", "anonymous", "eager", "eager-baseline", "mmap"})
    public String target;

    @Param({"sequential", "random"})
    public String pattern;

    @Param({"cold", "warm"})
    public String state;

    private BenchFiles.Pair files;
    private long size;
    private long[] order;
    private Subject subject;
    private boolean open;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        files = BenchFiles.model(SIZE, Codec.LZ4, null);
        try (Snapshot s = Snapshot.open(files.snap())) {
            size = s.length();
            if (!target.equals("mmap") && !target.equals("eager-baseline")) {
                BenchFiles.requireAvailable(s, BenchFiles.mode(target));
            }
        }
        order = pattern.equals("random") ? BenchFiles.randomPages(size, 3) : null;
        subject = Targets.create(target, files.raw(), files.snap(), Runtime.getRuntime().availableProcessors());
    }

    @Setup(Level.Invocation)
    public void prepare() throws IOException {
        if (state.equals("cold")) {
            BenchFiles.dropCaches(files.raw(), files.snap());
            return;
        }
        if (Targets.lazy(target)) {
            if (!open) {
                subject.open();
                open = true;
                touch();
            }
            subject.reset(null);
        } else {
            BenchFiles.cache(target.equals("mmap") ? files.raw() : files.snap());
        }
    }

    @Benchmark
    public long openAndTouch() throws IOException {
        if (!open) {
            subject.open();
            open = true;
        }
        return touch();
    }

    private long touch() {
        long sum = 0;
        if (order == null) {
            for (long o = 0; o < size; o += Os.PAGE) {
                sum += subject.readLong(o);
            }
        } else {
            for (long o : order) {
                sum += subject.readLong(o);
            }
        }
        return sum;
    }

    @TearDown(Level.Invocation)
    public void closeUnlessWarmLazy() {
        if (!(state.equals("warm") && Targets.lazy(target))) {
            subject.close();
            open = false;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Targets.release(subject);
    }
}
