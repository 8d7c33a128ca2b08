package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import com.github.luben.zstd.ZstdDecompressCtx;
import dev.snapstore.store.Codec;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.tools.FileIo;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Decompresses snapshot chunks with the codec libraries directly (zstd-jni, lz4-java), the way a
 * user without snapstore would: this is the engine of the {@code eager} and {@code codec-raw}
 * baselines, independent of store-api's own decoding. Not thread-safe: one per worker thread.
 */
public final class ChunkDecoder implements AutoCloseable {
    private static final LZ4SafeDecompressor LZ4 = LZ4Factory.fastestInstance().safeDecompressor();

    private final ZstdDecompressCtx zstd = new ZstdDecompressCtx();
    private ByteBuffer scratch;

    /** Reads chunk {@code i}'s payload from {@code file} and decompresses it to {@code dst}. Zero chunks are skipped. */
    public void decodeFromFile(FileChannel file, ChunkIndex index, int i, long dst) throws IOException {
        if (index.isZero(i)) {
            return;
        }
        boolean stored = index.codec(i) != Codec.NONE;
        ByteBuffer payload = stored ? scratch(index.storedLength(i)) : Os.buffer(dst, index.rawLength(i));
        FileIo.readFully(file, payload, index.offset(i));
        if (stored) {
            decode(index, i, payload, dst);
        }
    }

    /** Decompresses chunk {@code i} whose payload is at {@code src} in memory to {@code dst}. Zero chunks are skipped. */
    public void decodeFromMemory(long src, ChunkIndex index, int i, long dst) throws IOException {
        if (index.isZero(i)) {
            return;
        }
        if (index.codec(i) == Codec.NONE) {
            Os.copy(src, dst, index.rawLength(i));
        } else {
            decode(index, i, Os.buffer(src, index.storedLength(i)), dst);
        }
    }

    /** This decoder's buffer, cleared and limited to {@code length} bytes. */
    private ByteBuffer scratch(int length) {
        if (scratch == null || scratch.capacity() < length) {
            scratch = ByteBuffer.allocateDirect(Math.max(length, 1 << 20));
        }
        scratch.clear().limit(length);
        return scratch;
    }

    private void decode(ChunkIndex index, int chunk, ByteBuffer src, long dst) throws IOException {
        Codec codec = index.codec(chunk);
        int stored = index.storedLength(chunk);
        int raw = index.rawLength(chunk);
        ByteBuffer out = Os.buffer(dst, raw);
        int n;
        if (codec == Codec.LZ4) {
            n = LZ4.decompress(src, 0, stored, out, 0, raw);
        } else if (codec == Codec.ZSTD) {
            n = zstd.decompressDirectByteBuffer(out, 0, raw, src, 0, stored);
        } else {
            throw new IOException("chunk " + chunk + ": unknown codec " + codec);
        }
        if (n != raw) {
            throw new IOException("chunk " + chunk + ": decompressed " + n + " bytes, expected " + raw);
        }
    }

    @Override
    public void close() {
        zstd.close();
    }
}
