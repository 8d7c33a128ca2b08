package dev.snapstore.store.source;

import java.io.IOException;
import java.net.URI;

/**
 * Opens {@link RangeSource}s for URI schemes other than {@code file}. Found with
 * {@link java.util.ServiceLoader}, as {@code RegionProvider}s are; the {@code store-remote} module
 * registers {@code http}, {@code https} and {@code s3}.
 *
 * <p>Implementations are thread-safe.
 */
public interface RangeSourceProvider {

    /** Whether this provider opens URIs of {@code scheme} (lower case). */
    boolean supports(String scheme);

    /** Opens the object at {@code uri}; no request need be made yet. */
    RangeSource open(URI uri) throws IOException;
}
