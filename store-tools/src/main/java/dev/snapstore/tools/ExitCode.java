package dev.snapstore.tools;

/** The exit statuses of {@code snapstore} and of {@code snapstore bench}; every command uses these and no others. */
public final class ExitCode {
    /** Done as asked. */
    public static final int OK = 0;
    /**
     * The snapshot is corrupt, failed verification, or did not restore to the expected bytes; for
     * {@code bench}: a measurement failed.
     */
    public static final int CORRUPT = 1;
    /** Bad command line: unknown option, malformed value, missing or unusable file argument. */
    public static final int USAGE = 2;
    /** Could not be done here: an I/O error, a mode this machine or build does not offer. */
    public static final int FAILURE = 3;

    private ExitCode() {
    }
}
