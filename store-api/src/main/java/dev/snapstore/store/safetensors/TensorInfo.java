package dev.snapstore.store.safetensors;

import java.util.Arrays;

/**
 * One entry of a safetensors header: name, element type, shape, and where its bytes are.
 * {@link #offset()} is absolute (from the start of the file, which is also the start of a region
 * mapped from a snapshot packed from the file). Immutable, thread-safe.
 */
public final class TensorInfo {
    private final String name;
    private final Dtype dtype;
    private final long[] shape;
    private final long offset;
    private final long byteSize;
    private final long elements;

    TensorInfo(String name, Dtype dtype, long[] shape, long offset, long byteSize, long elements) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.offset = offset;
        this.byteSize = byteSize;
        this.elements = elements;
    }

    public String name() {
        return name;
    }

    public Dtype dtype() {
        return dtype;
    }

    /** The dimensions (a copy; empty for a scalar). */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** The product of the dimensions (1 for a scalar). */
    public long elementCount() {
        return elements;
    }

    /** Where the tensor's first byte is, from the start of the file. */
    public long offset() {
        return offset;
    }

    /** The tensor's length in bytes. */
    public long byteSize() {
        return byteSize;
    }

    /** One past the tensor's last byte, from the start of the file. */
    public long end() {
        return offset + byteSize;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @" + offset + "+" + byteSize;
    }
}
