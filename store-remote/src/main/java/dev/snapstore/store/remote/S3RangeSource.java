package dev.snapstore.store.remote;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;

import dev.snapstore.store.source.RangeSource;
import dev.snapstore.store.source.RemoteSourceException;
import dev.snapstore.store.source.RemoteSourceException.Kind;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

/**
 * An object in S3 (or an S3-compatible store), read by ranged GetObject requests through the AWS
 * SDK for Java v2, whose retry strategy retries throttling, 5xx and connection failures.
 * Each response is checked against the range asked for. {@link #engineUrl()} pre-signs a GET URL
 * for the native engine.
 *
 * <p>Thread-safe.
 */
final class S3RangeSource implements RangeSource {
    private final URI uri;
    private final String bucket;
    private final String key;
    private final S3Clients.Pair clients;
    /** How long a pre-signed URL for the engine is valid; it is renewed well before. */
    private final Duration presignValidity;
    private volatile long size = -1;

    private S3RangeSource(URI uri, String bucket, String key, S3Clients.Pair clients, Duration presignValidity) {
        this.uri = uri;
        this.bucket = bucket;
        this.key = key;
        this.clients = clients;
        this.presignValidity = presignValidity;
    }

    static S3RangeSource open(URI uri, RemoteOptions options) throws IOException {
        String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        String path = uri.getPath();
        if (bucket == null || bucket.isEmpty() || path == null || path.length() < 2) {
            throw new IllegalArgumentException(uri + ": an S3 URI is s3://BUCKET/KEY");
        }
        return new S3RangeSource(uri, bucket, path.substring(1), S3Clients.create(uri.toString(), options),
                options.presignValidity());
    }

    String bucket() {
        return bucket;
    }

    String key() {
        return key;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public long size() throws IOException {
        long s = size;
        if (s < 0) {
            try {
                HeadObjectResponse h = clients.s3().headObject(b -> b.bucket(bucket).key(key));
                s = size = h.contentLength();
            } catch (SdkException e) {
                throw S3Clients.failure(uri.toString(), "HeadObject", e);
            }
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
        String range = ContentRange.request(position, length);
        dst.put(get(range, "is past the end of the object", cr -> cr.is(position, length)));
    }

    /** One ranged GetObject of {@code bytes=-length}, which also tells the object's size. */
    @Override
    public ByteBuffer readTail(int length) throws IOException {
        return get(ContentRange.suffix(length), "of an empty object", cr -> cr.isSuffix(length));
    }

    /**
     * One GetObject of {@code range}: its body, after the answer's Content-Range passed
     * {@code expected} and the body's length matched it; the object's size is learnt from it.
     * A 416 is an {@link EOFException} ({@code pastEnd} says why), other failures a
     * {@link RemoteSourceException}.
     */
    private ByteBuffer get(String range, String pastEnd, java.util.function.Predicate<ContentRange> expected)
            throws IOException {
        ResponseBytes<GetObjectResponse> rsp;
        try {
            rsp = clients.s3().getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).range(range).build());
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                throw new EOFException(uri + ": range " + range + " " + pastEnd + " (416)");
            }
            throw S3Clients.failure(uri.toString(), "GetObject " + range, e);
        } catch (SdkException e) {
            throw S3Clients.failure(uri.toString(), "GetObject " + range, e);
        }
        String sent = rsp.response().contentRange();
        ContentRange cr = ContentRange.parse(sent);
        if (cr == null || !expected.test(cr)) {
            throw new RemoteSourceException(uri.toString(), Kind.BAD_RESPONSE, "asked for " + range + ", the server sent "
                    + (sent == null ? "no Content-Range" : "Content-Range: " + sent), null);
        }
        size = cr.total();
        ByteBuffer body = rsp.asByteBuffer();
        if (body.remaining() != cr.length()) {
            throw new RemoteSourceException(uri.toString(), Kind.BAD_RESPONSE,
                    range + ": body of " + body.remaining() + " bytes, expected " + cr.length(), null);
        }
        return body;
    }

    @Override
    public EngineUrl engineUrl() throws IOException {
        S3Presigner p = clients.presigner();
        try {
            PresignedGetObjectRequest r = p.presignGetObject(b -> b.signatureDuration(presignValidity)
                    .getObjectRequest(g -> g.bucket(bucket).key(key)));
            return new EngineUrl(r.url().toString(), r.expiration().toEpochMilli());
        } catch (SdkClientException e) {
            throw S3Clients.failure(uri.toString(), "presign GetObject", e);
        }
    }

    @Override
    public void close() {
        clients.close();
    }

    @Override
    public String toString() {
        return "S3RangeSource[" + uri + "]";
    }
}
