package dev.snapstore.store.remote;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.snapstore.store.SnapshotOutput;
import dev.snapstore.store.format.FormatV1;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A snapshot written straight into S3 by multipart upload while it is packed: no local copy. Bytes
 * arrive by position, mostly in order; those ahead of the write cursor wait (a few chunks: at most
 * the pack's chunks in flight, about two per worker), each full part is uploaded as soon as it is
 * complete. The first part is held back until the writer writes the header at offset 0, last.
 * Memory: two parts plus the chunks in flight.
 *
 * <p>Thread-safe: {@link #write} is synchronized (an upload happens under the lock, which is what
 * bounds memory: workers wait while a part goes out).
 */
public final class S3MultipartOutput implements SnapshotOutput {
    /** Part size: above S3's 5 MiB minimum for all but the last part. */
    static final int PART = 8 << 20;
    /** S3's smallest part but the last. */
    static final int MIN_PART = 5 << 20;

    private final URI uri;
    private final String bucket;
    private final String key;
    private final S3Clients.Pair clients;
    private final String uploadId;
    private final int part;
    private final ByteBuffer first;
    private final ByteBuffer current;
    private final TreeMap<Long, byte[]> ahead = new TreeMap<>();
    private final List<CompletedPart> parts = new ArrayList<>();
    private final Progress progress;
    private long cursor;       // bytes [0, cursor) are placed in first/current/uploaded parts
    private int nextPart = 2;  // part 1 is the first part's bytes, sent at commit
    private long uploaded;
    private boolean headerWritten;
    private boolean done;

    /** Upload progress: bytes sent so far. */
    @FunctionalInterface
    public interface Progress {
        void uploaded(long bytes);
    }

    private S3MultipartOutput(URI uri, String bucket, String key, S3Clients.Pair clients, String uploadId, int part,
                              Progress progress) {
        this.part = part;
        this.first = ByteBuffer.allocate(part);
        this.current = ByteBuffer.allocate(part);
        this.uri = uri;
        this.bucket = bucket;
        this.key = key;
        this.clients = clients;
        this.uploadId = uploadId;
        this.progress = progress;
        first.position(FormatV1.HEADER_SIZE); // the header's place: written last, into the held-back first part
        cursor = FormatV1.HEADER_SIZE;
    }

    /** Starts a multipart upload to {@code s3://bucket/key}. */
    public static S3MultipartOutput create(URI uri, RemoteOptions options, Progress progress) throws IOException {
        return create(uri, options, PART, progress);
    }

    /** As {@link #create(URI, RemoteOptions, Progress)} with parts of {@code part} bytes (tests: smaller uploads). */
    static S3MultipartOutput create(URI uri, RemoteOptions options, int part, Progress progress) throws IOException {
        if (part < MIN_PART) {
            throw new IllegalArgumentException("part size " + part + " below S3's minimum of " + MIN_PART);
        }
        String bucket = uri.getHost();
        String path = uri.getPath();
        if (!"s3".equalsIgnoreCase(uri.getScheme()) || bucket == null || path == null || path.length() < 2) {
            throw new IllegalArgumentException(uri + ": an S3 URI is s3://BUCKET/KEY");
        }
        String key = path.substring(1);
        S3Clients.Pair clients = S3Clients.create(uri.toString(), options);
        try {
            String id = clients.s3().createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
            return new S3MultipartOutput(uri, bucket, key, clients, id, part, progress);
        } catch (SdkException e) {
            clients.close();
            throw S3Clients.failure(uri.toString(), "CreateMultipartUpload", e);
        } catch (RuntimeException e) {
            clients.close();
            throw e;
        }
    }

    @Override
    public synchronized int write(ByteBuffer src, long position) throws IOException {
        int n = src.remaining();
        if (done) {
            throw new IOException(uri + ": upload already finished");
        }
        if (position < part && position + n <= part && position < cursor) {
            // a rewrite inside the held-back first part: the header at offset 0
            first.duplicate().position((int) position).put(src);
            headerWritten |= position == 0;
            return n;
        }
        if (position < cursor) {
            throw new IOException(uri + ": rewrite at " + position + " of bytes already uploaded (cursor " + cursor + ")");
        }
        byte[] b = new byte[n];
        src.get(b);
        if (position > cursor) {
            ahead.put(position, b);
            return n;
        }
        append(b);
        for (Map.Entry<Long, byte[]> e = ahead.firstEntry(); e != null && e.getKey() == cursor; e = ahead.firstEntry()) {
            ahead.pollFirstEntry();
            append(e.getValue());
        }
        return n;
    }

    private void append(byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            ByteBuffer target = cursor < part ? first : current;
            int k = Math.min(b.length - off, target.remaining());
            target.put(b, off, k);
            off += k;
            cursor += k;
            if (target == current && !current.hasRemaining()) {
                uploadPart(nextPart++, current);
            }
        }
    }

    private void uploadPart(int number, ByteBuffer part) throws IOException {
        part.flip();
        int len = part.remaining();
        try {
            String etag = clients.s3().uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromByteBuffer(part)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        } catch (SdkException e) {
            throw S3Clients.failure(uri.toString(), "UploadPart " + number, e);
        }
        part.clear();
        uploaded += len;
        progress.uploaded(uploaded);
    }

    @Override
    public synchronized void commit() throws IOException {
        if (!ahead.isEmpty()) {
            throw new IOException(uri + ": a gap at " + cursor + " before " + ahead.firstKey() + " at commit");
        }
        if (!headerWritten && cursor > 0) {
            throw new IOException(uri + ": the header was never written");
        }
        if (current.position() > 0) {
            uploadPart(nextPart++, current); // the last part may be small
        }
        uploadPart(1, first); // the header written, part 1 goes last (its size: a part, or the whole object)
        parts.sort((x, y) -> Integer.compare(x.partNumber(), y.partNumber()));
        try {
            clients.s3().completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (SdkException e) {
            throw S3Clients.failure(uri.toString(), "CompleteMultipartUpload", e);
        }
        done = true;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (!done) {
                done = true;
                try {
                    clients.s3().abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
                } catch (SdkException e) {
                    throw S3Clients.failure(uri.toString(), "AbortMultipartUpload", e);
                }
            }
        } finally {
            clients.close();
        }
    }

    @Override
    public String toString() {
        return "S3MultipartOutput[" + uri + "]";
    }

}
