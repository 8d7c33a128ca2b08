package dev.snapstore.store.internal;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import sun.misc.Unsafe;

/**
 * Native memory and direct buffers over it, for a JVM started without any {@code --add-opens}:
 * {@code sun.misc.Unsafe} is in {@code jdk.unsupported}, which every module may use. A buffer over
 * an address is a duplicate of a zero-length direct buffer whose address and capacity are set, so
 * no constructor of {@code java.nio} has to be opened. (JDK 24+ prints a one-time warning about
 * {@code sun.misc.Unsafe} unless {@code --sun-misc-unsafe-memory-access=allow}; the hashing
 * library the format uses triggers the same one.) Not part of the API. Thread-safe.
 */
public final class NativeMemory {
    private static final Unsafe UNSAFE;
    private static final long ADDRESS;
    private static final long CAPACITY;
    /** Never freed: the duplicates refer to it. */
    private static final ByteBuffer TEMPLATE = ByteBuffer.allocateDirect(0);

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true); // jdk.unsupported opens sun.misc to every module
            UNSAFE = (Unsafe) f.get(null);
            ADDRESS = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
            CAPACITY = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("capacity"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "sun.misc.Unsafe or java.nio.Buffer's fields are not reachable on this JVM "
                            + System.getProperty("java.vm.name") + " " + Runtime.version(), e));
        }
    }

    private NativeMemory() {
    }

    /** {@code bytes} of C heap memory, not zeroed. @throws OutOfMemoryError when there is none */
    public static long allocate(long bytes) {
        return UNSAFE.allocateMemory(bytes);
    }

    /** Frees what {@link #allocate} returned. */
    public static void free(long address) {
        UNSAFE.freeMemory(address);
    }

    /** Sets {@code bytes} bytes from {@code address} to {@code value}. */
    public static void fill(long address, long bytes, byte value) {
        UNSAFE.setMemory(address, bytes, value);
    }

    /** A little-endian direct buffer over {@code [address, address + length)}, which it does not own. */
    public static ByteBuffer wrap(long address, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        ByteBuffer b = TEMPLATE.duplicate();
        UNSAFE.putLong(b, ADDRESS, address);
        UNSAFE.putInt(b, CAPACITY, length);
        b.clear(); // limit = the capacity just set, position 0, no mark
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The native address of a direct buffer's element 0. */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return UNSAFE.getLong(direct, ADDRESS);
    }
}
