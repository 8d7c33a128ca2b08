package dev.snapstore.store;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import dev.snapstore.store.spi.RegionProvider;

/**
 * The region providers {@link Snapshot} asks, in two tiers:
 *
 * <ul>
 *   <li>{@link #first()}: the built-in Linux engine ({@code store-native}'s
 *       {@code LinuxRegionProvider}), found by its class name, when it is on the class path;
 *       otherwise every provider the {@link ServiceLoader} finds.</li>
 *   <li>{@link #rest()}: the other providers the {@code ServiceLoader} finds, asked only when the
 *       first tier declines (no such mode here, or no lazy mode at all for AUTO).</li>
 * </ul>
 *
 * <p>Why not the {@code ServiceLoader} for all of them: it reads {@code META-INF/services} through
 * {@code ClassLoader.getResources}, which opens the JDK's module image and every jar on the class
 * path; 10 to 15 ms of a fresh JVM's first open, measured here, to find the one provider that a
 * class name finds at once. A provider of one's own still works next to {@code store-native}; the
 * built-in engine is asked first. Thread-safe (each tier is found once, by class initialisation).
 */
final class RegionProviders {
    /** The built-in engine's provider (registered in store-native's {@code META-INF/services} too). */
    static final String BUILT_IN = "dev.snapstore.store.linux.LinuxRegionProvider";

    private RegionProviders() {
    }

    /** The providers asked first: the built-in one, or every one on the class path without it. */
    static List<RegionProvider> first() {
        return First.LIST;
    }

    /** The providers on the class path besides {@link #first()} (found on the first call). */
    static List<RegionProvider> rest() {
        return First.BY_NAME ? Rest.LIST : List.of();
    }

    /** Tier {@code t}: 0 is {@link #first()}, 1 {@link #rest()} (found only when asked for). */
    static List<RegionProvider> tier(int t) {
        return t == 0 ? first() : rest();
    }

    /** Both tiers, {@link #first()} first. */
    static List<RegionProvider> all() {
        List<RegionProvider> rest = rest();
        if (rest.isEmpty()) {
            return first();
        }
        List<RegionProvider> all = new ArrayList<>(first());
        all.addAll(rest);
        return all;
    }

    private static final class First {
        static final boolean BY_NAME;
        static final List<RegionProvider> LIST;

        static {
            RegionProvider builtIn = builtIn();
            BY_NAME = builtIn != null;
            LIST = builtIn != null ? List.of(builtIn) : serviceLoaded(null);
        }

        private static RegionProvider builtIn() {
            Class<?> c;
            try {
                c = Class.forName(BUILT_IN, true, RegionProviders.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return null; // not on the class path (or broken): the ServiceLoader decides
            }
            if (!RegionProvider.class.isAssignableFrom(c)) {
                return null;
            }
            try {
                return (RegionProvider) c.getConstructor().newInstance();
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }
    }

    private static final class Rest {
        static final List<RegionProvider> LIST = serviceLoaded(First.LIST.isEmpty() ? null : First.LIST.get(0).getClass());
    }

    /** What the ServiceLoader finds, less the provider of class {@code except} (already asked). */
    private static List<RegionProvider> serviceLoaded(Class<?> except) {
        List<RegionProvider> list = new ArrayList<>();
        for (RegionProvider p : ServiceLoader.load(RegionProvider.class, RegionProviders.class.getClassLoader())) {
            if (p.getClass() != except) {
                list.add(p);
            }
        }
        return List.copyOf(list);
    }
}
