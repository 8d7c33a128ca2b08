package dev.snapstore.store.format;

import java.nio.ByteBuffer;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.snapstore.store.Codec;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Compression and decompression of one chunk with the codecs of the format (v1 and v2 alike). Decompression is
 * bounds-checked (safe on corrupt input) and thread-safe; a {@link Compressor} belongs to one
 * thread.
 */
public final class ChunkCodecs {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private static final LZ4SafeDecompressor LZ4_DECOMPRESSOR = LZ4.safeDecompressor();
    private static final ThreadLocal<ZstdDecompressCtx> ZSTD_DCTX = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    /** Default level per codec: LZ4 fast mode, zstd 3. */
    public static int defaultLevel(Codec codec) {
        return codec == Codec.ZSTD ? 3 : 1;
    }

    /** Checks a level for a codec; LZ4 takes 1 (fast) and 2..17 (HC), zstd -7..22. */
    public static void checkLevel(Codec codec, int level) {
        switch (codec) {
            case NONE:
                return;
            case LZ4:
                if (level < 1 || level > 17) {
                    throw new IllegalArgumentException("lz4 level must be 1 (fast) or 2..17 (high compression): " + level);
                }
                return;
            case ZSTD:
                if (level < -7 || level > 22 || level == 0) {
                    throw new IllegalArgumentException("zstd level must be -7..-1 or 1..22: " + level);
                }
                return;
            default:
                throw new IllegalArgumentException("codec " + codec);
        }
    }

    /** Room a compressor may need for {@code rawLength} input. */
    public static int maxCompressedLength(Codec codec, int rawLength) {
        switch (codec) {
            case LZ4:
                return LZ4.fastCompressor().maxCompressedLength(rawLength);
            case ZSTD:
                return (int) Zstd.compressBound(rawLength);
            default:
                return rawLength;
        }
    }

    /**
     * Decompresses {@code src[0, storedLength)} (a direct or heap buffer, absolute index 0) into
     * {@code dst[0, rawLength)}.
     *
     * @return null when the output is exactly {@code rawLength} bytes, else what went wrong
     */
    public static String decompress(Codec codec, ByteBuffer src, int storedLength, ByteBuffer dst, int rawLength) {
        try {
            switch (codec) {
                case NONE: {
                    if (storedLength != rawLength) {
                        return "stored length " + storedLength + " differs from raw length " + rawLength;
                    }
                    ByteBuffer s = src.duplicate();
                    s.clear().limit(storedLength);
                    ByteBuffer d = dst.duplicate();
                    d.clear();
                    d.put(s);
                    return null;
                }
                case LZ4: {
                    int n = LZ4_DECOMPRESSOR.decompress(src, 0, storedLength, dst, 0, rawLength);
                    return n == rawLength ? null : "lz4 block decompressed to " + n + " bytes, expected " + rawLength;
                }
                case ZSTD: {
                    int n;
                    if (src.isDirect() && dst.isDirect()) {
                        n = ZSTD_DCTX.get().decompressDirectByteBuffer(dst, 0, rawLength, src, 0, storedLength);
                    } else {
                        byte[] in = new byte[storedLength];
                        src.duplicate().clear().get(in);
                        byte[] out = new byte[rawLength];
                        n = ZSTD_DCTX.get().decompressByteArray(out, 0, rawLength, in, 0, storedLength);
                        dst.duplicate().clear().put(out, 0, Math.min(n, rawLength));
                    }
                    return n == rawLength ? null : "zstd frame decompressed to " + n + " bytes, expected " + rawLength;
                }
                default:
                    return "unknown codec";
            }
        } catch (RuntimeException e) {
            String msg = e.getMessage();
            return codec.name().toLowerCase() + " data is malformed" + (msg == null ? "" : " (" + msg + ")");
        }
    }

    /** A chunk compressor for one thread; {@link #close()} frees its native context. */
    public static final class Compressor implements AutoCloseable {
        private final Codec codec;
        private final LZ4Compressor lz4;
        private final ZstdCompressCtx zstd;

        public Compressor(Codec codec, int level) {
            checkLevel(codec, level);
            this.codec = codec;
            this.lz4 = codec == Codec.LZ4 ? (level <= 1 ? LZ4.fastCompressor() : LZ4.highCompressor(level)) : null;
            this.zstd = codec == Codec.ZSTD ? new ZstdCompressCtx().setLevel(level) : null;
        }

        /**
         * Compresses direct {@code src[0, rawLength)} into direct {@code dst} (capacity at least
         * {@link #maxCompressedLength}).
         *
         * @return the compressed length, or -1 when compression does not make the chunk smaller
         */
        public int compress(ByteBuffer src, int rawLength, ByteBuffer dst) {
            int n;
            switch (codec) {
                case LZ4:
                    n = lz4.compress(src, 0, rawLength, dst, 0, dst.capacity());
                    break;
                case ZSTD:
                    n = zstd.compressDirectByteBuffer(dst, 0, dst.capacity(), src, 0, rawLength);
                    break;
                default:
                    return -1;
            }
            return n < rawLength ? n : -1;
        }

        @Override
        public void close() {
            if (zstd != null) {
                zstd.close();
            }
        }
    }
}
