package dev.snapstore.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;

/**
 * The {@code eager} baseline: read the snapshot and decompress every chunk into off-heap memory
 * with zstd-jni / lz4-java on all cores, before anything is touched. Written here, not borrowed
 * from store-api's EAGER mode, so it is what a user would build without snapstore. Memory is
 * anonymous mmap advised MADV_HUGEPAGE (transparent hugepages when the machine allows them);
 * zero chunks are left untouched (the memory is already zero). Only the chunk index is read
 * through store-api.
 *
 * <p>Not thread-safe: one thread opens, touches and closes it.
 */
public final class EagerSubject extends NamedSubject {
    private final Path snap;
    private final int threads;
    private final ExecutorService pool;
    private ChunkIndex index;
    private int chunkShift;
    private long size;

    public EagerSubject(Path snap, int threads, String codec) {
        super("eager", codec);
        this.snap = snap;
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "eager-decompress");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void open() throws IOException {
        try (Snapshot s = Snapshot.open(snap)) {
            index = s.index();
            chunkShift = s.chunkShift();
            size = s.length();
        }
        address = Os.mapAnonymous(Math.max(size, 1), true);
        decompress(i -> true);
    }

    private void decompress(IntPredicate which) throws IOException {
        AtomicInteger next = new AtomicInteger();
        int count = index.count();
        try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                jobs.add(pool.submit(() -> {
                    try (ChunkDecoder dec = new ChunkDecoder()) {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            if (which.test(i)) {
                                dec.decodeFromFile(ch, index, i, address + ((long) i << chunkShift));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("eager restore of " + snap + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Opening is the whole restore: nothing to load but the codecs, which {@code ChildMain} warms for every system. */
    @Override
    public void warmUpLibraries() {
    }

    /** Decompresses again only the chunks the plan wrote to: the best an eager user can do without a pristine copy. */
    @Override
    public void reset(Plan plan) throws IOException {
        int count = index.count();
        boolean[] dirty = new boolean[count];
        for (int s = 0; s < plan.segments(); s++) {
            long first = plan.offset(s) >>> chunkShift;
            long last = (plan.offset(s) + plan.length(s) - 1) >>> chunkShift;
            for (long c = first; c <= last && c < count; c++) {
                dirty[(int) c] = true;
            }
        }
        for (int i = 0; i < count; i++) {
            if (dirty[i] && index.isZero(i)) {
                // a zero chunk has no payload to decompress: zero it explicitly
                long o = (long) i << chunkShift;
                Os.UNSAFE.setMemory(address + o, index.rawLength(i), (byte) 0);
            }
        }
        decompress(i -> dirty[i]);
    }

    @Override
    public void close() {
        if (address != 0) {
            Os.unmap(address, Math.max(size, 1));
            address = 0;
        }
    }

    @Override
    public void dispose() {
        close();
        pool.shutdownNow();
    }
}
