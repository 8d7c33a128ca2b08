package dev.snapstore.store.linux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;

import dev.snapstore.store.DirectBuffers;
import dev.snapstore.store.linux.internal.SnapEngine;

/**
 * The snapshot digest's SHA-256 computed by the engine (SHA-NI where the CPU has it)
 * ({@code digest.c}): what {@link LinuxRegionProvider#sha256} answers {@code Snapshot.open} with; and
 * the engine's CRC32C ({@code crc32c.c}), what {@link LinuxRegionProvider#crc32c} answers the chunk
 * decoder with.
 * Thread-safe and stateless.
 */
final class NativeDigest {
    private NativeDigest() {
    }

    /** SHA-256 of {@code first}'s then {@code second}'s remaining bytes, or null without the engine. */
    static byte[] sha256(ByteBuffer first, ByteBuffer second) {
        if (!SnapEngine.isLoaded() || SnapEngine.sn_sha256_available() == 0) {
            return null;
        }
        ByteBuffer a = direct(first);
        ByteBuffer b = direct(second);
        byte[] out = new byte[32];
        int rc = SnapEngine.sn_sha256(DirectBuffers.address(a) + a.position(), a.remaining(),
                DirectBuffers.address(b) + b.position(), b.remaining(), out);
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(b);
        return rc == 0 ? out : null;
    }

    /**
     * CRC32C of a direct buffer's remaining bytes continued from {@code crc} (crc32c.c), unsigned, or
     * -1 without the engine or for a heap buffer.
     */
    static long crc32c(int crc, ByteBuffer b) {
        if (!b.isDirect() || !SnapEngine.isLoaded()) {
            return -1;
        }
        int v = SnapEngine.sn_crc32c_update(crc, DirectBuffers.address(b) + b.position(), b.remaining());
        Reference.reachabilityFence(b);
        return v & 0xffffffffL;
    }

    private static ByteBuffer direct(ByteBuffer b) {
        if (b.isDirect()) {
            return b;
        }
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
        d.put(b.duplicate()).flip();
        return d;
    }
}
