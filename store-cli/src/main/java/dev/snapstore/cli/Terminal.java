package dev.snapstore.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether progress bars should be drawn: only when a person is watching a terminal. */
final class Terminal {
    /** Set by the launcher to whether stderr is a terminal ({@code [ -t 2 ]}); wins when present. */
    static final String PROPERTY = "snapstore.progress";

    /** Set by the launcher to the terminal's width ({@code stty size}). */
    static final String COLUMNS = "snapstore.columns";

    private Terminal() {
    }

    /** Width of the terminal: from the launcher, else $COLUMNS, else 100. */
    static int columns() {
        Integer fromLauncher = Integer.getInteger(COLUMNS);
        if (fromLauncher != null && fromLauncher >= 40) {
            return fromLauncher;
        }
        try {
            int env = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
            if (env >= 40) {
                return env;
            }
        } catch (NumberFormatException ignored) {
            // not set
        }
        return 100;
    }

    static boolean interactive() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isEmpty()) {
            return Boolean.parseBoolean(forced);
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // JDK 22+ returns a Console even when redirected; Console.isTerminal() says the truth there.
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 17-21: a console exists only when stdin and stdout are terminals
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
