package dev.snapstore.store.remote;

import java.net.URI;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.options.GetOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A real S3-compatible server for tests: S3Proxy over jclouds' transient (in-memory) blob store,
 * on 127.0.0.1 with a random port, with AWS v4 authentication. Counts the object reads it serves.
 */
final class S3Server implements AutoCloseable {
    static final String ACCESS = "snapstore-test";
    static final String SECRET = "snapstore-secret-key";
    static final String BUCKET = "snaps";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    final AtomicInteger gets = new AtomicInteger();

    S3Server() throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials("unused", "unused")
                .overrides(new Properties()).build(BlobStoreContext.class);
        BlobStore counting = new ForwardingBlobStore(context.getBlobStore()) {
            @Override
            public Blob getBlob(String container, String name, GetOptions options) {
                gets.incrementAndGet();
                return super.getBlob(container, name, options);
            }

            @Override
            public Blob getBlob(String container, String name) {
                gets.incrementAndGet();
                return super.getBlob(container, name);
            }
        };
        counting.createContainerInLocation(null, BUCKET);
        proxy = S3Proxy.builder().blobStore(counting).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Options reaching this server with its credentials. */
    RemoteOptions options() {
        return RemoteOptions.defaults().withEndpoint(endpoint()).withRegion("us-east-1")
                .withCredentials(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)));
    }

    void put(String key, byte[] content) {
        BlobStore store = context.getBlobStore();
        store.putBlob(BUCKET, store.blobBuilder(key).payload(content).contentLength(content.length).build());
    }

    void stop() throws Exception {
        proxy.stop();
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
