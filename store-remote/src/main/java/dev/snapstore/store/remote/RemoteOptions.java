package dev.snapstore.store.remote;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How remote sources reach their servers: the S3 endpoint, region and credentials, time-outs and
 * retries. Immutable and thread-safe; build with the {@code with*} methods from
 * {@link #fromEnvironment()} or {@link #defaults()}.
 *
 * @param endpoint       S3 endpoint override (an S3-compatible store), or null for AWS; when set,
 *                       requests use path-style addressing
 * @param region         S3 region, or null for the SDK's default region chain (us-east-1 when that
 *                       finds none and an endpoint is set)
 * @param credentials    S3 credentials, or null for the SDK's default provider chain
 * @param connectTimeout time to establish a connection
 * @param requestTimeout time for one attempt, response body included
 * @param attempts       attempts per range (1 = no retry); 5xx, 429 and connection failures retry
 * @param backoff        wait before the first retry, doubled before each next one
 * @param presignValidity how long the pre-signed GET URL handed to the engine for an S3 object is
 *                       valid (whole seconds, 1 s to 7 days); a lazy region renews it before then
 */
public record RemoteOptions(URI endpoint, String region, AwsCredentialsProvider credentials,
                            Duration connectTimeout, Duration requestTimeout, int attempts, Duration backoff,
                            Duration presignValidity) {

    /** System property naming the S3 endpoint; wins over the environment (the CLI's {@code --endpoint}). */
    public static final String ENDPOINT_PROPERTY = "snapstore.s3.endpoint";

    public RemoteOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(backoff, "backoff");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts " + attempts + " < 1");
        }
        Objects.requireNonNull(presignValidity, "presignValidity");
        if (presignValidity.getSeconds() < 1 || presignValidity.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("presignValidity " + presignValidity + " outside 1 s..7 days (S3's bounds)");
        }
    }

    /**
     * No endpoint, region or credentials of our own; 5 s to connect, 30 s per attempt, 4 attempts
     * from 100 ms; pre-signed URLs valid for an hour.
     */
    public static RemoteOptions defaults() {
        return new RemoteOptions(null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(30), 4, Duration.ofMillis(100),
                Duration.ofHours(1));
    }

    /**
     * {@link #defaults()} with the endpoint from the system property {@value #ENDPOINT_PROPERTY},
     * else {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}.
     */
    public static RemoteOptions fromEnvironment() {
        String e = System.getProperty(ENDPOINT_PROPERTY);
        if (e == null || e.isBlank()) {
            e = System.getenv("AWS_ENDPOINT_URL_S3");
        }
        if (e == null || e.isBlank()) {
            e = System.getenv("AWS_ENDPOINT_URL");
        }
        return e == null || e.isBlank() ? defaults() : defaults().withEndpoint(URI.create(e.trim()));
    }

    public RemoteOptions withEndpoint(URI e) {
        return new RemoteOptions(e, region, credentials, connectTimeout, requestTimeout, attempts, backoff, presignValidity);
    }

    public RemoteOptions withRegion(String r) {
        return new RemoteOptions(endpoint, r, credentials, connectTimeout, requestTimeout, attempts, backoff, presignValidity);
    }

    public RemoteOptions withCredentials(AwsCredentialsProvider c) {
        return new RemoteOptions(endpoint, region, c, connectTimeout, requestTimeout, attempts, backoff, presignValidity);
    }

    public RemoteOptions withTimeouts(Duration connect, Duration request) {
        return new RemoteOptions(endpoint, region, credentials, connect, request, attempts, backoff, presignValidity);
    }

    public RemoteOptions withPresignValidity(Duration v) {
        return new RemoteOptions(endpoint, region, credentials, connectTimeout, requestTimeout, attempts, backoff, v);
    }

    public RemoteOptions withRetries(int a, Duration b) {
        return new RemoteOptions(endpoint, region, credentials, connectTimeout, requestTimeout, a, b, presignValidity);
    }
}
