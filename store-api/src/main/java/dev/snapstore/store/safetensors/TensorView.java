package dev.snapstore.store.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.snapstore.store.Region;
import dev.snapstore.store.spi.ChronicleView;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * One tensor of a mapped safetensors file, read in place in its {@link Region} without copying:
 * typed element accessors (little-endian, as the format stores them; F16, BF16 and the F8 types
 * widen to float), a {@link ByteBuffer} view when the tensor is under 2 GiB, and
 * {@link #load()} to fill its pages from native code before they are touched.
 *
 * <p>Element accessors are raw accesses: on a lazy region a chunk that cannot be produced raises
 * an {@link InternalError}, as described on {@link Region}; {@link #read(ByteBuffer)} is the
 * synchronous, typed path. Valid until the region is closed. Thread-safe (reads only; the views
 * are not shared).
 */
public final class TensorView {
    /** Element accessors go through windows of this many bytes (a multiple of every element size). */
    private static final int WINDOW_SHIFT = 30;
    private static final long WINDOW_MASK = (1L << WINDOW_SHIFT) - 1;

    private final Region region;
    private final TensorInfo info;
    private final ByteBuffer[] windows;

    /**
     * A view of {@code info} in {@code region}, whose offset 0 is the start of the safetensors file.
     *
     * @throws IndexOutOfBoundsException when the tensor does not lie inside the region
     */
    public TensorView(Region region, TensorInfo info) {
        if (info.end() > region.size()) {
            throw new IndexOutOfBoundsException("tensor '" + info.name() + "' [" + info.offset() + ", " + info.end()
                    + ") lies outside the region of " + region.size() + " bytes");
        }
        this.region = region;
        this.info = info;
        int n = (int) ((info.byteSize() + WINDOW_MASK) >>> WINDOW_SHIFT);
        this.windows = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            long from = (long) i << WINDOW_SHIFT;
            int len = (int) Math.min(1L << WINDOW_SHIFT, info.byteSize() - from);
            windows[i] = region.slice(info.offset() + from, len).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    public TensorInfo info() {
        return info;
    }

    public String name() {
        return info.name();
    }

    public Dtype dtype() {
        return info.dtype();
    }

    /** The dimensions (a copy). */
    public long[] shape() {
        return info.shape();
    }

    public long elementCount() {
        return info.elementCount();
    }

    public long byteSize() {
        return info.byteSize();
    }

    /** The region this tensor is read from. */
    public Region region() {
        return region;
    }

    /** Where the tensor starts in the region. */
    public long offset() {
        return info.offset();
    }

    /** The tensor's memory address (valid until the region is closed). */
    public long address() {
        return region.address() + info.offset();
    }

    /**
     * A little-endian {@link ByteBuffer} over the whole tensor, read-only unless the region is
     * writable.
     *
     * @throws UnsupportedOperationException when the tensor is 2 GiB or larger: a ByteBuffer's
     *         capacity is an int; use the element accessors, or {@code RegionSegments} on JDK 22+
     */
    public ByteBuffer asByteBuffer() {
        if (info.byteSize() > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("tensor '" + info.name() + "' is " + info.byteSize()
                    + " bytes: a ByteBuffer holds at most 2^31 - 1 (its capacity is an int); read it with the "
                    + "element accessors, or as a MemorySegment through RegionSegments on JDK 22+");
        }
        return region.slice(info.offset(), (int) info.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A Chronicle Bytes view of the tensor, bounds-checked, without copying. Like
     * {@link Region#bytesStore()} this is the one view that needs Chronicle's JVM flags.
     */
    public BytesStore<?, Void> bytesStore() {
        region.bytesStore(); // fails fast on a closed region, with the region's own message
        return ChronicleView.wrap(address(), info.byteSize());
    }

    /** Fills the tensor's pages from native code (no Java thread waits in a fault); see {@link Region#load}. */
    public void load() {
        region.load(info.offset(), info.byteSize());
    }

    /**
     * Copies the tensor's bytes into {@code dst} (which must have room for {@link #byteSize()}) on the
     * synchronous, typed path: a chunk that cannot be produced throws before any byte is copied.
     */
    public void read(ByteBuffer dst) throws IOException {
        if (dst.remaining() < info.byteSize()) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' is " + info.byteSize()
                    + " bytes; the buffer has room for " + dst.remaining());
        }
        region.read(info.offset(), dst.slice().limit((int) info.byteSize()));
        dst.position(dst.position() + (int) info.byteSize());
    }

    /** Byte position of element {@code index} (bounds-checked). */
    private long at(long index) {
        if (index < 0 || index >= info.elementCount()) {
            throw new IndexOutOfBoundsException("element " + index + " outside tensor '" + info.name() + "' of "
                    + info.elementCount() + " elements");
        }
        return index * info.dtype().byteSize();
    }

    private ByteBuffer window(long pos) {
        return windows[(int) (pos >>> WINDOW_SHIFT)];
    }

    /**
     * Element {@code index} (flat, row-major) of a floating-point tensor as a float: F16, BF16 and the
     * F8 types are widened exactly, F64 is rounded.
     *
     * @throws UnsupportedOperationException for integer and BOOL tensors (use {@link #getLong})
     */
    public float getFloat(long index) {
        long pos = at(index);
        ByteBuffer w = window(pos);
        int i = (int) (pos & WINDOW_MASK);
        switch (info.dtype()) {
            case F32:
                return w.getFloat(i);
            case F64:
                return (float) w.getDouble(i);
            case F16:
                return Floats.halfToFloat(w.getShort(i));
            case BF16:
                return Floats.bfloat16ToFloat(w.getShort(i));
            case F8_E5M2:
                return Floats.halfToFloat((short) ((w.get(i) & 0xFF) << 8));
            case F8_E4M3:
                return Floats.e4m3ToFloat(w.get(i));
            case F8_E8M0:
                return Floats.e8m0ToFloat(w.get(i));
            default:
                throw notA("floating-point");
        }
    }

    /** Element {@code index} as a double: F64 exactly, the other floating-point types as {@link #getFloat}. */
    public double getDouble(long index) {
        if (info.dtype() == Dtype.F64) {
            long pos = at(index);
            return window(pos).getDouble((int) (pos & WINDOW_MASK));
        }
        return getFloat(index);
    }

    /**
     * Element {@code index} of an integer or BOOL tensor as a long: signed types sign-extended,
     * unsigned ones zero-extended (U64 above 2^63 - 1 comes back negative, as Java's unsigned longs),
     * BOOL as 0 or 1.
     *
     * @throws UnsupportedOperationException for floating-point tensors (use {@link #getFloat})
     */
    public long getLong(long index) {
        long pos = at(index);
        ByteBuffer w = window(pos);
        int i = (int) (pos & WINDOW_MASK);
        switch (info.dtype()) {
            case I64:
            case U64:
                return w.getLong(i);
            case I32:
                return w.getInt(i);
            case U32:
                return w.getInt(i) & 0xFFFF_FFFFL;
            case I16:
                return w.getShort(i);
            case U16:
                return w.getShort(i) & 0xFFFF;
            case I8:
                return w.get(i);
            case U8:
                return w.get(i) & 0xFF;
            case BOOL:
                return w.get(i) != 0 ? 1 : 0;
            default:
                throw notA("integer or BOOL");
        }
    }

    /** Element {@code index} of a BOOL tensor (any non-zero byte is true). */
    public boolean getBoolean(long index) {
        if (info.dtype() != Dtype.BOOL) {
            throw notA("BOOL");
        }
        long pos = at(index);
        return window(pos).get((int) (pos & WINDOW_MASK)) != 0;
    }

    /** Raw byte {@code byteIndex} of the tensor's data, whatever its dtype. */
    public byte getByte(long byteIndex) {
        if (byteIndex < 0 || byteIndex >= info.byteSize()) {
            throw new IndexOutOfBoundsException("byte " + byteIndex + " outside tensor '" + info.name() + "' of "
                    + info.byteSize() + " bytes");
        }
        return window(byteIndex).get((int) (byteIndex & WINDOW_MASK));
    }

    private UnsupportedOperationException notA(String kind) {
        return new UnsupportedOperationException("tensor '" + info.name() + "' is " + info.dtype() + ", not " + kind);
    }

    @Override
    public String toString() {
        return info.toString();
    }
}
