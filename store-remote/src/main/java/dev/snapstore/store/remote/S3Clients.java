package dev.snapstore.store.remote;

import dev.snapstore.store.source.RemoteSourceException;
import dev.snapstore.store.source.RemoteSourceException.Kind;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The one place S3 clients are configured from {@link RemoteOptions} (reads, uploads and the
 * presigner agree on endpoint, region, credentials and addressing), and SDK exceptions become
 * {@link RemoteSourceException}s. Stateless.
 */
final class S3Clients {
    private S3Clients() {
    }

    /** A client and a presigner configured alike; closed together. */
    record Pair(S3Client s3, S3Presigner presigner) implements AutoCloseable {
        @Override
        public void close() {
            s3.close();
            presigner.close();
        }
    }

    static Pair create(String location, RemoteOptions o) throws RemoteSourceException {
        Region region = region(location, o);
        AwsCredentialsProvider creds = o.credentials() != null ? o.credentials() : DefaultCredentialsProvider.builder().build();
        // chunked (aws-chunked) payload signing is for streams of unknown length; parts are whole buffers
        S3Configuration cfg = S3Configuration.builder().pathStyleAccessEnabled(o.endpoint() != null)
                .chunkedEncodingEnabled(false).build();
        var b = S3Client.builder()
                .region(region)
                .credentialsProvider(creds)
                .serviceConfiguration(cfg)
                // range reads carry no whole-object checksum, and S3-compatible stores refuse the
                // checksum headers newer SDKs send by default (S3Proxy: 501 NotImplemented)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(o.connectTimeout())
                        .socketTimeout(o.requestTimeout()))
                .overrideConfiguration(c -> c
                        .apiCallAttemptTimeout(o.requestTimeout())
                        .apiCallTimeout(o.requestTimeout().multipliedBy(o.attempts()).plus(o.backoff().multipliedBy(1L << Math.min(o.attempts(), 20))))
                        .retryStrategy(s -> s.maxAttempts(o.attempts()))); // the SDK's default strategy (5xx, throttling, I/O errors), our attempts
        var p = S3Presigner.builder().region(region).credentialsProvider(creds).serviceConfiguration(cfg);
        if (o.endpoint() != null) {
            b.endpointOverride(o.endpoint());
            p.endpointOverride(o.endpoint());
        }
        return new Pair(b.build(), p.build());
    }

    private static Region region(String location, RemoteOptions o) throws RemoteSourceException {
        if (o.region() != null) {
            return Region.of(o.region());
        }
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion();
        } catch (SdkClientException e) {
            if (o.endpoint() != null) {
                return Region.US_EAST_1; // S3-compatible stores mostly ignore it; the signature needs one
            }
            throw new RemoteSourceException(location, Kind.UNREACHABLE,
                    "no AWS region configured: set AWS_REGION (or aws.region, or a profile's region)", e);
        }
    }

    /** {@code e} as a typed failure naming {@code location} and the call. */
    static RemoteSourceException failure(String location, String call, SdkException e) {
        if (e instanceof SdkServiceException se) {
            int status = se.statusCode();
            String code = e instanceof S3Exception s3 && s3.awsErrorDetails() != null ? s3.awsErrorDetails().errorCode() : null;
            String what = call + ": " + (code != null ? code + " " : "") + "(" + status + ")";
            if (status == 401 || status == 403) {
                return new RemoteSourceException(location, Kind.ACCESS_DENIED, what + ": access denied; check the credentials "
                        + "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE) and the bucket policy", e);
            }
            if (status == 404) {
                return new RemoteSourceException(location, Kind.NOT_FOUND, what + ": no such bucket or key", e);
            }
            if (status >= 500 || status == 429) {
                return new RemoteSourceException(location, Kind.SERVER_ERROR, what + ": server error after the retries", e);
            }
            return new RemoteSourceException(location, Kind.BAD_RESPONSE, what + ": " + e.getMessage(), e);
        }
        return new RemoteSourceException(location, Kind.UNREACHABLE, call + ": " + e.getMessage(), e);
    }
}
