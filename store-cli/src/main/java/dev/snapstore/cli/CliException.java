package dev.snapstore.cli;

import dev.snapstore.tools.ExitCode;

/**
 * A failure the command has already put into words: {@link Main} prints
 * {@code "snapstore: " + getMessage()} on one line and exits with {@link #exitCode()}.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A bad argument: exit status 2. */
    static CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message, null);
    }

    /** Something could not be done: exit status 3. */
    static CliException failure(String message, Throwable cause) {
        return new CliException(ExitCode.FAILURE, message, cause);
    }

    /** Corrupt data or a failed check: exit status 1. */
    static CliException corrupt(String message, Throwable cause) {
        return new CliException(ExitCode.CORRUPT, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
