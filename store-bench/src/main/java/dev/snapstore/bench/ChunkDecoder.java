package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import com.github.luben.zstd.ZstdDecompressCtx;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import dev.snapstore.store.Codec;
import dev.snapstore.store.format.ChunkIndex;

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
        int stored = index.storedLength(i);
        int raw = index.rawLength(i);
        Codec codec = index.codec(i);
        if (codec == Codec.NONE) {
            Safetensors.readFully(file, Os.buffer(dst, raw), index.offset(i));
            return;
        }
        if (scratch == null || scratch.capacity() < stored) {
            scratch = ByteBuffer.allocateDirect(Math.max(stored, 1 << 20));
        }
        scratch.clear().limit(stored);
        Safetensors.readFully(file, scratch, index.offset(i));
        decode(codec, scratch, 0, stored, dst, raw, i);
    }

    /** Decompresses chunk {@code i} whose payload is at {@code src} in memory to {@code dst}. Zero chunks are skipped. */
    public void decodeFromMemory(long src, ChunkIndex index, int i, long dst) throws IOException {
        if (index.isZero(i)) {
            return;
        }
        int stored = index.storedLength(i);
        int raw = index.rawLength(i);
        Codec codec = index.codec(i);
        if (codec == Codec.NONE) {
            Os.copy(src, dst, raw);
            return;
        }
        decode(codec, Os.buffer(src, stored), 0, stored, dst, raw, i);
    }

    private void decode(Codec codec, ByteBuffer src, int srcOff, int stored, long dst, int raw, int chunk) throws IOException {
        ByteBuffer out = Os.buffer(dst, raw);
        int n;
        if (codec == Codec.LZ4) {
            n = LZ4.decompress(src, srcOff, stored, out, 0, raw);
        } else if (codec == Codec.ZSTD) {
            n = zstd.decompressDirectByteBuffer(out, 0, raw, src, srcOff, stored);
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
