package dev.snapstore.store.linux.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Raw binding of the few libc calls outside {@code sys/mman.h} that store-native needs
 * ({@code unistd.h}, {@code string.h}). JNA direct mapping. Thread-safe.
 */
public final class LibC {
    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    /** unistd.h */
    public static native int geteuid();

    /** unistd.h */
    public static native int getpid();

    /** string.h: the message of an errno value (glibc returns a static or thread-local string). */
    public static native String strerror(int errnum);
}
