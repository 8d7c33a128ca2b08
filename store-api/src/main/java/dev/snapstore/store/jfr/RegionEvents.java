package dev.snapstore.store.jfr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.RegionStats;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Where snapstore's JFR events come from. Every event is emitted on a Java thread from counters the
 * native engine keeps anyway, never on the fault path and never once per fault:
 *
 * <ul>
 *   <li>{@link RegionMapEvent} when {@code Snapshot.map} returns (its duration is the map);</li>
 *   <li>{@link RegionStatisticsEvent}, {@link ChunkFillEvent}, {@link EvictionEvent} and
 *       {@link RegionErrorEvent} are JFR periodic events: at each tick (1 s by default, the
 *       recording's {@code period} setting otherwise) one hook per type reads {@link Region#stats()}
 *       of every open region and emits the totals, the differences since that region's previous
 *       event, or the first error; and once more when a region closes, so a short-lived region's
 *       fills, evictions and errors are not lost.</li>
 * </ul>
 *
 * <p>Open regions are held weakly: a region dropped without {@code close()} stops being sampled
 * when it is collected. The hooks cost a map insertion per {@code map}; with no recording running,
 * nothing else: until a recording initializes the flight recorder, no event class is even loaded
 * (loading one, or registering a periodic event, initializes JFR: 0.5 to 1.3 s measured here).
 *
 * <p>The static methods are the hooks of the region implementations (store-api's
 * {@code Snapshot.map}, the regions' {@code close()}); users enable the events in a recording
 * ({@code -XX:StartFlightRecording}, or {@code jdk.jfr.Recording#enable("snapstore.ChunkFill")})
 * and need not call anything here. A JVM without the {@code jdk.jfr} module gets no events and
 * pays nothing. Thread-safe.
 */
public final class RegionEvents {
    /** {@code -Dsnapstore.jfr=false} turns the hooks off (to measure what they cost). */
    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr").isPresent()
            && Boolean.parseBoolean(System.getProperty("snapstore.jfr", "true"));
    private static final Map<Region, Tracked> OPEN = Collections.synchronizedMap(new WeakHashMap<>());
    private static final AtomicBoolean HOOKS_REQUESTED = new AtomicBoolean();
    /** How long after the first map the JFR listener is registered (see {@link #installHooks}). */
    static final long LISTENER_DELAY_MS = 250;

    private RegionEvents() {
    }

    /** The start of a {@code map}, handed back to {@link #mapped}. */
    public static final class MapTiming {
        private final long startNanos = System.nanoTime();
        private final Object event; // a RegionMapEvent, begun; null without jdk.jfr

        private MapTiming(Object event) {
            this.event = event;
        }
    }

    /**
     * Loads and initialises what {@link #beginMap} and {@link #mapped} use, but registers nothing
     * and initialises no recorder: {@code Snapshot.open}'s engine start calls it on its own thread,
     * so a fresh JVM's first map does not load these classes on the caller's.
     */
    public static void prepare() {
        if (AVAILABLE) {
            FlightRecorder.isInitialized();
        }
    }

    /** Called by {@code Snapshot.map} before it maps. */
    public static MapTiming beginMap() {
        if (!AVAILABLE || !FlightRecorder.isInitialized()) {
            return new MapTiming(null); // no recording can run: not even an event class is loaded
        }
        RegionMapEvent e = new RegionMapEvent();
        e.begin();
        return new MapTiming(e);
    }

    /**
     * Called by {@code Snapshot.map} with the region it returns: emits {@link RegionMapEvent} and
     * starts sampling the region.
     */
    public static void mapped(MapTiming timing, String snapshot, Mode requested, MapOptions options, Region region) {
        if (!AVAILABLE) {
            return;
        }
        installHooks();
        long nanos = System.nanoTime() - timing.startNanos;
        RegionMapEvent e = (RegionMapEvent) timing.event;
        if (e != null) {
            e.end();
        }
        if (e != null && e.shouldCommit()) {
            e.snapshot = snapshot;
            e.mode = region.mode().name();
            e.requestedMode = requested.name();
            e.size = region.size();
            e.writable = region.writable();
            e.memoryBudget = options.memoryBudget().orElse(0);
            e.mapNanos = nanos;
            e.reason = region.modeReason();
            e.commit();
        }
        OPEN.put(region, new Tracked(snapshot.toString(), region.mode().name()));
    }

    /**
     * Called by a region's {@code close()} once its final counters are kept: emits what happened
     * since the last tick and stops sampling it. Never throws.
     */
    public static void closed(Region region) {
        if (!AVAILABLE) {
            return;
        }
        Tracked t = OPEN.remove(region);
        if (t == null || !FlightRecorder.isInitialized()) {
            return;
        }
        try {
            RegionStats s = region.stats();
            long now = System.nanoTime();
            t.fills(region, s, now);
            t.evictions(s, now);
            t.error(region, s);
        } catch (RuntimeException e) {
            // a region whose counters are gone: nothing more to report
        }
    }

    /**
     * Registers the periodic hooks once. Touching the flight recorder before it is initialized costs
     * 0.5 to 1.3 s (measured on JDK 17 and 25 here: registering a periodic event, or even loading an
     * event class, initializes JFR's metadata), so a JVM without a recording never does: the hooks
     * are registered when JFR initializes (at the start of the first recording, through a listener
     * added from a background thread, 3 to 60 ms), or at once when it already is. The background
     * thread waits {@value #LISTENER_DELAY_MS} ms first: registering the listener loads and
     * initialises a dozen JFR classes, which competed for the CPU with the rest of a fresh JVM's first
     * map and what follows it (5 ms measured here). Nothing is lost by the wait: a listener added
     * after JFR initialized is called at once.
     */
    private static void installHooks() {
        if (HOOKS_REQUESTED.get() || !HOOKS_REQUESTED.compareAndSet(false, true)) {
            return;
        }
        if (FlightRecorder.isInitialized()) {
            Hooks.install();
            return;
        }
        inBackground(new Runnable() { // classes, not lambdas: this runs in a fresh JVM's first map
            @Override
            public void run() {
                try {
                    Thread.sleep(LISTENER_DELAY_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // register at once, then end
                }
                FlightRecorder.addListener(new FlightRecorderListener() {
                    @Override
                    public void recorderInitialized(FlightRecorder recorder) {
                        // called under the recorder's initialization lock: register from another thread
                        inBackground(Hooks::install);
                    }
                });
            }
        });
    }

    private static void inBackground(Runnable r) {
        Thread t = new Thread(r, "snapstore-jfr-hooks");
        t.setDaemon(true);
        t.start();
    }

    /** Regions being sampled (tests). */
    static int tracked() {
        return OPEN.size();
    }

    /** The periodic hooks, registered with the flight recorder once, at the first map. */
    private static final class Hooks {
        static {
            periodic(RegionStatisticsEvent.class, (r, t) -> t.statistics(r, r.stats()));
            periodic(ChunkFillEvent.class, (r, t) -> t.fills(r, r.stats(), System.nanoTime()));
            periodic(EvictionEvent.class, (r, t) -> t.evictions(r.stats(), System.nanoTime()));
            periodic(RegionErrorEvent.class, (r, t) -> t.error(r, r.stats()));
        }

        static void install() {
            // the static initialiser ran
        }

        private static void periodic(Class<? extends Event> type, BiConsumer<Region, Tracked> each) {
            FlightRecorder.addPeriodicEvent(type, () -> {
                List<Map.Entry<Region, Tracked>> open;
                synchronized (OPEN) {
                    open = new ArrayList<>(OPEN.entrySet());
                }
                for (Map.Entry<Region, Tracked> en : open) {
                    try {
                        each.accept(en.getKey(), en.getValue());
                    } catch (RuntimeException e) {
                        // closed concurrently: its close() reports the rest
                    }
                }
            });
        }
    }

    /** What was last reported of one region. Holds no reference to the region (a weak map's value). */
    private static final class Tracked {
        final String snapshot;
        final String mode;
        final long mappedAt = System.nanoTime();
        long fillsAt = mappedAt;
        long evictionsAt = mappedAt;
        long chunks;
        long bytes;
        long missing;
        long minor;
        long zero;
        long revalidations;
        long mapped;
        long evictions;
        long refills;
        boolean errorReported;

        Tracked(String snapshot, String mode) {
            this.snapshot = snapshot;
            this.mode = mode;
        }

        synchronized void statistics(Region r, RegionStats s) {
            RegionStatisticsEvent e = new RegionStatisticsEvent();
            if (!e.shouldCommit()) {
                return;
            }
            e.snapshot = snapshot;
            e.mode = mode;
            e.size = r.size();
            e.minorFaults = s.minorFaults();
            e.missingFaults = s.missingFaults();
            e.zeroFaults = s.zeroFaults();
            e.chunksDecompressed = s.chunksDecompressed();
            e.bytesDecompressed = s.bytesDecompressed();
            e.bytesMapped = s.bytesMapped();
            e.errors = s.errors();
            e.faultP50 = s.faultLatencyPercentileNanos(0.50);
            e.faultP99 = s.faultLatencyPercentileNanos(0.99);
            e.budgetBytes = s.budgetBytes();
            e.residentBytes = s.residentBytes();
            e.evictions = s.evictions();
            e.commit();
        }

        synchronized void fills(Region r, RegionStats s, long now) {
            ChunkFillEvent e = new ChunkFillEvent();
            if (!e.isEnabled()) {
                return; // the baseline stays: the next enabled event covers the whole interval
            }
            long dChunks = s.chunksDecompressed() - chunks;
            long dMissing = s.missingFaults() - missing;
            long dMinor = s.minorFaults() - minor;
            long dZero = s.zeroFaults() - zero;
            if (dChunks == 0 && dMissing == 0 && dMinor == 0 && dZero == 0) {
                return;
            }
            e.snapshot = snapshot;
            e.mode = mode;
            e.chunksDecompressed = dChunks;
            e.bytesDecompressed = s.bytesDecompressed() - bytes;
            e.missingFaults = dMissing;
            e.minorFaults = dMinor;
            e.zeroFaults = dZero;
            e.revalidations = s.revalidations() - revalidations;
            e.bytesMapped = s.bytesMapped() - mapped;
            e.intervalNanos = now - fillsAt;
            e.commit();
            chunks = s.chunksDecompressed();
            bytes = s.bytesDecompressed();
            missing = s.missingFaults();
            minor = s.minorFaults();
            zero = s.zeroFaults();
            revalidations = s.revalidations();
            mapped = s.bytesMapped();
            fillsAt = now;
        }

        synchronized void evictions(RegionStats s, long now) {
            EvictionEvent e = new EvictionEvent();
            if (!e.isEnabled() || s.budgetBytes() == 0) {
                return;
            }
            long dEvictions = s.evictions() - evictions;
            long dRefills = s.refills() - refills;
            if (dEvictions == 0 && dRefills == 0) {
                return;
            }
            e.snapshot = snapshot;
            e.mode = mode;
            e.evictions = dEvictions;
            e.refills = dRefills;
            e.residentBytes = s.residentBytes();
            e.budgetBytes = s.budgetBytes();
            e.intervalNanos = now - evictionsAt;
            e.commit();
            evictions = s.evictions();
            refills = s.refills();
            evictionsAt = now;
        }

        synchronized void error(Region r, RegionStats s) {
            if (errorReported || s.errors() == 0) {
                return;
            }
            RegionErrorEvent e = new RegionErrorEvent();
            if (!e.isEnabled()) {
                return;
            }
            e.snapshot = snapshot;
            e.mode = mode;
            e.errors = s.errors();
            e.firstChunk = -1;
            e.reason = "";
            try {
                r.checkHealthy();
            } catch (CorruptSnapshotException c) {
                e.firstChunk = c.chunk();
                e.reason = c.reason();
            }
            e.commit();
            errorReported = true;
        }
    }
}
