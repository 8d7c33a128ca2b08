package dev.snapstore.store.cache;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

/**
 * The decompressed-chunk cache: Caffeine decides which chunks stay, weighted by their
 * decompressed size within a byte budget. Entries are {@link ChunkHandle}s; the cache's removal
 * listener drops the cache's reference, so memory is freed once no reader holds the chunk.
 *
 * <p>A chunk is decompressed once even when many threads ask for it at once (Caffeine computes
 * each key once). Thread-safe.
 */
public final class ChunkCache implements AutoCloseable {

    /** Fills a chunk's memory; called at most once per cached chunk. */
    @FunctionalInterface
    public interface Loader {
        void load(int chunk, long address, int length) throws IOException;
    }

    private final Cache<Integer, ChunkHandle> cache;
    private final Loader loader;
    private final long budget;

    public ChunkCache(long budgetBytes, Loader loader) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("negative cache budget " + budgetBytes);
        }
        this.budget = budgetBytes;
        this.loader = loader;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(budgetBytes)
                .weigher((Integer k, ChunkHandle h) -> h.length())
                .executor(Runnable::run)
                .removalListener((Integer k, ChunkHandle h, RemovalCause cause) -> {
                    if (h != null) {
                        h.release();
                    }
                })
                .recordStats()
                .build();
    }

    /**
     * The decompressed chunk, with a reference taken for the caller, who must
     * {@link ChunkHandle#release()} it.
     */
    public ChunkHandle acquire(int chunk, int rawLength) throws IOException {
        if (budget < rawLength) {
            // Would be evicted at once: decompress into a private handle and skip the cache.
            ChunkHandle h = new ChunkHandle(chunk, rawLength);
            try {
                loader.load(chunk, h.address(), rawLength);
            } catch (IOException | RuntimeException | Error e) {
                h.release();
                throw e;
            }
            return h;
        }
        for (;;) {
            ChunkHandle[] loadedHere = new ChunkHandle[1];
            ChunkHandle h;
            try {
                h = cache.get(chunk, k -> {
                    ChunkHandle loaded = load(k, rawLength);
                    loaded.retain(); // the caller's reference, taken before eviction can drop the cache's
                    loadedHere[0] = loaded;
                    return loaded;
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (h == loadedHere[0]) {
                return h;
            }
            if (h.retain()) {
                return h;
            }
            // Found a chunk that was evicted and freed before we could retain it: look it up again.
        }
    }

    private ChunkHandle load(int chunk, int rawLength) {
        ChunkHandle h = new ChunkHandle(chunk, rawLength);
        try {
            loader.load(chunk, h.address(), rawLength);
            return h;
        } catch (IOException e) {
            h.release();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            h.release();
            throw e;
        }
    }

    public CacheStats stats() {
        com.github.benmanes.caffeine.cache.stats.CacheStats s = cache.stats();
        long weight = cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
        return new CacheStats(s.hitCount(), s.missCount(), s.evictionCount(), weight, budget);
    }

    /** Drops every cached chunk (memory is freed when readers are done with it). */
    public void invalidateAll() {
        cache.invalidateAll();
        cache.cleanUp();
    }

    @Override
    public void close() {
        invalidateAll();
    }
}
