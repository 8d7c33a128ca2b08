package dev.snapstore.store.spi;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link OffHeapMemory} whose address, size and kind are fixed when it is made and whose
 * {@link #close()} releases it exactly once; subclasses say how in {@link #release()}.
 * Thread-safe.
 */
public abstract class AbstractOffHeapMemory implements OffHeapMemory {
    private final long address;
    private final long size;
    private final String kind;
    private final AtomicBoolean closed = new AtomicBoolean();

    protected AbstractOffHeapMemory(long address, long size, String kind) {
        this.address = address;
        this.size = size;
        this.kind = kind;
    }

    @Override
    public final long address() {
        return address;
    }

    @Override
    public final long size() {
        return size;
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Whether {@link #close()} has been called. */
    protected final boolean isClosed() {
        return closed.get();
    }

    /** Returns the memory to the system; called once, by the first {@link #close()}. */
    protected abstract void release();
}
