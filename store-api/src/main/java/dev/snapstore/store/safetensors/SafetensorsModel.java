package dev.snapstore.store.safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * A safetensors model mapped from snapshots packed from its files: one file, or the shards of a
 * sharded checkpoint ({@code model.safetensors.index.json}), seen as one table of tensors. Each
 * shard is a {@link Region} whose offset 0 is the start of the safetensors file, so a tensor is read
 * in place ({@link TensorView}); the headers are read through the snapshots' reader before
 * mapping, so opening touches no page of a lazy region.
 *
 * <pre>{@code
 * try (SafetensorsModel model = SafetensorsModel.open(Path.of("model.safetensors.snap"), Mode.AUTO)) {
 *     model.prefetch(List.of("lm_head.weight"));          // filled in the background, natively
 *     TensorView w = model.tensor("model.embed_tokens.weight");
 *     float x = w.getFloat(0);                             // BF16 widened to float
 * }
 * }</pre>
 *
 * <p>Thread-safety: every method may be called from any thread; {@link #close()} must not race with
 * reads of the tensors' memory (as {@link Region#close()}).
 */
public final class SafetensorsModel implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Prefetch threads wait in native populate calls, never in a fault; idle ones end after a minute. */
    private static final ExecutorService PREFETCH = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "snapstore-prefetch-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** One mapped file of the model. */
    public static final class Shard {
        private final String name;
        private final Snapshot snapshot;
        private final SafetensorsHeader header;
        private final Region region;

        Shard(String name, Snapshot snapshot, SafetensorsHeader header, Region region) {
            this.name = name;
            this.snapshot = snapshot;
            this.header = header;
            this.region = region;
        }

        /** The shard's file name (as the index names it), or the snapshot's file name. */
        public String name() {
            return name;
        }

        public Snapshot snapshot() {
            return snapshot;
        }

        public SafetensorsHeader header() {
            return header;
        }

        public Region region() {
            return region;
        }
    }

    private final List<Shard> shards;
    private final Map<String, Shard> shardOf;
    private final List<TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final boolean ownsSnapshots;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsModel(List<Shard> shards, Map<String, Shard> shardOf, Map<String, String> metadata,
                             boolean ownsSnapshots) {
        this.shards = List.copyOf(shards);
        this.shardOf = shardOf;
        List<TensorInfo> all = new ArrayList<>();
        shardOf.forEach((name, s) -> all.add(s.header().tensor(name)));
        this.tensors = Collections.unmodifiableList(all);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.ownsSnapshots = ownsSnapshots;
    }

    /** {@link #open(Path, Mode, MapOptions)} with default options. */
    public static SafetensorsModel open(Path snapshotFile, Mode mode) throws IOException {
        return open(snapshotFile, mode, MapOptions.defaults());
    }

    /**
     * Opens a snapshot packed from a safetensors file, validates the header it holds and maps it.
     * Closing the model closes the region and the snapshot.
     *
     * @throws SafetensorsException when the packed file is not valid safetensors (names the snapshot
     *         and the tensor)
     */
    public static SafetensorsModel open(Path snapshotFile, Mode mode, MapOptions options) throws IOException {
        Snapshot snap = Snapshot.open(snapshotFile);
        try {
            return map(snap, mode, options, true);
        } catch (IOException | RuntimeException | Error e) {
            snap.close();
            throw e;
        }
    }

    /**
     * Maps an open snapshot packed from a safetensors file. Closing the model closes the region, not
     * the snapshot.
     */
    public static SafetensorsModel map(Snapshot snapshot, Mode mode, MapOptions options) throws IOException {
        return map(snapshot, mode, options, false);
    }

    private static SafetensorsModel map(Snapshot snap, Mode mode, MapOptions options, boolean owns) throws IOException {
        SafetensorsHeader header = SafetensorsHeader.read(snap);
        Region region = snap.map(mode, options);
        Shard shard = new Shard(String.valueOf(snap.path().getFileName()), snap, header, region);
        Map<String, Shard> of = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            of.put(t.name(), shard);
        }
        return new SafetensorsModel(List.of(shard), of, header.metadata(), owns);
    }

    /**
     * Opens a sharded checkpoint: each shard named by {@code index} is the snapshot packed from it,
     * found at the shard's path with {@code .snap} appended ({@code snapstore pack
     * model-00001-of-00002.safetensors model-00001-of-00002.safetensors.snap}).
     */
    public static SafetensorsModel openSharded(Path indexFile, Mode mode, MapOptions options) throws IOException {
        SafetensorsIndex index = SafetensorsIndex.read(indexFile);
        return openSharded(index, shard -> index.shardPath(shard + ".snap"), mode, options);
    }

    /**
     * Opens a sharded checkpoint, finding shard {@code name}'s snapshot at {@code snapshotOf.apply(name)}.
     * Every tensor of the weight map must be in the shard the index names, with a valid header.
     *
     * @throws SafetensorsException of kind INDEX naming the index, the tensor and the shard when a
     *         tensor is not where the index says; other kinds for a shard that is not valid
     */
    public static SafetensorsModel openSharded(SafetensorsIndex index, Function<String, Path> snapshotOf, Mode mode,
                                               MapOptions options) throws IOException {
        List<Shard> shards = new ArrayList<>();
        try {
            Map<String, Shard> byName = new LinkedHashMap<>();
            for (String name : index.shards()) {
                Snapshot snap = Snapshot.open(snapshotOf.apply(name));
                SafetensorsHeader header;
                try {
                    header = SafetensorsHeader.read(snap);
                } catch (IOException | RuntimeException e) {
                    snap.close();
                    throw e;
                }
                Shard s = new Shard(name, snap, header, null);
                shards.add(s);
                byName.put(name, s);
            }
            Map<String, Shard> of = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                Shard s = byName.get(e.getValue());
                if (s.header().find(e.getKey()) == null) {
                    throw new SafetensorsException(index.file(), e.getKey(), SafetensorsException.Kind.INDEX,
                            "the index maps it to shard " + e.getValue() + ", which does not hold it");
                }
                of.put(e.getKey(), s);
            }
            // headers all valid: only now map, so a bad shard costs no region
            for (int i = 0; i < shards.size(); i++) {
                Shard s = shards.get(i);
                Shard mapped = new Shard(s.name(), s.snapshot(), s.header(), s.snapshot().map(mode, options));
                shards.set(i, mapped);
                of.replaceAll((t, old) -> old == s ? mapped : old);
            }
            return new SafetensorsModel(shards, of, index.metadata(), true);
        } catch (IOException | RuntimeException | Error e) {
            for (Shard s : shards) {
                if (s.region() != null) {
                    s.region().close();
                }
                s.snapshot().close();
            }
            throw e;
        }
    }

    /** Every tensor, shard by shard, each in data order (a sharded model: as the index lists them). */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** The model's shards (one for a single file). */
    public List<Shard> shards() {
        return shards;
    }

    /** The single file's {@code __metadata__}, or a sharded index's {@code metadata}. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Whether the model has a tensor called {@code name}. */
    public boolean contains(String name) {
        return shardOf.containsKey(name);
    }

    /**
     * A view of tensor {@code name}, read in place.
     *
     * @throws NoSuchElementException naming the tensor when the model has none of that name
     */
    public TensorView tensor(String name) {
        ensureOpen();
        Shard s = shard(name);
        return new TensorView(s.region(), s.header().tensor(name));
    }

    private Shard shard(String name) {
        Shard s = shardOf.get(name);
        if (s == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in " + describe());
        }
        return s;
    }

    /**
     * Fills the named tensors' pages now, from native code with many faults in flight (see
     * {@link Region#load}); adjacent tensors are filled as one range.
     *
     * @throws NoSuchElementException before filling anything when a name is not a tensor
     * @throws UncheckedIOException   wrapping a CorruptSnapshotException when a chunk cannot be produced
     */
    public void load(Collection<String> names) {
        for (Range r : ranges(names)) {
            r.shard.region().load(r.from, r.to - r.from);
        }
    }

    /**
     * Fills the named tensors' pages in the background: each contiguous range is loaded by a daemon
     * thread waiting in a native populate call (many faults in flight, no Java thread inside a fault).
     * The future completes when every range is filled, or exceptionally with the first failure.
     *
     * @throws NoSuchElementException at once when a name is not a tensor
     */
    public CompletableFuture<Void> prefetch(Collection<String> names) {
        List<Range> ranges = ranges(names);
        CompletableFuture<?>[] parts = new CompletableFuture<?>[ranges.size()];
        for (int i = 0; i < parts.length; i++) {
            Range r = ranges.get(i);
            parts[i] = CompletableFuture.runAsync(() -> r.shard.region().load(r.from, r.to - r.from), PREFETCH);
        }
        return CompletableFuture.allOf(parts);
    }

    /** {@link #prefetch(Collection)} of the given names. */
    public CompletableFuture<Void> prefetch(String... names) {
        return prefetch(Arrays.asList(names));
    }

    private static final class Range {
        final Shard shard;
        final long from;
        long to;

        Range(Shard shard, long from, long to) {
            this.shard = shard;
            this.from = from;
            this.to = to;
        }
    }

    /** The named tensors' byte ranges, sorted per shard, touching ones merged. */
    private List<Range> ranges(Collection<String> names) {
        ensureOpen();
        List<TensorInfo> infos = new ArrayList<>();
        List<Shard> owners = new ArrayList<>();
        for (String n : names) {
            Shard s = shard(n);
            infos.add(s.header().tensor(n));
            owners.add(s);
        }
        Integer[] order = new Integer[infos.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Integer.compare(shards.indexOf(owners.get(a)), shards.indexOf(owners.get(b)));
            return c != 0 ? c : Long.compare(infos.get(a).offset(), infos.get(b).offset());
        });
        List<Range> out = new ArrayList<>();
        Range cur = null;
        for (int i : order) {
            TensorInfo t = infos.get(i);
            if (t.byteSize() == 0) {
                continue;
            }
            if (cur != null && cur.shard == owners.get(i) && t.offset() <= cur.to) {
                cur.to = Math.max(cur.to, t.end());
            } else {
                cur = new Range(owners.get(i), t.offset(), t.end());
                out.add(cur);
            }
        }
        return out;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("model is closed: " + describe());
        }
    }

    private String describe() {
        return shards.size() == 1 ? String.valueOf(shards.get(0).snapshot().path())
                : shards.size() + " shards (" + shards.get(0).name() + ", ...)";
    }

    /** Closes the regions, and the snapshots the model opened; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Shard s : shards) {
            s.region().close();
            if (ownsSnapshots) {
                s.snapshot().close();
            }
        }
    }

    @Override
    public String toString() {
        return "SafetensorsModel[" + describe() + ", " + tensors.size() + " tensors]";
    }
}
