package dev.snapstore.store.linux;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionSegments;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;

/**
 * Run by {@link NoJvmFlagsTest} in a JVM started without any flag: writes a snapshot, maps it in each
 * mode named in the arguments (read-only and writable), reads through ByteBuffer slices (and
 * MemorySegments on JDK 22+), loads, resets and reads the stats. Prints "ok MODE" per mode; exits 1
 * on the first failure.
 */
public final class NoJvmFlagsChild {
    private NoJvmFlagsChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        byte[] data = new byte[(64 + 3) * 65536 + 17]; // >= 64 chunks
        new Random(5).nextBytes(data);
        Path raw = dir.resolve("image.bin");
        Files.write(raw, data);
        Path snap = dir.resolve("image.snap");
        SnapshotWriter.builder().chunkSize(64 << 10).build().write(raw, snap);
        try (Snapshot s = Snapshot.open(snap)) {
            for (int a = 1; a < args.length; a++) {
                Mode mode = Mode.valueOf(args[a]);
                for (boolean writable : new boolean[] {false, true}) {
                    try (Region r = s.map(mode, MapOptions.builder().writable(writable).build())) {
                        check(r, data, writable);
                    }
                }
                System.out.println("ok " + mode + (RegionSegments.isSupported() ? " with segments" : ""));
            }
        }
    }

    private static void check(Region r, byte[] data, boolean writable) throws Exception {
        r.load(0, r.size() / 2);
        for (int off = 0; off < data.length - 4096; off += 65536 + 4095) {
            ByteBuffer b = r.slice(off, 4096);
            for (int i = 0; i < 4096; i += 511) {
                if (b.get(i) != data[off + i]) {
                    throw new AssertionError(r.mode() + ": byte " + (off + i) + " differs");
                }
            }
        }
        ByteBuffer copy = ByteBuffer.allocate(100);
        r.read(data.length - 100, copy);
        for (int i = 0; i < 100; i++) {
            if (copy.get(i) != data[data.length - 100 + i]) {
                throw new AssertionError(r.mode() + ": read() differs at " + i);
            }
        }
        if (writable) {
            r.slice(0, 1).put(0, (byte) (data[0] + 1));
            r.reset();
            if (r.slice(0, 1).get(0) != data[0]) {
                throw new AssertionError(r.mode() + ": reset did not bring the snapshot's byte back");
            }
        }
        if (RegionSegments.isSupported()) {
            // this class is compiled for 17, where of() returns Object: call the JDK 22 version reflectively
            Object seg = RegionSegments.class.getMethod("of", Region.class).invoke(null, r);
            Method byteSize = Class.forName("java.lang.foreign.MemorySegment").getMethod("byteSize");
            if ((long) byteSize.invoke(seg) != r.size()) {
                throw new AssertionError(r.mode() + ": segment size");
            }
        }
        if (r.stats() == null) {
            throw new AssertionError("stats");
        }
        r.checkHealthy();
    }
}
