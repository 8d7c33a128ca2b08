package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

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
 * Resolver scaling: cold restore-and-touch of a 1 GiB synthetic model (LZ4) with
 * {@code MapOptions.resolverThreads} = {@code threads}, while {@code touchers} Java threads touch
 * interleaved 2 MiB chunks (chunk i by thread i mod touchers) so several faults are in flight.
 * Baseline in the same run: {@code target=eager-baseline}, decompressing everything with
 * zstd-jni/lz4-java on {@code threads} threads, then the same touchers.
 *
 * <pre>
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar ResolverScalingBenchmark
 * java ... -jar ...benchmarks.jar ResolverScalingBenchmark -p target=shmem -p threads=1,2,4,8
 * </pre>
 */
public class ResolverScalingBenchmark extends ForkedBenchmark.SingleShot {

    @Param({"hugetlb", "shmem", "anonymous", "eager-baseline"})
    public String target;

    @Param({"1", "2", "4"})
    public int threads;

    @Param({"4"})
    public int touchers;

    private BenchFiles.Pair files;
    private long size;
    private int chunkSize;
    private Subject subject;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        files = BenchFiles.model("1g", Codec.LZ4, null);
        try (Snapshot s = Snapshot.open(files.snap())) {
            size = s.length();
            chunkSize = s.chunkSize();
            if (Targets.lazy(target)) {
                BenchFiles.requireAvailable(s, BenchFiles.mode(target));
            }
        }
        subject = Targets.create(target, files.raw(), files.snap(), threads);
    }

    @Setup(Level.Invocation)
    public void dropCaches() {
        BenchFiles.dropCaches(files.snap());
    }

    @Benchmark
    public long restoreAndTouch() throws Exception {
        subject.open();
        AtomicLong sum = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        long chunks = (size + chunkSize - 1) / chunkSize;
        for (int t = 0; t < touchers; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                long s = 0;
                for (long c = me; c < chunks; c += touchers) {
                    long end = Math.min(size, (c + 1) * chunkSize);
                    for (long o = c * chunkSize; o < end; o += Os.PAGE) {
                        s += subject.readLong(o);
                    }
                }
                sum.addAndGet(s);
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        return sum.get();
    }

    @TearDown(Level.Invocation)
    public void close() {
        subject.close();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Targets.release(subject);
    }
}
