package dev.snapstore.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The JVM flags snapstore needs, as the root pom writes them down ({@code snapstore.jvm.flags} for
 * every JDK, {@code snapstore.jvm.flags.jdk23} on JDK 23 and later); the build copies both into
 * this module's {@code jvm-flags.properties}, so this class never repeats them. Used to start the
 * bench's measuring JVMs and the JMH forks. Stateless, thread-safe.
 */
public final class JvmFlags {
    private static final String RESOURCE = "jvm-flags.properties";

    private JvmFlags() {
    }

    /** The flags for a JVM of feature version {@code feature} (17, 21, 25, ...). */
    public static List<String> forRuntime(int feature) {
        Properties p = new Properties();
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath: build store-tools with Maven");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> flags = new ArrayList<>(split(p.getProperty("all", "")));
        if (feature >= 23) {
            flags.addAll(split(p.getProperty("jdk23", "")));
        }
        return flags;
    }

    /** The flags for a JVM of the same version as this one. */
    public static List<String> forThisRuntime() {
        return forRuntime(Runtime.version().feature());
    }

    private static List<String> split(String s) {
        String t = s.trim();
        if (t.isEmpty() || t.startsWith("${")) {
            throw new IllegalStateException(RESOURCE + " was not filtered by the build: '" + s + "'");
        }
        return Arrays.asList(t.split("\\s+"));
    }
}
