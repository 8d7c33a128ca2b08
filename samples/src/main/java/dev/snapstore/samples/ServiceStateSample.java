package dev.snapstore.samples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import dev.snapstore.store.Codec;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * A service that keeps an off-heap hash index (open addressing, long keys to long values) and
 * restores it at start-up from a snapshot instead of rebuilding it: the first lookup is served
 * microseconds after {@code map}, and only the slots lookups touch are ever decompressed.
 *
 * <p>Run: {@code java $(cat store-cli/target/jvm.flags) -cp samples/target/samples.jar
 * dev.snapstore.samples.ServiceStateSample [entries]}
 */
public final class ServiceStateSample {

    /** A fixed-capacity open-addressing table of 16-byte slots (key, value); key 0 is "empty". */
    static final class LongIndex {
        final BytesStore<?, ?> store;
        final long slots;

        LongIndex(BytesStore<?, ?> store) {
            this.store = store;
            this.slots = store.capacity() / 16;
        }

        static long bytesFor(long entries) {
            long slots = Long.highestOneBit(Math.max(2, entries * 2 - 1)) << 1; // load factor <= 0.5
            return slots * 16;
        }

        private long slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (h ^ (h >>> 29)) & (slots - 1);
        }

        void put(long key, long value) {
            if (key == 0) {
                throw new IllegalArgumentException("key 0 is reserved");
            }
            for (long s = slot(key); ; s = (s + 1) & (slots - 1)) {
                long k = store.readLong(s * 16);
                if (k == 0 || k == key) {
                    store.writeLong(s * 16, key);
                    store.writeLong(s * 16 + 8, value);
                    return;
                }
            }
        }

        /** The value, or -1 when absent. */
        long get(long key) {
            for (long s = slot(key); ; s = (s + 1) & (slots - 1)) {
                long k = store.readLong(s * 16);
                if (k == key) {
                    return store.readLong(s * 16 + 8);
                }
                if (k == 0) {
                    return -1;
                }
            }
        }
    }

    static long valueOf(long key) {
        return key * 31 + 7;
    }

    public static void main(String[] args) throws Exception {
        long entries = args.length > 0 ? Long.parseLong(args[0]) : 8_000_000;
        Path dir = Files.createTempDirectory("snapstore-service");
        Path snap = dir.resolve("index.snap");
        try {
            long t0 = System.nanoTime();
            BytesStore<?, Void> built = BytesStore.nativeStoreWithFixedCapacity(LongIndex.bytesFor(entries));
            try {
                built.zeroOut(0, built.capacity());
                LongIndex index = new LongIndex(built);
                for (long k = 1; k <= entries; k++) {
                    index.put(k, valueOf(k));
                }
                long buildNs = System.nanoTime() - t0;
                t0 = System.nanoTime();
                SnapshotWriter.WriteResult r = SnapshotWriter.builder().codec(Codec.LZ4).build().write(built, snap);
                System.out.printf("built %,d entries (%,d MiB) in %d ms; packed to %,d MiB in %d ms%n",
                        entries, built.capacity() >> 20, buildNs / 1_000_000, r.fileBytes() >> 20,
                        (System.nanoTime() - t0) / 1_000_000);
            } finally {
                built.releaseLast();
            }

            // A new "process start": restore and serve lookups at once.
            try (Snapshot s = Snapshot.open(snap)) {
                t0 = System.nanoTime();
                try (Region region = s.map(Mode.AUTO, MapOptions.builder().readOnly().build())) {
                    long mapNs = System.nanoTime() - t0;
                    LongIndex index = new LongIndex(region.bytesStore());
                    SplittableRandom rnd = new SplittableRandom(1);
                    long first = System.nanoTime();
                    long v = index.get(1 + rnd.nextLong(entries));
                    long firstNs = System.nanoTime() - first;
                    int lookups = 100_000;
                    t0 = System.nanoTime();
                    for (int i = 0; i < lookups; i++) {
                        long k = 1 + rnd.nextLong(entries);
                        if (index.get(k) != valueOf(k)) {
                            throw new AssertionError("wrong value for key " + k);
                        }
                    }
                    long lookNs = System.nanoTime() - t0;
                    if (index.get(entries + 1) != -1 || v < 0) {
                        throw new AssertionError("index restored wrongly");
                    }
                    System.out.printf("restored in %s (%s): map %.3f ms, first lookup %.1f us, %,d lookups %.1f ms (%.2f us each)%n",
                            region.mode(), region.modeReason(), mapNs / 1e6, firstNs / 1e3, lookups, lookNs / 1e6,
                            lookNs / 1e3 / lookups);
                    System.out.println("region stats: " + region.stats().asMap());
                }
            }
        } finally {
            Files.deleteIfExists(snap);
            Files.deleteIfExists(dir);
        }
    }
}
