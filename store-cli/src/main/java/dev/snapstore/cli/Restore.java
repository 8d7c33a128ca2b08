package dev.snapstore.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.FileIo;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.MemoryUsage;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.SyntheticImage;

/**
 * One timed restore: open the snapshot, map it, touch it, optionally hash it through the region's
 * memory, and take the process's memory before and after. Used by {@code restore} and {@code demo}.
 */
final class Restore {
    private Restore() {
    }

    /** What to do. {@code touch} is a plan spec (none, seq, random:P%). */
    record Request(SnapshotArgument file, Mode mode, MapOptions options, String touch, long seed, int touchThreads,
                   boolean sha256, boolean progress) {
    }

    /** What happened; times in nanoseconds; {@code stats} and memory as they were after the touch. */
    record Result(String file, long length, int chunkSize, int chunkCount, Mode requested, Mode mode,
                  String modeReason, long openNanos, long mapNanos, String touchName, int touchThreads,
                  RegionReader.TouchResult touch, String sha256, long shaNanos, MemoryUsage before,
                  MemoryUsage afterTouch, MemoryUsage afterSha, RegionStats stats, RegionStats statsAfterSha,
                  String profile) {

        long readyNanos() {
            return openNanos + mapNanos;
        }

        double touchGbps() {
            return Sizes.gbPerSecond(touch.bytes(), touch.nanos());
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = Json.object("file", file.toString(), "mode", mode, "mode_requested", requested,
                    "mode_reason", modeReason, "length", length, "chunk_size", chunkSize, "chunk_count", chunkCount,
                    "snapshot_open_ms", Sizes.millis(openNanos), "map_ms", Sizes.millis(mapNanos),
                    "open_ms", Sizes.millis(readyNanos()), "touch", touchName, "touch_threads", touchThreads,
                    "touch_chunks", touch.chunks(), "touch_pages", touch.pages(), "touch_bytes", touch.bytes(),
                    "touch_ms", Sizes.millis(touch.nanos()), "touch_gbps", Sizes.round(touchGbps(), 3),
                    "sha256", sha256, "sha256_ms", sha256 == null ? null : Sizes.millis(shaNanos));
            // Memory after the touch (before hashing, which reads everything).
            m.putAll(afterTouch.asMap(before));
            if (afterSha != null) {
                long d = afterSha.footprintSince(before);
                m.put("memory_added_after_sha256_bytes", d == Long.MIN_VALUE ? null : d);
            }
            m.put("profile", profile);
            m.put("region", stats.asMap()); // after the touch, like the memory figures
            if (statsAfterSha != null) {
                m.put("region_after_sha256", statsAfterSha.asMap());
            }
            return m;
        }
    }

    static Result run(Request rq) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        try (Snapshot s = rq.file().open()) {
            long t1 = System.nanoTime();
            // Memory is measured from here: what the region adds, not the JVM's own start-up.
            MemoryUsage before = MemoryUsage.current();
            long tMap = System.nanoTime();
            Region region;
            Mode requested = rq.mode();
            String fallback = null;
            boolean mayBeEager = requested == Mode.EAGER || requested == Mode.AUTO;
            try (Progress p = progressFor(rq, mayBeEager, "restore", s.length())) {
                MapOptions options = rq.progress() ? rq.options().toBuilder().progress(p).build() : rq.options();
                try {
                    region = s.map(requested, options);
                } catch (ModeUnavailableException e) {
                    if (requested != Mode.AUTO) {
                        throw e;
                    }
                    // AUTO always has EAGER to fall back on.
                    fallback = Main.oneLine(e.getMessage());
                    region = s.map(Mode.EAGER, options);
                }
            }
            long t2 = System.nanoTime();
            try (Region r = region) {
                RegionReader.TouchPlan plan = RegionReader.TouchPlan.parse(rq.touch(), s.chunkCount(), rq.seed());
                RegionReader.TouchResult touch;
                try (Progress p = progressFor(rq, true, "touch", (long) plan.chunks.length * s.chunkSize())) {
                    touch = RegionReader.touch(r, s.chunkSize(), plan, rq.touchThreads(), p);
                } catch (InternalError e) {
                    throw poisoned(s.location(), r, e);
                } catch (java.io.UncheckedIOException e) {
                    throw e.getCause(); // load(): the typed error, naming the chunk
                }
                MemoryUsage afterTouch = MemoryUsage.current();
                RegionStats statsAfterTouch = r.stats();
                // HotSpot may raise the InternalError of a poisoned page after the access that hit it;
                // the region's own count of chunks it could not produce is the reliable signal.
                checkNoErrors(s.location(), r, statsAfterTouch);
                String sha = null;
                long shaNanos = 0;
                MemoryUsage afterSha = null;
                if (rq.sha256()) {
                    long t3 = System.nanoTime();
                    try (Progress p = progressFor(rq, true, "sha256", s.length())) {
                        sha = FileIo.hex(RegionReader.sha256(r, s.chunkSize(), p));
                    } catch (InternalError e) {
                        throw poisoned(s.location(), r, e);
                    }
                    shaNanos = System.nanoTime() - t3;
                    afterSha = MemoryUsage.current();
                    checkNoErrors(s.location(), r, r.stats());
                }
                String profile = profileNote(r);
                if (rq.options().recordProfile() && r.mode().isLazy()) {
                    int chunks = r.recordedProfile().length;
                    Path written = r.recordProfile();
                    profile = "recorded " + chunks + " chunks in first-touch order to " + written;
                }
                String reason = r.modeReason();
                if (fallback != null) {
                    reason = "auto fell back to eager: " + fallback;
                }
                return new Result(s.location(), s.length(), s.chunkSize(), s.chunkCount(), requested, r.mode(), reason,
                        t1 - t0, t2 - tMap, plan.name, rq.touchThreads(), touch, sha, shaNanos, before, afterTouch,
                        afterSha, statsAfterTouch, sha == null ? null : r.stats(), profile);
            }
        }
    }

    /**
     * Pays what a process pays once, before anything is timed: class loading (Chronicle, the codecs),
     * the JIT's first compilations of the read path, the native library, and the engine's and the
     * allocator's start-up. Opens {@code file} and decompresses its first chunk, then restores a
     * one-chunk snapshot of the same chunk size, written to a temporary file, in each of
     * {@code modes} (AUTO stands for every mode), touching all of it. Modes that are not available
     * are skipped: the timed run reports them. The warm-up maps without {@code options}' warm
     * cache: its one-chunk snapshot must leave no file in the user's warm-cache directory.
     *
     * @return how long that took, in nanoseconds
     */
    static long warmUp(SnapshotArgument file, java.util.Collection<Mode> modes, MapOptions options) throws IOException {
        long t = System.nanoTime();
        MapOptions noWarmCache = options.toBuilder().warmCache(null).build();
        java.util.Set<Mode> wanted = java.util.EnumSet.noneOf(Mode.class);
        for (Mode m : modes) {
            if (m == Mode.AUTO) {
                wanted.addAll(java.util.EnumSet.of(Mode.HUGETLB, Mode.SHMEM, Mode.ANONYMOUS, Mode.EAGER));
            } else {
                wanted.add(m);
            }
        }
        int chunkSize;
        dev.snapstore.store.Codec codec = dev.snapstore.store.Codec.LZ4;
        try (Snapshot s = file.open()) {
            chunkSize = s.chunkSize();
            for (int i = 0; i < s.chunkCount(); i++) {
                if (!s.index().isZero(i)) {
                    s.decompressChunk(i, java.nio.ByteBuffer.allocateDirect(chunkSize));
                    codec = s.index().codec(i);
                    break;
                }
            }
        }
        Path dir = java.nio.file.Files.createTempDirectory("snapstore-warm-up-");
        try {
            Path tiny = dir.resolve("one-chunk.snap");
            byte[] content = new byte[chunkSize];
            new SyntheticImage(1, chunkSize).page(0, content, chunkSize);
            dev.snapstore.store.SnapshotWriter.builder().codec(codec).chunkSize(chunkSize).threads(1).build()
                    .write(new java.io.ByteArrayInputStream(content), tiny, "warm-up");
            try (Snapshot s = Snapshot.open(tiny)) {
                for (Mode m : wanted) {
                    try (Region r = s.map(m, noWarmCache)) {
                        RegionReader.touch(r, chunkSize, RegionReader.TouchPlan.sequential(s.chunkCount()), 1,
                                Progress.none());
                    } catch (ModeUnavailableException e) {
                        // reported by the timed run
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while warming up");
                    }
                }
            }
        } finally {
            FileIo.deleteTree(dir);
        }
        return System.nanoTime() - t;
    }

    /** What profile replay did (lazy regions with Prefetch.PROFILE), or null. */
    private static String profileNote(Region r) {
        if (r instanceof dev.snapstore.store.linux.LazyRegion lr && !lr.profileNote().isEmpty()) {
            return lr.profileNote() + "; " + lr.replayedUnits() + " units replayed by the end of the touch";
        }
        return null;
    }

    private static Progress progressFor(Request rq, boolean wanted, String task, long total) {
        return rq.progress() && wanted ? Progress.start(task, total) : Progress.none();
    }

    private static void checkNoErrors(String file, Region r, RegionStats stats) throws CorruptSnapshotException {
        if (stats.errors() > 0) {
            throw new CorruptSnapshotException(file, -1, "the " + r.mode().name().toLowerCase(java.util.Locale.ROOT)
                    + " region could not produce " + stats.errors() + " chunk(s); their pages were poisoned, "
                    + "never served");
        }
    }

    /** A page the engine could not produce: the region poisoned it rather than serve wrong bytes. */
    private static CorruptSnapshotException poisoned(String file, Region r, InternalError e) {
        long errors = -1;
        try {
            errors = r.stats().errors();
        } catch (RuntimeException ignored) {
            // the count is a courtesy
        }
        return new CorruptSnapshotException(file, -1, "a page of the " + r.mode().name().toLowerCase(java.util.Locale.ROOT)
                + " region could not be produced (" + Main.oneLine(e.getMessage()) + ")"
                + (errors >= 0 ? "; region errors: " + errors : ""), e);
    }
}
