package dev.snapstore.store.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * The one place the library touches Chronicle Bytes for a region's memory: {@link dev.snapstore.store.Region#bytesStore()}
 * and {@link dev.snapstore.store.safetensors.TensorView#bytesStore()}.
 * Chronicle needs JVM flags ({@code --add-opens}/{@code --add-exports}, on JDK 23+ two more); nothing
 * else in the library does, so a JVM started without them fails only here, with a message listing
 * them. Thread-safe.
 */
public final class ChronicleView {
    private ChronicleView() {
    }

    /**
     * A Chronicle view of {@code [address, address + size)}, which it does not own.
     *
     * @throws IllegalStateException listing the JVM flags when Chronicle cannot start in this JVM
     */
    public static BytesStore<?, Void> wrap(long address, long size) {
        try {
            return BytesStore.wrap(address, size);
        } catch (LinkageError | RuntimeException e) {
            throw new IllegalStateException("Region.bytesStore() uses Chronicle Bytes, which cannot start in this JVM ("
                    + e + "). Start the JVM with: " + flags(), e);
        }
    }

    /** The flags, as the root pom lists them (written into this module's resources by the build). */
    static String flags() {
        try (InputStream in = ChronicleView.class.getResourceAsStream("chronicle-jvm.flags")) {
            if (in == null) {
                return "the flags in the README's JVM flags section";
            }
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\n");
            String all = lines[0].trim();
            if (lines.length > 1 && Runtime.version().feature() >= 23) {
                all += " " + lines[1].trim();
            }
            return all;
        } catch (IOException e) {
            return "the flags in the README's JVM flags section";
        }
    }
}
