package dev.snapstore.cli;

/** The exit statuses of {@code snapstore}; every command uses these and no others. */
final class ExitCode {
    /** Done as asked. */
    static final int OK = 0;
    /** The snapshot is corrupt, failed verification, or did not restore to the expected bytes. */
    static final int CORRUPT = 1;
    /** Bad command line: unknown option, malformed value, missing or unusable file argument. */
    static final int USAGE = 2;
    /** Could not be done here: an I/O error, a mode this machine or build does not offer. */
    static final int FAILURE = 3;

    private ExitCode() {
    }
}
