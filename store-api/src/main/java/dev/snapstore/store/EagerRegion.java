package dev.snapstore.store;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.internal.NativeMemory;
import dev.snapstore.store.internal.ParallelChunks;
import dev.snapstore.store.jfr.RegionEvents;
import dev.snapstore.store.spi.AbstractRegion;
import dev.snapstore.store.spi.OffHeapMemory;
import dev.snapstore.store.spi.RegionProvider;

/**
 * The portable region: every chunk decompressed up front, in parallel, into off-heap memory
 * (hugepage-backed when a platform provider offers it and enough hugepages are free). The
 * baseline the lazy modes are measured against.
 *
 * <p>Thread-safe as {@link Region} states; {@link #reset} re-decompresses whole chunks.
 */
final class EagerRegion extends AbstractRegion {
    private final Snapshot snapshot;
    private final OffHeapMemory memory;
    private final int threads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantReadWriteLock fillLock = new ReentrantReadWriteLock();
    private final AtomicLong chunksDecompressed = new AtomicLong();
    private final AtomicLong bytesDecompressed = new AtomicLong();

    private EagerRegion(Snapshot snapshot, OffHeapMemory memory, MapOptions options, String reason) {
        super(memory.address(), snapshot.length(), Mode.EAGER, reason + "; memory: " + memory.kind(), options.writable());
        this.snapshot = snapshot;
        this.memory = memory;
        this.threads = options.eagerThreads();
    }

    static EagerRegion restore(Snapshot snapshot, MapOptions options, String reason) throws IOException {
        long size = Math.max(snapshot.length(), 1);
        OffHeapMemory mem = null;
        for (int tier = 0; tier < 2 && mem == null; tier++) {
            for (RegionProvider p : RegionProviders.tier(tier)) { // the built-in engine first: on Linux it always answers
                java.util.Optional<OffHeapMemory> m = p.allocate(size, options.hugepages());
                if (m.isPresent()) {
                    mem = m.get();
                    break;
                }
            }
        }
        if (mem == null) {
            mem = PortableMemory.allocate(size);
        }
        EagerRegion r = new EagerRegion(snapshot, mem, options, reason);
        try {
            r.fill(0, snapshot.chunkCount(), options.progress());
        } catch (IOException | RuntimeException | Error e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * Decompresses chunks [from, to) into place on {@link #threads} threads. Returns or throws only
     * once every worker has stopped writing (ParallelChunks' contract), so a failed restore can
     * free the memory; the read lock keeps {@link #close} from freeing it under a running reset.
     */
    private void fill(int from, int to, ProgressListener progress) throws IOException {
        ChunkIndex index = snapshot.index();
        AtomicLong done = new AtomicLong();
        int shift = snapshot.chunkShift();
        long total = Math.min(snapshot.length(), (long) to << shift) - ((long) from << shift);
        long base = memory.address();
        fillLock.readLock().lock();
        try {
            ensureOpen();
            ParallelChunks.run("snapstore-eager", threads, from, to, c -> {
                long at = base + ((long) c << shift);
                int raw = index.rawLength(c);
                if (index.isZero(c)) {
                    NativeMemory.fill(at, raw, (byte) 0);
                } else {
                    // fresh memory: take its pages in one call, not a fault per page mid-decompression
                    memory.populate((long) c << shift, raw);
                    snapshot.decompressChunk(c, at);
                    chunksDecompressed.incrementAndGet();
                    bytesDecompressed.addAndGet(raw);
                }
                progress.progress(done.addAndGet(raw), total);
            });
        } finally {
            fillLock.readLock().unlock();
        }
    }

    @Override
    public long address() {
        ensureOpen();
        return super.address();
    }

    @Override
    public void load(long offset, long length) {
        ensureOpen();
        checkRange(offset, length);
        // Everything is present already.
    }

    @Override
    public void reset(long offset, long length) {
        ensureOpen();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        int shift = snapshot.chunkShift();
        int from = (int) (offset >>> shift);
        int to = (int) ((offset + length - 1) >>> shift) + 1;
        try {
            fill(from, to, ProgressListener.NONE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public RegionStats stats() {
        return new RegionStats(Mode.EAGER, 0, 0, 0, chunksDecompressed.get(), bytesDecompressed.get(),
                snapshot.length(), 0, 0, new long[0]);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            fillLock.writeLock().lock(); // waits for a reset still writing into the memory
            try {
                memory.close();
            } finally {
                fillLock.writeLock().unlock();
            }
            RegionEvents.closed(this); // JFR: the last fills since the previous tick
        }
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "EagerRegion[" + size() + " bytes at 0x" + Long.toHexString(memory.address()) + ", " + memory.kind() + "]";
    }
}
