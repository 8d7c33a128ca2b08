package dev.snapstore.store.jmh;

import java.io.IOException;
import java.nio.file.Path;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A JMH state holding a snapshot's region: mapped once per fork ({@link Level#Trial}, cheap whatever
 * the data set's size, for lazy modes) and reset before every iteration ({@link Level#Iteration}: the
 * previous iteration's writes are gone, pages come back lazily), so a benchmark that mutates a large
 * data set starts each iteration from pristine data without regenerating it.
 *
 * <p>Extend it and read {@link #region()} in the benchmark methods:
 * <pre>{@code
 * @State(Scope.Benchmark)
 * public class MyBench extends SnapshotState {
 *     @Benchmark
 *     public long read() { return region().bytesStore().readLong(0); }
 * }
 * }</pre>
 * and run with {@code -p snapshot=/path/to/data.snap} (and {@code -prof dev.snapstore.store.jmh.SnapstoreProfiler}
 * for the region's counters as secondary results). The JMH parameters {@link #snapshot}, {@link #mode},
 * {@link #writable}, {@link #memoryBudget} and {@link #resetEachIteration} configure it; a subclass may
 * override {@link #snapshotPath()} or {@link #mapOptions()} instead, and {@link #afterMap(Region)} /
 * {@link #afterReset(Region)} to prepare its own fields (JMH does not order a subclass's
 * {@code @Setup} methods after these ones).
 *
 * <p>Thread-safety: as any {@link Scope#Benchmark} state, shared by the benchmark's threads; the
 * region is safe for concurrent use, the subclass's fields are its own business.
 */
@State(Scope.Benchmark)
public abstract class SnapshotState {
    /** The snapshot file to map. Required unless {@link #snapshotPath()} is overridden. */
    @Param({""})
    public String snapshot;

    /** The mode to map in; AUTO picks the best the machine offers. */
    @Param({"AUTO"})
    public Mode mode;

    /** Whether writes are allowed (copy-on-write: the snapshot never changes). */
    @Param({"true"})
    public boolean writable;

    /** {@link MapOptions.Builder#memoryBudget(long)} in bytes; 0 for none. */
    @Param({"0"})
    public long memoryBudget;

    /** Whether {@link Region#reset()} runs before every iteration. */
    @Param({"true"})
    public boolean resetEachIteration;

    private Snapshot snap;
    private Region region;

    /** The region; valid from the trial's setup to its teardown. */
    public final Region region() {
        if (region == null) {
            throw new IllegalStateException("no region: the state's @Setup(Level.Trial) has not run");
        }
        return region;
    }

    /** The snapshot to map: the {@link #snapshot} parameter unless overridden. */
    protected Path snapshotPath() {
        if (snapshot == null || snapshot.isBlank()) {
            throw new IllegalStateException("no snapshot to map: run the benchmark with -p snapshot=PATH "
                    + "(OptionsBuilder.param(\"snapshot\", path)) or override snapshotPath() in "
                    + getClass().getName());
        }
        return Path.of(snapshot);
    }

    /** The options of the map: {@link #writable} and {@link #memoryBudget} unless overridden. */
    protected MapOptions mapOptions() {
        return MapOptions.builder().writable(writable).memoryBudget(memoryBudget).build();
    }

    /** Called once the region is mapped (per fork), before any iteration. */
    protected void afterMap(Region region) throws Exception {
    }

    /** Called after each iteration's reset (or in its place when {@link #resetEachIteration} is false). */
    protected void afterReset(Region region) throws Exception {
    }

    @Setup(Level.Trial)
    public final void snapstoreMap() throws Exception {
        Path path = snapshotPath();
        snap = Snapshot.open(path);
        try {
            region = snap.map(mode, mapOptions());
        } catch (IOException | RuntimeException e) {
            snap.close();
            snap = null;
            throw e;
        }
        Regions.opened(region);
        afterMap(region);
    }

    @Setup(Level.Iteration)
    public final void snapstoreReset() throws Exception {
        if (resetEachIteration) {
            region().reset();
        }
        afterReset(region());
    }

    @TearDown(Level.Trial)
    public final void snapstoreUnmap() {
        try {
            if (region != null) {
                Regions.closing(region);
                region.close();
            }
        } finally {
            region = null;
            if (snap != null) {
                snap.close();
                snap = null;
            }
        }
    }
}
