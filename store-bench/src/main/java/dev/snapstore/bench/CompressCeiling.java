package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.snapstore.store.Codec;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * The codec alone, the ceiling of pack: a memory range compressed in blocks with zstd-jni / lz4-java
 * directly, on a pool's threads, without zero checks, hashing, checksums or a file. Used by the
 * harness ({@code pack_gbps} of system {@code codec-raw}) and by the JMH {@code PackBenchmark}
 * baselines, so both compare pack with the same thing. Stateless; each call uses its own contexts.
 */
public final class CompressCeiling {
    private CompressCeiling() {
    }

    /** Receives one block's compressed bytes (position 0 to limit) on the worker that made them. */
    public interface BlockSink {
        void accept(ByteBuffer compressed) throws IOException;
    }

    /**
     * Compresses {@code size} bytes at {@code address} in {@code block}-byte blocks on
     * {@code threads} tasks of {@code pool}; LZ4 level 1 is the fast compressor, 2.. HC; zstd at
     * {@code level}; {@link Codec#NONE} copies.
     *
     * @param sink null, or where each compressed block goes
     * @return the compressed bytes in total
     */
    public static long compress(ExecutorService pool, int threads, long address, long size, int block, Codec codec,
                                int level, BlockSink sink) throws IOException {
        int blocks = (int) ((size + block - 1) / block);
        AtomicInteger next = new AtomicInteger();
        List<Future<Long>> jobs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            jobs.add(pool.submit(() -> {
                long total = 0;
                ByteBuffer dst = ByteBuffer.allocateDirect(block + block / 255 + 1024);
                LZ4Compressor lz4 = level <= 1 ? LZ4Factory.fastestInstance().fastCompressor()
                        : LZ4Factory.fastestInstance().highCompressor(level);
                try (ZstdCompressCtx zstd = new ZstdCompressCtx()) {
                    zstd.setLevel(level);
                    for (int i = next.getAndIncrement(); i < blocks; i = next.getAndIncrement()) {
                        long off = (long) i * block;
                        int len = (int) Math.min(block, size - off);
                        ByteBuffer src = Os.buffer(address + off, len);
                        dst.clear();
                        int n;
                        switch (codec) {
                            case LZ4: n = lz4.compress(src, 0, len, dst, 0, dst.capacity()); break;
                            case ZSTD: n = zstd.compressDirectByteBuffer(dst, 0, dst.capacity(), src, 0, len); break;
                            default: dst.put(src); n = len;
                        }
                        total += n;
                        if (sink != null) {
                            sink.accept(dst.duplicate().clear().limit(n));
                        }
                    }
                }
                return total;
            }));
        }
        long total = 0;
        try {
            for (Future<Long> f : jobs) {
                total += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("compression failed", e.getCause());
        }
        return total;
    }
}
