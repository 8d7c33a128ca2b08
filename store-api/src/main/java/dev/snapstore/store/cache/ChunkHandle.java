package dev.snapstore.store.cache;

import java.util.concurrent.atomic.AtomicInteger;

import dev.snapstore.store.internal.NativeMemory;

/**
 * One decompressed chunk in native memory, reference-counted. The cache holds one reference while
 * the chunk is cached; each reader holds one while it copies. The memory is freed when the count
 * reaches zero, so an evicted chunk outlives its eviction until the last reader is done.
 * Thread-safe.
 */
public final class ChunkHandle {
    private final int chunk;
    private final long address;
    private final int length;
    private final AtomicInteger refs = new AtomicInteger(1);

    ChunkHandle(int chunk, int length) {
        this.chunk = chunk;
        this.length = length;
        this.address = NativeMemory.allocate(Math.max(1, length));
    }

    public int chunk() {
        return chunk;
    }

    /** Address of the decompressed bytes; valid while a reference is held. */
    public long address() {
        return address;
    }

    public int length() {
        return length;
    }

    /** Takes a reference; false when the chunk has already been freed (look it up again). */
    public boolean retain() {
        for (;;) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one frees the memory. */
    public void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            NativeMemory.free(address);
        } else if (n < 0) {
            throw new IllegalStateException("chunk " + chunk + " released more often than retained");
        }
    }

    int refCount() {
        return refs.get();
    }
}
