package dev.snapstore.bench.jmh;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import dev.snapstore.bench.Os;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.Sizes;
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
 * Map and open latency against snapshot size: how long {@code snapshot.map(mode)} takes
 * ({@link #map}) and {@code Snapshot.open} + {@code map} ({@link #openAndMap}, which reads and
 * checks the index, so it grows with the chunk count), for mostly-zero snapshots of 64 MiB to
 * 16 GiB. Nothing is touched: a lazy map should cost the same at every size.
 *
 * <p>Baseline in the same run: {@code target=mmap}, {@code FileChannel.map} of the sparse raw
 * image in 1 GiB pieces (and FileChannel.open for openAndMap). {@code target=eager} restores the
 * whole image (zero chunks are not decompressed, but the memory is allocated); it is refused at
 * 16 GiB (the setup fails with the reason) to keep the machine's memory for the others. Lazy
 * targets the machine cannot serve fail their setup with the {@code ModeUnavailableException}.
 * The region is closed after each invocation, outside the timing. {@code access=ro} maps
 * read-only (no copy-on-write reservation: a writable HUGETLB region needs the image twice in
 * free hugepages and is refused when the pool is smaller).
 *
 * <pre>
 * mvn -q -pl store-bench -am package -DskipTests
 * java $(snapstore.jvm.flags) -jar store-jmh-bench/target/store-jmh-bench-0.1.0-SNAPSHOT-benchmarks.jar MapLatencyBenchmark
 * java ... -jar ...benchmarks.jar MapLatencyBenchmark -p size=64m,1g -p target=mmap,shmem
 * </pre>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class MapLatencyBenchmark extends ForkedBenchmark {

    @Param({"64m", "1g", "16g"})
    public String size;

    @Param({"mmap", "hugetlb", "shmem", "anonymous", "eager"})
    public String target;

    /** rw: writable copy-on-write region (the default; HUGETLB reserves the image again in hugepages); ro: read-only. */
    @Param({"rw", "ro"})
    public String access;

    private BenchFiles.Pair files;
    private Snapshot snapshot;
    private Mode mode;
    private MapOptions options;
    private Region region;
    private Snapshot openedSnapshot;
    private MappedByteBuffer[] pieces;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        files = BenchFiles.sparse(size);
        if (target.equals("mmap")) {
            return;
        }
        mode = BenchFiles.mode(target);
        if (mode == Mode.EAGER && Sizes.parse(size) > (4L << 30)) {
            throw new IllegalStateException("eager at " + size + " skipped: it allocates the whole image");
        }
        options = MapOptions.builder().writable(access.equals("rw")).build();
        snapshot = Snapshot.open(files.snap());
        if (mode != Mode.EAGER) {
            snapshot.map(mode, options).close(); // fails here with the reason when the mode cannot be served
        }
    }

    @Benchmark
    public long map() throws IOException {
        if (mode == null) {
            return mmap();
        }
        region = snapshot.map(mode, options);
        return region.address();
    }

    @Benchmark
    public long openAndMap() throws IOException {
        if (mode == null) {
            return mmap();
        }
        openedSnapshot = Snapshot.open(files.snap());
        region = openedSnapshot.map(mode, options);
        return region.address();
    }

    private long mmap() throws IOException {
        try (FileChannel ch = FileChannel.open(files.raw(), StandardOpenOption.READ)) {
            long length = ch.size();
            int n = (int) ((length + (1L << 30) - 1) >>> 30);
            pieces = new MappedByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long off = (long) i << 30;
                pieces[i] = ch.map(FileChannel.MapMode.READ_ONLY, off, Math.min(1L << 30, length - off));
            }
            return pieces.length;
        }
    }

    @TearDown(Level.Invocation)
    public void closeRegion() {
        if (region != null) {
            region.close();
            region = null;
        }
        if (openedSnapshot != null) {
            openedSnapshot.close();
            openedSnapshot = null;
        }
        if (pieces != null) {
            for (MappedByteBuffer b : pieces) {
                Os.unmapBuffer(b);
            }
            pieces = null;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (snapshot != null) {
            snapshot.close();
        }
    }
}
