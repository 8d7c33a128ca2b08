package dev.snapstore.store.linux;

import java.io.IOException;

import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.LibC;

/**
 * A system call made by store-native failed: carries the call's name, errno and its message.
 * The one place where errno becomes an exception. Immutable.
 */
public final class NativeIoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeIoException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + describe(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** From a {@code -errno} return of the engine (or a positive errno). */
    public static NativeIoException of(String call, long rc) {
        return new NativeIoException(call, (int) Math.abs(rc));
    }

    /** From a JNA call that failed with errno (the raw bindings in {@code …linux.internal} throw these). */
    public static NativeIoException of(String call, com.sun.jna.LastErrorException e) {
        return new NativeIoException(call, e.getErrorCode());
    }

    /** The failing call, e.g. {@code "mmap(hugetlb MAP_PRIVATE)"}. */
    public String call() {
        return call;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** strerror(errno). */
    public String strerror() {
        return describe(errno);
    }

    static String describe(int errno) {
        try {
            return LibC.strerror(errno);
        } catch (LinkageError e) {
            return Errno.name(errno);
        }
    }
}
