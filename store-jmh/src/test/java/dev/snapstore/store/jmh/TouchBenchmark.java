package dev.snapstore.store.jmh;

import dev.snapstore.store.Region;
import net.openhft.chronicle.bytes.BytesStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The test's benchmark: reads one long per 4 KiB page, walking the region page by page and
 * starting over at its end, so every iteration faults its pages in again after the reset.
 */
@State(Scope.Benchmark)
public class TouchBenchmark extends SnapshotState {
    private BytesStore<?, Void> data;
    private long pages;
    private long next;

    @Override
    protected void afterMap(Region region) {
        data = region.bytesStore();
        pages = Math.max(1, region.size() / 4096);
    }

    @Override
    protected void afterReset(Region region) {
        next = 0;
    }

    @Benchmark
    public long touchNextPage() {
        long at = (next++ % pages) * 4096;
        return data.readLong(at);
    }
}
