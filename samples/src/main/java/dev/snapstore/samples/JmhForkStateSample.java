package dev.snapstore.samples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Region;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.jmh.SnapshotState;
import dev.snapstore.store.jmh.SnapstoreProfiler;
import dev.snapstore.tools.JvmFlags;
import dev.snapstore.tools.Sizes;
import net.openhft.chronicle.bytes.BytesStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * A JMH benchmark whose forks need a large, mutable data set: with store-jmh's {@link SnapshotState}
 * each fork maps a snapshot (cheap whatever its size) instead of generating the data, and each
 * iteration starts from pristine data ({@code Region.reset()}) instead of regenerating it;
 * {@link SnapstoreProfiler} reports what each iteration faulted and decompressed.
 *
 * <p>Run: {@code java -jar samples/target/samples.jar jmh-fork-state [size] [quick]} ({@code quick}:
 * in this JVM, one short iteration).
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2) // forks inherit the host JVM's flags; main() adds the project's list (JvmFlags) in case they are missing
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class JmhForkStateSample extends SnapshotState {
    private BytesStore<?, Void> data;
    private long longs;
    private SplittableRandom rnd;

    @Override
    protected void afterMap(Region region) {
        data = region.bytesStore();
        longs = region.size() / 8;
    }

    @Override
    protected void afterReset(Region region) {
        rnd = new SplittableRandom(42); // the same accesses every iteration, on the same pristine data
    }

    /** Read-modify-write of random longs: the benchmark mutates its data set. */
    @Benchmark
    public long incrementRandom() {
        long at = rnd.nextLong(longs) * 8;
        long v = data.readLong(at) + 1;
        data.writeLong(at, v);
        return v;
    }

    public static void main(String[] args) throws Exception {
        long size = args.length > 0 ? Sizes.parse(args[0]) : 512L << 20;
        boolean quick = args.length > 1 && args[1].equals("quick");
        Path dir = Files.createTempDirectory("snapstore-jmh");
        Path snapPath = dir.resolve("dataset.snap");
        BytesStore<?, Void> built = BytesStore.nativeStoreWithFixedCapacity(size);
        try {
            SplittableRandom r = new SplittableRandom(7);
            for (long at = 0; at + 8 <= size; at += 8) {
                built.writeLong(at, r.nextLong(1_000_000));
            }
            SnapshotWriter.builder().codec(Codec.ZSTD).build().write(built, snapPath);
        } finally {
            built.releaseLast();
        }
        try {
            ChainedOptionsBuilder opts = new OptionsBuilder()
                    .include(JmhForkStateSample.class.getName() + "\\.")
                    .param("snapshot", snapPath.toString())
                    .addProfiler(SnapstoreProfiler.class)
                    .jvmArgsAppend(JvmFlags.forThisRuntime().toArray(new String[0]));
            if (quick) {
                opts.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
            }
            Collection<RunResult> results = new Runner(opts.build()).run();
            for (RunResult rr : results) {
                StringBuilder line = new StringBuilder("region counters per run:");
                for (Map.Entry<String, Result> e : rr.getSecondaryResults().entrySet()) {
                    line.append(' ').append(e.getKey()).append('=').append((long) e.getValue().getScore());
                }
                System.out.println(line);
            }
        } finally {
            Files.deleteIfExists(snapPath);
            Files.deleteIfExists(dir);
        }
    }
}
