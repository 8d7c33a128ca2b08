package dev.snapstore.store.jmh;

import java.util.SplittableRandom;

import dev.snapstore.store.Region;
import net.openhft.chronicle.bytes.BytesStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The test's benchmark: read-modify-write of random longs of the snapshot's region. */
@State(Scope.Benchmark)
public class TouchBenchmark extends SnapshotState {
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
        rnd = new SplittableRandom(42);
    }

    @Benchmark
    public long incrementRandom() {
        long at = rnd.nextLong(longs) * 8;
        long v = data.readLong(at) + 1;
        data.writeLong(at, v);
        return v;
    }
}
