package dev.snapstore.store.spi;

import java.nio.ByteBuffer;

import dev.snapstore.store.DirectBuffers;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * What every kind of region shares: a fixed address and size, its mode and why it was chosen,
 * whether it takes writes, and the bounds-checked views over it. Subclasses own the memory, its
 * filling and its release, and say when they are closed.
 *
 * <p>Thread-safety: the state kept here is immutable; every method may be called from any thread.
 */
public abstract class AbstractRegion implements Region {
    private final long address;
    private final long size;
    private final Mode mode;
    private final String reason;
    private final boolean writable;
    /**
     * The Chronicle view, made on the first {@link #bytesStore()}: wrapping loads and initialises
     * Chronicle (its {@code Jvm}, SLF4J, the POSIX bindings through jnr-ffi), measured at 0.3 to
     * 0.6 s in a fresh JVM, which a map that is only read through {@link #read} or {@link #slice}
     * never needs to pay.
     */
    private volatile BytesStore<?, Void> view;

    /**
     * @param address  base address of the image, fixed for the region's life
     * @param size     the image's logical length in bytes
     * @param mode     the mode serving the region (never {@link Mode#AUTO})
     * @param reason   {@link #modeReason()}
     * @param writable whether writes are allowed
     */
    protected AbstractRegion(long address, long size, Mode mode, String reason, boolean writable) {
        this.address = address;
        this.size = size;
        this.mode = mode;
        this.reason = reason;
        this.writable = writable;
    }

    /** Whether {@link #close()} has been called. */
    public abstract boolean isClosed();

    @Override
    public long address() {
        return address;
    }

    @Override
    public final long size() {
        return size;
    }

    @Override
    public final Mode mode() {
        return mode;
    }

    @Override
    public final String modeReason() {
        return reason;
    }

    @Override
    public final boolean writable() {
        return writable;
    }

    @Override
    public final BytesStore<?, Void> bytesStore() {
        ensureOpen();
        BytesStore<?, Void> v = view;
        return v != null ? v : makeView();
    }

    /** One view per region, however many threads ask first. */
    private synchronized BytesStore<?, Void> makeView() {
        if (view == null) {
            view = ChronicleView.wrap(address, size);
        }
        return view;
    }

    @Override
    public final ByteBuffer slice(long offset, int length) {
        ensureOpen();
        return DirectBuffers.slice(address, size, offset, length, writable);
    }

    /** Throws {@link IllegalStateException} once the region is closed. */
    protected final void ensureOpen() {
        if (isClosed()) {
            throw new IllegalStateException("region is closed: " + this);
        }
    }

    /** Throws {@link IndexOutOfBoundsException} unless {@code [offset, offset + length)} lies in the image. */
    protected final void checkRange(long offset, long length) {
        DirectBuffers.checkRange(offset, length, size);
    }
}
