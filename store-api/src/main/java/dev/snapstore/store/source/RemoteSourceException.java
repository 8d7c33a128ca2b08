package dev.snapstore.store.source;

import java.io.IOException;

/**
 * A remote snapshot could not be read: the server is unreachable, kept failing (5xx) after the
 * retries, refused the credentials, sent a short body or a range other than the one asked for.
 * The message names the URI, the byte range and what went wrong.
 */
public final class RemoteSourceException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, for callers that react differently (retry later, fix credentials). */
    public enum Kind {
        /** connection refused, reset or timed out */
        UNREACHABLE,
        /** the server answered 5xx or 429 on every attempt */
        SERVER_ERROR,
        /** 401/403: credentials missing, wrong or expired (also an expired pre-signed URL) */
        ACCESS_DENIED,
        /** 404: no such object or bucket */
        NOT_FOUND,
        /** the server did not honour the range: no 206, a wrong Content-Range, a short body */
        BAD_RESPONSE
    }

    private final String location;
    private final Kind kind;

    public RemoteSourceException(String location, Kind kind, String detail, Throwable cause) {
        super(location + ": " + detail, cause);
        this.location = location;
        this.kind = kind;
    }

    /** The URI of the object. */
    public String location() {
        return location;
    }

    public Kind kind() {
        return kind;
    }
}
