package dev.snapstore.store.remote;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;

import dev.snapstore.store.source.RangeSource;
import dev.snapstore.store.source.RangeSourceProvider;

/**
 * Opens remote snapshots: {@code s3://bucket/key} through the AWS SDK, {@code http(s)://…} through
 * the JDK's HTTP client. Registered as the {@link RangeSourceProvider} behind
 * {@code Snapshot.open(URI)}, which uses {@link RemoteOptions#fromEnvironment()}; call
 * {@link #open(URI, RemoteOptions)} for options of your own. Thread-safe.
 */
public final class RemoteSources implements RangeSourceProvider {

    /** Whether {@code arg} names a remote object ({@code scheme://…}) rather than a local path. */
    public static boolean isUri(String arg) {
        return arg.matches("(?i)(s3|https?)://.+");
    }

    /** Opens the object at {@code uri} ({@code s3}, {@code http} or {@code https}). */
    public static RangeSource open(URI uri, RemoteOptions options) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "s3":
                return S3RangeSource.open(uri, options);
            case "http":
            case "https":
                return HttpRangeSource.open(uri, options);
            default:
                throw new IllegalArgumentException(uri + ": not an s3, http or https URI");
        }
    }

    @Override
    public boolean supports(String scheme) {
        return scheme.equals("s3") || scheme.equals("http") || scheme.equals("https");
    }

    @Override
    public RangeSource open(URI uri) throws IOException {
        return open(uri, RemoteOptions.fromEnvironment());
    }
}
