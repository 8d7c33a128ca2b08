package dev.snapstore.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.tools.FileIo;

/**
 * The two ceilings no restore can beat, measured on the same threads as the systems:
 * {@code codec-raw} (the codec libraries decompressing every stored chunk memory to memory, into
 * memory already faulted in) and {@code memcpy} (copying the image's size between two buffers
 * already faulted in). Not thread-safe.
 */
final class Ceilings {
    private final Measurements out;
    private final int threads;

    Ceilings(Measurements out, int threads) {
        this.out = out;
        this.threads = threads;
    }

    /** codec-raw: the ceiling of any cold restore. */
    void codecRaw(Path snap) throws IOException {
        ChunkIndex index;
        int shift;
        long size;
        try (Snapshot s = Snapshot.open(snap)) {
            index = s.index();
            shift = s.chunkShift();
            size = s.length();
        }
        long fileSize = Files.size(snap);
        long src = Os.mapAnonymous(fileSize, true);
        long dst = Os.mapAnonymous(Math.max(size, 1), true);
        try {
            try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
                for (long off = 0; off < fileSize; off += 1 << 30) {
                    int len = (int) Math.min(1 << 30, fileSize - off);
                    FileIo.readFully(ch, Os.buffer(src + off, len), off);
                }
            }
            preTouch(dst, size);
            timed("cold", size, index.count(),
                    dec -> i -> dec.decodeFromMemory(src + index.offset(i), index, i, dst + ((long) i << shift)));
        } finally {
            Os.unmap(src, fileSize);
            Os.unmap(dst, Math.max(size, 1));
        }
    }

    /**
     * cat: the disk's limit for a cold restore. Drops the snapshot from the page cache as the cold
     * passes do (POSIX_FADV_DONTNEED: the same pages as {@code echo 3 > /proc/sys/vm/drop_caches},
     * without also evicting cat's and the JVM's own files), then times {@code cat SNAP > /dev/null};
     * touch_all_gbps is over the snapshot file's bytes.
     */
    void cat(Path snap) throws IOException {
        Os.dropFromPageCache(snap);
        out.emit("cold", "cold_resident_snap", Os.residentFraction(snap), "fraction");
        long bytes = Files.size(snap);
        long cpu0 = Os.processCpuNanos();
        long wall0 = System.currentTimeMillis();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("cat", snap.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("cat " + snap + " exited with " + p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while timing cat");
        }
        long t = System.nanoTime() - t0;
        out.window("cold", wall0, System.currentTimeMillis());
        out.emit("cold", "touch_all_ms", t / 1e6, "ms");
        out.emit("cold", "touch_all_gbps", bytes / (double) t, "GB/s");
        out.emit("cold", "cpu_ms", (Os.processCpuNanos() - cpu0) / 1e6, "ms");
    }

    /** memcpy: the ceiling of any warm restore. */
    void memcpy(long size) throws IOException {
        long src = Os.mapAnonymous(size, true);
        long dst = Os.mapAnonymous(size, true);
        try {
            preTouch(src, size);
            preTouch(dst, size);
            int block = 1 << 20;
            int blocks = (int) ((size + block - 1) / block);
            timed("warm", size, blocks, dec -> i -> {
                long o = (long) i * block;
                Os.copy(src + o, dst + o, Math.min(block, size - o));
            });
        } finally {
            Os.unmap(src, size);
            Os.unmap(dst, size);
        }
    }

    /** Runs {@code count} items on workers started beforehand and emits the time, rate, CPU and memory. */
    private void timed(String state, long bytes, int count, WorkFactory factory) throws IOException {
        long t;
        long cpu0;
        long wall0;
        try (Workers workers = new Workers(threads)) {
            cpu0 = Os.processCpuNanos();
            wall0 = System.currentTimeMillis();
            long t0 = System.nanoTime();
            workers.run(count, factory);
            t = System.nanoTime() - t0;
        }
        long cpu1 = Os.processCpuNanos();
        out.window(state, wall0, System.currentTimeMillis());
        out.emit(state, "touch_all_ms", t / 1e6, "ms");
        out.emit(state, "touch_all_gbps", bytes / (double) t, "GB/s");
        out.emit(state, "cpu_ms", (cpu1 - cpu0) / 1e6, "ms");
        out.memory(state);
    }

    private static void preTouch(long address, long size) {
        for (long o = 0; o < size; o += Os.PAGE) {
            Os.putLong(address + o, 0);
        }
    }

    private interface Work {
        void apply(int i) throws IOException;
    }

    private interface WorkFactory {
        Work make(ChunkDecoder dec);
    }

    /**
     * Workers started, with their decoders, before the clock starts, so {@link #run} times only
     * the work (ParallelChunks starts its threads inside the call, which would be timed). Not
     * thread-safe; one run at a time.
     */
    private static final class Workers implements AutoCloseable {
        private final int threads;
        private final ExecutorService pool;
        private final ChunkDecoder[] decoders;

        Workers(int threads) throws IOException {
            this.threads = threads;
            this.pool = Executors.newFixedThreadPool(threads);
            this.decoders = new ChunkDecoder[threads];
            List<Future<?>> warm = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                decoders[t] = new ChunkDecoder();
                warm.add(pool.submit(() -> { }));
            }
            await(warm);
        }

        void run(int count, WorkFactory factory) throws IOException {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ChunkDecoder dec = decoders[t];
                jobs.add(pool.submit(() -> {
                    Work w = factory.make(dec);
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        w.apply(i);
                    }
                    return null;
                }));
            }
            await(jobs);
        }

        /** Waits for every one (they write into memory the caller frees next), then throws the first failure. */
        private static void await(List<Future<?>> futures) throws IOException {
            IOException first = null;
            boolean interrupted = false;
            for (Future<?> f : futures) {
                while (true) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        first = first != null ? first : new IOException(e.getCause());
                    } catch (InterruptedException e) {
                        interrupted = true;
                        continue;
                    }
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                first = first != null ? first : new java.io.InterruptedIOException("interrupted");
            }
            if (first != null) {
                throw first;
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
            for (ChunkDecoder d : decoders) {
                d.close();
            }
        }
    }
}
