package dev.snapstore.store.source;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;

/**
 * Where a snapshot's bytes come from: a local file, an HTTP(S) server that honours Range requests,
 * an object in S3. Reads are positional byte ranges; nothing is streamed or buffered between calls.
 *
 * <p>A remote source learns the object's size from its first range response (the total in
 * {@code Content-Range}), so {@link #size()} after a first {@link #read} costs no request: opening
 * a snapshot reads the header and the tail (a suffix range, {@link #readTail}) at the same time, then
 * what of the index the tail missed — at most three requests in two round trips, one round trip for
 * most snapshots (see {@code SnapshotLayout.read(RangeSource)}).
 *
 * <p>Implementations are thread-safe: {@link #read} may be called from many threads at once.
 */
public interface RangeSource extends AutoCloseable {

    /** The stable identity of the source: {@code file:}, {@code http(s):} or {@code s3:} URI. */
    URI uri();

    /** What names this source in messages: the file's path, or the URI. */
    default String location() {
        return uri().toString();
    }

    /**
     * Size of the object in bytes. Costs no request after a {@link #read}; before the first one a
     * remote source asks the server.
     */
    long size() throws IOException;

    /**
     * Reads exactly {@code dst.remaining()} bytes at {@code position} into {@code dst}, advancing its
     * position to its limit.
     *
     * @throws EOFException when the object ends before the range does
     * @throws IOException  on any other failure; remote sources throw {@link RemoteSourceException}
     *                      naming the URI and what went wrong, after their retries
     */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * The last {@code min(length, size())} bytes of the object, flipped; {@link #size()} costs no
     * request afterwards. A remote source asks for them with one suffix range ({@code bytes=-length}),
     * so the object's size need not be known first.
     *
     * @throws EOFException when the object is empty
     * @throws IOException  as {@link #read}
     */
    default ByteBuffer readTail(int length) throws IOException {
        long size = size();
        if (size == 0) {
            throw new EOFException(location() + ": the object is empty");
        }
        int n = (int) Math.min(length, size);
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        read(size - n, b);
        return b.flip();
    }

    /**
     * The engine's way to the bytes when the fault path fetches them itself (lazy regions), or
     * null for a local file (the engine opens {@link #uri()}'s path). For S3 a pre-signed GET URL,
     * renewed by calling again before {@link EngineUrl#expiresAtMillis()}.
     */
    default EngineUrl engineUrl() throws IOException {
        return null;
    }

    /**
     * A plain HTTP(S) URL the native engine can GET byte ranges of without credentials.
     *
     * @param url             the URL
     * @param expiresAtMillis wall-clock time it stops working, or {@link Long#MAX_VALUE}
     */
    record EngineUrl(String url, long expiresAtMillis) {
    }

    @Override
    void close() throws IOException;
}
