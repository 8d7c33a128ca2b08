package dev.snapstore.cli;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The report of {@code dev.snapstore.store.linux.MachineReport} (store-native): what this machine
 * offers the lazy engine and the commands that fix what is missing.
 *
 * <p>Looked up at run time while store-native does not ship the class yet on this branch; once it
 * does, this becomes a direct call. {@link #available()} is false when the class is absent: there is
 * then no report, and {@code doctor} says so instead of guessing.
 */
final class MachineProbe {
    static final String CLASS = "dev.snapstore.store.linux.MachineReport";

    private final Object report;

    private MachineProbe(Object report) {
        this.report = report;
    }

    /** Whether this build carries the probe. */
    static boolean available() {
        return type() != null;
    }

    /** Probes the machine; call only when {@link #available()}. */
    static MachineProbe probe() {
        try {
            Method probe = type().getMethod("probe");
            return new MachineProbe(probe.invoke(null));
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new IllegalStateException(CLASS + ".probe() failed", c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(CLASS + " has no usable probe(): " + e, e);
        }
    }

    String text() {
        return String.valueOf(call("toText"));
    }

    Map<?, ?> map() {
        return (Map<?, ?>) call("toMap");
    }

    List<String> fixes() {
        Object f = call("fixes");
        if (f instanceof Collection<?>) {
            return ((Collection<?>) f).stream().map(String::valueOf).collect(java.util.stream.Collectors.toList());
        }
        return f == null ? List.of() : List.of(String.valueOf(f));
    }

    private Object call(String name) {
        try {
            return report.getClass().getMethod(name).invoke(report);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new IllegalStateException(CLASS + "." + name + "() failed", c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(CLASS + " has no usable " + name + "(): " + e, e);
        }
    }

    private static Class<?> type() {
        try {
            return Class.forName(CLASS, true, MachineProbe.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
