package dev.snapstore.store.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.TestData;

/**
 * Prints the engine's numbers in one run (not a test; timings are never asserted): map cost,
 * cold sequential touch vs EAGER restore, warm (MINOR) touch vs a page-cached FileChannel.map,
 * 5% random touch, and fault latency from the native histogram. Store-bench owns the tracked
 * benchmarks; this is the engine author's quick check. Usage: {@code EngineNumbers DIR [MiB] [codec]}.
 */
public final class EngineNumbers {
    private EngineNumbers() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        Codec codec = args.length > 2 ? Codec.valueOf(args[2]) : Codec.LZ4;
        Path raw = dir.resolve("numbers-" + mib + ".bin");
        Path snap = dir.resolve("numbers-" + mib + "." + codec + ".snap");
        if (!Files.exists(snap)) {
            try (OutputStream out = Files.newOutputStream(raw)) {
                for (long done = 0; done < mib; done += 64) {
                    out.write(TestData.mixed(64 << 20, done));
                }
            }
            SnapshotWriter.builder().codec(codec).threads(2).build().write(raw, snap);
        }
        NativeTestSupport.ensureHugepages();
        try (Snapshot s = Snapshot.open(snap)) {
            long len = s.length();
            System.out.printf("image %d MiB, %s, %d chunks of %d KiB, stored %d MiB%n", len >> 20, codec, s.chunkCount(),
                    s.chunkSize() >> 10, s.storedBytes() >> 20);
            double eager = 1e9;
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                try (Region e = s.map(Mode.EAGER, MapOptions.builder().eagerThreads(2).build())) {
                    eager = Math.min(eager, (System.nanoTime() - t0) / 1e9);
                }
            }
            System.out.printf("EAGER restore (2 threads): %.3f s = %.2f GB/s%n", eager, len / eager / 1e9);
            plainMmap(raw, len);
            mapCost(s);
            for (Mode mode : new Mode[] {Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS}) {
                for (boolean writable : new boolean[] {true, false}) {
                    if (mode == Mode.ANONYMOUS && !writable) {
                        continue;
                    }
                    lazy(s, mode, writable, eager);
                }
            }
        }
    }

    private static void mapCost(Snapshot s) throws Exception {
        for (Mode mode : new Mode[] {Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS}) {
            MapOptions o = MapOptions.builder().writable(mode != Mode.HUGETLB).resolverThreads(2).build();
            long viaSnapshot = Long.MAX_VALUE;
            long direct = Long.MAX_VALUE;
            long close = Long.MAX_VALUE;
            for (int i = 0; i < 30; i++) {
                long t0 = System.nanoTime();
                Region r = s.map(mode, o);
                long t1 = System.nanoTime();
                r.close();
                long t2 = System.nanoTime();
                Region d = LazyRegion.map(s, mode, o, "bench");
                long t3 = System.nanoTime();
                d.close();
                viaSnapshot = Math.min(viaSnapshot, t1 - t0);
                direct = Math.min(direct, t3 - t2);
                close = Math.min(close, t2 - t1);
            }
            System.out.printf("map cost %-9s: Snapshot.map %.0f us, LazyRegion.map %.0f us, close %.1f ms (best of 30)%n",
                    mode, viaSnapshot / 1e3, direct / 1e3, close / 1e6);
        }
    }

    private static void plainMmap(Path raw, long len) throws IOException {
        if (!Files.exists(raw)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
            double best = 1e9;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                long sum = 0;
                for (long off = 0; off < len; off += 1L << 30) {
                    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, off, Math.min(1L << 30, len - off));
                    sum += touch(m, m.capacity());
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                if (sum == 42) {
                    System.out.print("");
                }
            }
            System.out.printf("plain FileChannel.map of the raw file (page cache warm): %.3f s = %.2f GB/s%n", best, len / best / 1e9);
        }
    }

    private static long touch(ByteBuffer b, long len) {
        long sum = 0;
        for (int off = 0; off < len; off += 4096) {
            sum += b.get(off);
        }
        return sum;
    }

    private static void lazy(Snapshot s, Mode mode, boolean writable, double eager) throws Exception {
        long len = s.length();
        MapOptions o = MapOptions.builder().writable(writable).resolverThreads(2).build();
        long t0 = System.nanoTime();
        Region r;
        try {
            r = s.map(mode, o);
        } catch (UnsupportedOperationException e) {
            System.out.println(mode + ": " + e.getMessage());
            return;
        }
        try (r) {
            double mapUs = (System.nanoTime() - t0) / 1e3;
            ByteBuffer view = r.slice(0, (int) Math.min(len, Integer.MAX_VALUE));
            t0 = System.nanoTime();
            touch(view, view.capacity());
            double cold = (System.nanoTime() - t0) / 1e9;
            RegionStats c = r.stats();
            r.reset();
            t0 = System.nanoTime();
            touch(view, view.capacity());
            double warm = (System.nanoTime() - t0) / 1e9;
            RegionStats w = r.stats();
            // 4 KiB faults on chunks already in the file / decompressed: reset, touch random pages
            r.reset();
            RegionStats before = r.stats();
            SplittableRandom rnd = new SplittableRandom(1);
            for (int i = 0; i < 2000; i++) {
                view.get((int) (rnd.nextLong(view.capacity()) & ~4095L));
            }
            RegionStats after = r.stats();
            long[] h = delta(after.faultLatencyNanos(), before.faultLatencyNanos());
            RegionStats lat = new RegionStats(mode, 0, 0, 0, 0, 0, 0, 0, 0, h);
            System.out.printf("%-9s %s map %.0f us | cold seq touch %.3f s = %.2f GB/s (%.2fx EAGER), p50 %d us p99 %d us"
                            + " | warm touch %.3f s = %.2f GB/s (%.1fx cold) | warm random 4 KiB fault p50 %.1f us p99 %.1f us%n",
                    mode, writable ? "rw" : "ro", mapUs, cold, len / cold / 1e9, eager / cold,
                    c.faultLatencyPercentileNanos(0.5) / 1000, c.faultLatencyPercentileNanos(0.99) / 1000,
                    warm, len / warm / 1e9, cold / warm,
                    lat.faultLatencyPercentileNanos(0.5) / 1000.0, lat.faultLatencyPercentileNanos(0.99) / 1000.0);
            if (w.errors() != 0) {
                System.out.println("  errors: " + w.asMap());
            }
        }
        // 5% of chunks at random, cold
        try (Region r2 = s.map(mode, o)) {
            ByteBuffer view = r2.slice(0, (int) Math.min(len, Integer.MAX_VALUE));
            SplittableRandom rnd = new SplittableRandom(5);
            int chunks = s.chunkCount();
            int n = Math.max(1, chunks / 20);
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long c = rnd.nextInt(chunks);
                long base = c * s.chunkSize();
                long end = Math.min(len, base + s.chunkSize());
                for (long off = base; off < end && off < view.capacity(); off += 4096) {
                    view.get((int) off);
                }
            }
            double t = (System.nanoTime() - t0) / 1e9;
            System.out.printf("          5%% random chunks cold: %.3f s = %.1f%% of EAGER%n", t, 100 * t / eager);
        }
    }

    private static long[] delta(long[] a, long[] b) {
        long[] d = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - (i < b.length ? b[i] : 0);
        }
        return d;
    }
}
