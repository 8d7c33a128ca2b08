package dev.snapstore.store.safetensors;

import java.io.IOException;

/**
 * A safetensors file (or index) does not follow the format. The message names the file, the
 * tensor where there is one, and what was wrong; {@link #kind()} says which rule was broken.
 */
public final class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The rule a file broke. */
    public enum Kind {
        /** The 8-byte header length is below 2, above {@link SafetensorsHeader#MAX_HEADER_BYTES} or past the end of the file. */
        HEADER_LENGTH,
        /** The header is not one strict JSON object (syntax, duplicate key, wrong value type). */
        JSON,
        /** {@code __metadata__} is not an object of strings. */
        METADATA,
        /** A tensor's {@code dtype} is missing or not a known type. */
        DTYPE,
        /** A tensor's {@code shape} is missing, holds a negative or non-integer dimension, or overflows. */
        SHAPE,
        /** A tensor's {@code data_offsets} are missing, not two integers, or end before they begin. */
        OFFSETS,
        /** A tensor's bytes extend past the end of the data section. */
        OUT_OF_BOUNDS,
        /** Two tensors share bytes. */
        OVERLAP,
        /** Bytes of the data section belong to no tensor (between tensors, before the first or after the last). */
        GAP,
        /** shape × dtype size differs from the length given by {@code data_offsets}. */
        SIZE_MISMATCH,
        /** A sharded checkpoint's index is invalid or disagrees with its shards. */
        INDEX
    }

    private final transient Object file;
    private final String tensor;
    private final Kind kind;

    /**
     * @param file   the file (a path or a snapshot's name) that is wrong
     * @param tensor the tensor at fault, or null when the fault is not one tensor's
     * @param kind   the rule broken
     * @param detail what was wrong
     */
    public SafetensorsException(Object file, String tensor, Kind kind, String detail) {
        this(file, tensor, kind, detail, null);
    }

    public SafetensorsException(Object file, String tensor, Kind kind, String detail, Throwable cause) {
        super(file + ": " + (tensor != null ? "tensor '" + tensor + "': " : "") + detail, cause);
        this.file = file;
        this.tensor = tensor;
        this.kind = kind;
    }

    /** The file at fault, as given (a {@link java.nio.file.Path} for files). */
    public Object file() {
        return file;
    }

    /** The tensor at fault, or null. */
    public String tensor() {
        return tensor;
    }

    /** The rule broken. */
    public Kind kind() {
        return kind;
    }
}
