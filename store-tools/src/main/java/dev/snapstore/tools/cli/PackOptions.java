package dev.snapstore.tools.cli;

import java.util.Locale;

import dev.snapstore.store.Codec;
import dev.snapstore.store.SnapshotWriter;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.tools.Sizes;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --codec}, {@code --level} and {@code --chunk-size}, a picocli mixin: how the commands that
 * write a snapshot ({@code pack}, {@code demo}, {@code bench}) pack it. Not thread-safe; picocli
 * fills one per command run.
 */
public final class PackOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--codec", defaultValue = "lz4", paramLabel = "lz4|zstd|none", converter = Converters.CodecName.class,
            description = "Compression of each chunk (default: ${DEFAULT-VALUE}). lz4 restores fastest, zstd is smaller.")
    public Codec codec;

    @Option(names = "--level", paramLabel = "N",
            description = "Compression level of the codec (default: the library's default).")
    public Integer level;

    @Option(names = "--chunk-size", defaultValue = "2M", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Chunk size: a power of two from 64K to 64M (default: ${DEFAULT-VALUE}).")
    public long chunkSize;

    /** The chunk size, checked against the format's bounds: a usage error when it is not one. */
    public int chunkSize() {
        long min = 1L << FormatV1.MIN_CHUNK_SHIFT;
        long max = 1L << FormatV1.MAX_CHUNK_SHIFT;
        if (chunkSize < min || chunkSize > max || Long.bitCount(chunkSize) != 1) {
            throw new ParameterException(mixee.commandLine(), "--chunk-size must be a power of two from "
                    + Sizes.format(min) + " to " + Sizes.format(max) + ": " + Sizes.format(chunkSize) + " ("
                    + chunkSize + " bytes)");
        }
        return (int) chunkSize;
    }

    /** A writer with these options on {@code threads} threads. */
    public SnapshotWriter.Builder writer(int threads) {
        SnapshotWriter.Builder b = SnapshotWriter.builder().codec(codec).chunkSize(chunkSize()).threads(threads);
        if (level != null) {
            b.level(level);
        }
        return b;
    }

    /** "lz4", "zstd-3": the codec and, when given, its level. */
    public String label() {
        return codec.name().toLowerCase(Locale.ROOT) + (level == null ? "" : "-" + level);
    }
}
