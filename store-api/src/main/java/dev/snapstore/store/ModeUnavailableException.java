package dev.snapstore.store;

/**
 * A region mode cannot be used on this machine: a kernel feature, permission, hugepage pool or
 * module is missing. The message says what is missing and the command that fixes it.
 */
public class ModeUnavailableException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    private final Mode mode;

    public ModeUnavailableException(Mode mode, String message) {
        super(mode + " regions are not available: " + message);
        this.mode = mode;
    }

    public ModeUnavailableException(Mode mode, String message, Throwable cause) {
        super(mode + " regions are not available: " + message, cause);
        this.mode = mode;
    }

    /** The mode that was asked for. */
    public Mode mode() {
        return mode;
    }
}
