package dev.snapstore.samples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.tools.JvmFlags;
import net.openhft.chronicle.bytes.BytesStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * A JMH benchmark whose forks need a large, mutable data set: each fork maps a snapshot (cheap
 * whatever its size) instead of generating the data, and each iteration starts from pristine
 * data with {@link Region#reset()} instead of regenerating it.
 *
 * <p>Run: {@code java $(cat store-cli/target/jvm.flags) -cp samples/target/samples.jar
 * dev.snapstore.samples.JmhForkStateSample}
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2) // forks inherit the host JVM's flags; main() adds the project's list (JvmFlags) in case they are missing
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class JmhForkStateSample {
    /** Where the data set lives; made once by {@link #main} (or by the user). */
    @Param({""})
    public String snapshot;

    Snapshot snap;
    Region region;
    BytesStore<?, Void> data;
    long longs;
    SplittableRandom rnd;

    @Setup(Level.Trial)
    public void map() throws Exception {
        snap = Snapshot.open(Path.of(snapshot));
        region = snap.map(Mode.AUTO);
        data = region.bytesStore();
        longs = region.size() / 8;
        rnd = new SplittableRandom(42);
    }

    @Setup(Level.Iteration)
    public void pristine() {
        region.reset(); // writes of the previous iteration are gone
    }

    @TearDown(Level.Trial)
    public void unmap() {
        region.close();
        snap.close();
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
        long size = args.length > 0 ? Long.parseLong(args[0]) : 512L << 20;
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
            new Runner(new OptionsBuilder()
                    .include(JmhForkStateSample.class.getSimpleName())
                    .param("snapshot", snapPath.toString())
                    .jvmArgsAppend(JvmFlags.forThisRuntime().toArray(new String[0]))
                    .build()).run();
        } finally {
            Files.deleteIfExists(snapPath);
            Files.deleteIfExists(dir);
        }
    }
}
