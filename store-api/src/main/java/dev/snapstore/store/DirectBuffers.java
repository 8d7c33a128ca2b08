package dev.snapstore.store;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import net.openhft.chronicle.core.Jvm;

/**
 * Direct {@link ByteBuffer}s over native memory the caller owns, without copying. The buffer does
 * not own the memory: it must not be used after the memory is freed. Thread-safe.
 *
 * <p>Needs {@code --add-opens java.base/java.nio=ALL-UNNAMED} (part of the project's JVM flags).
 */
public final class DirectBuffers {
    private static final MethodHandle NEW_DIRECT;
    private static final boolean LONG_CAPACITY;
    private static final MethodHandle ADDRESS;

    static {
        MethodHandle ctor;
        boolean longCap = false;
        MethodHandle addr;
        try {
            Class<?> cls = Class.forName("java.nio.DirectByteBuffer");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(cls, MethodHandles.lookup());
            try {
                ctor = lookup.findConstructor(cls, MethodType.methodType(void.class, long.class, long.class));
                longCap = true;
            } catch (NoSuchMethodException e) {
                ctor = lookup.findConstructor(cls, MethodType.methodType(void.class, long.class, int.class));
            }
            MethodHandles.Lookup bl = MethodHandles.privateLookupIn(Buffer.class, MethodHandles.lookup());
            addr = bl.findGetter(Buffer.class, "address", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "cannot create direct buffers over native memory; start the JVM with "
                            + "--add-opens java.base/java.nio=ALL-UNNAMED (see the README's JVM flags)", e));
        }
        NEW_DIRECT = ctor;
        LONG_CAPACITY = longCap;
        ADDRESS = addr;
    }

    private DirectBuffers() {
    }

    /** A little-endian direct buffer over {@code [address, address + length)}. */
    public static ByteBuffer wrap(long address, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        try {
            ByteBuffer b = LONG_CAPACITY
                    ? (ByteBuffer) NEW_DIRECT.invoke(address, (long) length)
                    : (ByteBuffer) NEW_DIRECT.invoke(address, length);
            return b.order(ByteOrder.LITTLE_ENDIAN);
        } catch (Throwable t) {
            throw Jvm.rethrow(t);
        }
    }

    /**
     * Checks that {@code [offset, offset + length)} lies inside {@code [0, size)}.
     *
     * @throws IndexOutOfBoundsException naming the range and the size when it does not
     */
    public static void checkRange(long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") outside region of " + size + " bytes");
        }
    }

    /**
     * A little-endian view of {@code [offset, offset + length)} of {@code size} bytes at
     * {@code base}, bounds-checked, read-only unless {@code writable}: what {@link Region#slice}
     * returns.
     */
    public static ByteBuffer slice(long base, long size, long offset, int length, boolean writable) {
        checkRange(offset, length, size);
        ByteBuffer b = wrap(base + offset, length);
        // asReadOnlyBuffer() resets the byte order to big-endian: keep the little-endian of wrap()
        return writable ? b : b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The native address of a direct buffer's element 0. */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        try {
            return (long) ADDRESS.invoke((Buffer) direct);
        } catch (Throwable t) {
            throw Jvm.rethrow(t);
        }
    }
}
