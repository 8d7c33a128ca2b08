package dev.snapstore.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every benchmark of this suite shares (JMH's annotations are inherited): one fork with a
 * 1 GiB heap, which also gets the host JVM's flags (the project's, see the README), and its state
 * per thread. A benchmark adds its mode and iterations.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Thread)
public abstract class ForkedBenchmark {

    /**
     * One timed restore per iteration, in milliseconds: the benchmarks that map or decompress a
     * whole image and touch it, where one run is the quantity of interest.
     */
    @BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 4)
    public abstract static class SingleShot extends ForkedBenchmark {
    }
}
