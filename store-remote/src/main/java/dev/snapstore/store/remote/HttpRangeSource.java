package dev.snapstore.store.remote;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.snapstore.store.source.RangeSource;
import dev.snapstore.store.source.RemoteSourceException;
import dev.snapstore.store.source.RemoteSourceException.Kind;

/**
 * An object behind an HTTP(S) server that honours {@code Range} requests, read with the JDK's
 * {@link HttpClient}. Each read is one GET of exactly the range, checked: status 206, a
 * {@code Content-Range} naming that range, a body of that length. Connection failures, time-outs,
 * cut-short bodies, 5xx and 429 are retried with exponential back-off; every attempt is bounded
 * by {@link RemoteOptions#requestTimeout()} (body included), so a read never hangs.
 *
 * <p>Thread-safe.
 */
final class HttpRangeSource implements RangeSource {
    private final URI uri;
    private final RemoteOptions options;
    private final HttpClient client;
    private volatile long size = -1;

    private HttpRangeSource(URI uri, RemoteOptions options) {
        this.uri = uri;
        this.options = options;
        this.client = HttpClient.newBuilder()
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    static HttpRangeSource open(URI uri, RemoteOptions options) {
        return new HttpRangeSource(uri, options);
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public long size() throws IOException {
        long s = size;
        if (s < 0) {
            get(0, 1); // learns the size from Content-Range
            s = size;
        }
        return s;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        if (length == 0) {
            return;
        }
        ContentRange.checkWithin(uri, position, length, size);
        dst.put(get(position, length));
    }

    /**
     * One GET of {@code Range: bytes=-length}, which also tells the object's size. A server that
     * refuses suffix ranges (400, 501; RFC 9110 asks them of every range server) gets the size and
     * an explicit range instead: one or two requests more, once per open.
     */
    @Override
    public ByteBuffer readTail(int length) throws IOException {
        try {
            return ByteBuffer.wrap(get(-1, length));
        } catch (SuffixRefused e) {
            return RangeSource.super.readTail(length);
        }
    }

    @Override
    public EngineUrl engineUrl() {
        return new EngineUrl(uri.toString(), Long.MAX_VALUE);
    }

    /** The range's bytes, after the retries; a negative {@code position} asks for the last {@code length}. */
    private byte[] get(long position, int length) throws IOException {
        String range = position < 0 ? ContentRange.suffix(length) : ContentRange.request(position, length);
        Retryable last = null;
        long wait = options.backoff().toMillis();
        for (int attempt = 1; attempt <= options.attempts(); attempt++) {
            if (attempt > 1) {
                sleep(wait);
                wait *= 2;
            }
            try {
                return attempt(position, length, range);
            } catch (Retryable e) {
                last = e;
            }
        }
        throw new RemoteSourceException(uri.toString(), last.kind,
                last.detail + " (after " + options.attempts() + " attempt" + (options.attempts() == 1 ? "" : "s") + ")", last.getCause());
    }

    private byte[] attempt(long position, int length, String range) throws IOException, Retryable {
        HttpRequest req = HttpRequest.newBuilder(uri).GET().header("Range", range)
                .timeout(options.requestTimeout()).build();
        AtomicBoolean headers = new AtomicBoolean();
        CompletableFuture<HttpResponse<byte[]>> f = client.sendAsync(req, info -> {
            headers.set(true);
            return HttpResponse.BodySubscribers.ofByteArray();
        });
        HttpResponse<byte[]> rsp;
        try {
            rsp = f.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw retry(Kind.UNREACHABLE, range + ": no complete response within " + options.requestTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(uri + ": interrupted while reading " + range);
        } catch (CancellationException e) {
            throw retry(Kind.UNREACHABLE, range + ": request cancelled", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (headers.get()) {
                throw retry(Kind.BAD_RESPONSE, range + ": response body cut short (" + c + ")", c);
            }
            if (c instanceof ConnectException) {
                throw retry(Kind.UNREACHABLE, range + ": cannot connect to " + uri.getHost() + ":" + uri.getPort()
                        + (c.getMessage() != null ? " (" + c.getMessage() + ")" : " (connection refused)"), c);
            }
            if (c instanceof HttpTimeoutException) {
                throw retry(Kind.UNREACHABLE, range + ": timed out (" + c.getMessage() + ")", c);
            }
            throw retry(Kind.UNREACHABLE, range + ": request failed (" + c + ")", c);
        }
        int status = rsp.statusCode();
        if (status == 206) {
            ContentRange cr = ContentRange.parse(rsp.headers().firstValue("Content-Range").orElse(null));
            if (cr != null && position < 0 && cr.isSuffix(length)) {
                size = cr.total();
                length = (int) cr.length();
                position = cr.first();
            }
            if (cr == null || !cr.is(position, length)) {
                throw new RemoteSourceException(uri.toString(), Kind.BAD_RESPONSE, "asked for " + range + ", the server sent "
                        + rsp.headers().firstValue("Content-Range").map(v -> "Content-Range: " + v).orElse("no Content-Range"), null);
            }
            size = cr.total();
            byte[] body = rsp.body();
            if (body.length != length) {
                throw retry(Kind.BAD_RESPONSE, range + ": body of " + body.length + " bytes, expected " + length, null);
            }
            return body;
        }
        if (status == 416) {
            rsp.headers().firstValue("Content-Range").map(v -> ContentRange.parse(v.replace("*", "0-0")))
                    .ifPresent(cr -> size = cr.total());
            throw new EOFException(uri + ": range " + range + " is past the end of the object (416)");
        }
        if (status == 200) {
            throw new RemoteSourceException(uri.toString(), Kind.BAD_RESPONSE,
                    "the server ignored the Range header (200 for " + range + "): it must honour byte ranges", null);
        }
        if (position < 0 && (status == 400 || status == 501)) {
            throw new SuffixRefused(uri + ": the server refused the suffix range " + range + " (" + status + ")");
        }
        if (status == 401 || status == 403) {
            throw new RemoteSourceException(uri.toString(), Kind.ACCESS_DENIED, "access denied (" + status + ")", null);
        }
        if (status == 404 || status == 410) {
            throw new RemoteSourceException(uri.toString(), Kind.NOT_FOUND, "no such object (" + status + ")", null);
        }
        if (status >= 500 || status == 429) {
            throw retry(Kind.SERVER_ERROR, range + ": server error " + status, null);
        }
        throw new RemoteSourceException(uri.toString(), Kind.BAD_RESPONSE, "unexpected status " + status + " for " + range, null);
    }

    private Retryable retry(Kind kind, String detail, Throwable cause) {
        return new Retryable(kind, detail, cause);
    }

    private void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(uri + ": interrupted between retries");
        }
    }

    @Override
    public void close() {
        // HttpClient.close() is JDK 21+; its connections idle out on their own on 17
        if (client instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing was pending
            }
        }
    }

    @Override
    public String toString() {
        return "HttpRangeSource[" + uri + "]";
    }

    /** The server does not do suffix ranges: the caller asks for an explicit one. */
    private static final class SuffixRefused extends IOException {
        private static final long serialVersionUID = 1L;

        SuffixRefused(String message) {
            super(message);
        }
    }

    /** A failure worth another attempt. */
    private static final class Retryable extends Exception {
        private static final long serialVersionUID = 1L;
        final Kind kind;
        final String detail;

        Retryable(Kind kind, String detail, Throwable cause) {
            super(detail, cause, false, false);
            this.kind = kind;
            this.detail = detail;
        }
    }
}
