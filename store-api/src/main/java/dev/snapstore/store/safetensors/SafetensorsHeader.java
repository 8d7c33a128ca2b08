package dev.snapstore.store.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import dev.snapstore.store.Snapshot;

/**
 * The validated header of a safetensors file: an 8-byte little-endian length N, N bytes of JSON
 * (an object mapping tensor names to {@code dtype}, {@code shape} and {@code data_offsets}, plus
 * an optional {@code __metadata__} object of strings; trailing spaces allowed), then the data
 * section. Reading checks every rule of the format and throws a {@link SafetensorsException}
 * naming the file, the tensor and the rule: the header length's bounds, strict JSON (no duplicate
 * keys), known dtypes, non-negative integer shapes and offsets, shape × dtype size equal to the
 * byte length (overflow-safe), every tensor inside the data section, no overlaps and no gaps (the
 * tensors cover the data section exactly).
 *
 * <p>Immutable and thread-safe.
 */
public final class SafetensorsHeader {
    /** The largest header accepted, as the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Object source;
    private final long headerLength;
    private final long fileSize;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;
    private final Map<String, String> metadata;

    private SafetensorsHeader(Object source, long headerLength, long fileSize, List<TensorInfo> tensors,
                              Map<String, String> metadata) {
        this.source = source;
        this.headerLength = headerLength;
        this.fileSize = fileSize;
        this.tensors = Collections.unmodifiableList(tensors);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            m.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(m);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Reads and validates the header of the safetensors file {@code file}. */
    public static SafetensorsHeader read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            return read(file, size, (pos, dst) -> {
                while (dst.hasRemaining()) {
                    if (ch.read(dst, pos + dst.position()) < 0) {
                        throw new SafetensorsException(file, null, SafetensorsException.Kind.HEADER_LENGTH,
                                "file shrank while its header was read");
                    }
                }
            });
        }
    }

    /**
     * Reads and validates the header of the safetensors file a snapshot was packed from, through the
     * snapshot's reader (no region is mapped, only the chunks holding the header are decompressed).
     */
    public static SafetensorsHeader read(Snapshot snapshot) throws IOException {
        return read(snapshot.path(), snapshot.length(), (pos, dst) -> snapshot.readFully(pos, dst));
    }

    /** Reads {@code dst.remaining()} bytes at {@code position}. */
    @FunctionalInterface
    private interface Source {
        void read(long position, ByteBuffer dst) throws IOException;
    }

    private static SafetensorsHeader read(Object name, long size, Source in) throws IOException {
        if (size < 8) {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.HEADER_LENGTH,
                    "file of " + size + " bytes is shorter than the 8-byte header length");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        in.read(0, len);
        long n = len.getLong(0);
        checkHeaderLength(name, n, size);
        ByteBuffer json = ByteBuffer.allocate((int) n);
        in.read(8, json);
        return parse(name, json.array(), size);
    }

    private static void checkHeaderLength(Object name, long n, long size) throws SafetensorsException {
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.HEADER_LENGTH, "header length "
                    + Long.toUnsignedString(n) + " outside [2, " + MAX_HEADER_BYTES + "]");
        }
        if (n > size - 8) {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.HEADER_LENGTH, "header length " + n
                    + " runs past the end of the file (" + size + " bytes)");
        }
    }

    /**
     * Validates a header given as its JSON bytes (the {@code N} bytes after the length) for a file of
     * {@code fileSize} bytes; {@code name} is what errors call the file.
     */
    public static SafetensorsHeader parse(Object name, byte[] json, long fileSize) throws SafetensorsException {
        checkHeaderLength(name, json.length, fileSize);
        if (json[0] != '{') {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.JSON,
                    "header does not start with '{'");
        }
        long dataStart = 8L + json.length;
        long dataLength = fileSize - dataStart;
        List<TensorInfo> tensors = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            expect(name, null, p.nextToken(), JsonToken.START_OBJECT, "the header");
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String key = p.currentName();
                if (METADATA_KEY.equals(key)) {
                    readMetadata(name, p, metadata);
                } else {
                    tensors.add(readTensor(name, key, p, dataStart, dataLength));
                }
            }
            if (p.nextToken() != null) {
                throw new SafetensorsException(name, null, SafetensorsException.Kind.JSON,
                        "content after the header's object");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.JSON,
                    "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.JSON, "header unreadable: " + e, e);
        }
        checkCoverage(name, tensors, dataStart, dataLength);
        return new SafetensorsHeader(name, json.length, fileSize, tensors, metadata);
    }

    private static void readMetadata(Object name, JsonParser p, Map<String, String> out) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(name, null, SafetensorsException.Kind.METADATA, "__metadata__ is not an object");
        }
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new SafetensorsException(name, null, SafetensorsException.Kind.METADATA,
                        "__metadata__ entry '" + key + "' is not a string");
            }
            out.put(key, p.getText());
        }
    }

    private static TensorInfo readTensor(Object name, String tensor, JsonParser p, long dataStart, long dataLength)
            throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.JSON, "entry is not an object");
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype":
                    if (v != JsonToken.VALUE_STRING) {
                        throw new SafetensorsException(name, tensor, SafetensorsException.Kind.DTYPE, "dtype is not a string");
                    }
                    dtypeName = p.getText();
                    break;
                case "shape":
                    shape = integers(name, tensor, p, v, SafetensorsException.Kind.SHAPE, "shape");
                    break;
                case "data_offsets":
                    offsets = integers(name, tensor, p, v, SafetensorsException.Kind.OFFSETS, "data_offsets");
                    break;
                default:
                    p.skipChildren(); // other writers may add fields; the format defines only these three
            }
        }
        if (dtypeName == null) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.DTYPE, "no dtype");
        }
        Dtype dtype = Dtype.of(dtypeName);
        if (dtype == null) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.DTYPE, "unknown dtype '" + dtypeName + "'");
        }
        if (shape == null) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.SHAPE, "no shape");
        }
        if (offsets == null || offsets.length != 2) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.OFFSETS,
                    offsets == null ? "no data_offsets" : "data_offsets has " + offsets.length + " entries, not 2");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.OFFSETS,
                    "data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end > dataLength) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.OUT_OF_BOUNDS, "data_offsets ["
                    + begin + ", " + end + "] run past the data section of " + dataLength + " bytes");
        }
        long elements = 1;
        long bytes;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            bytes = Math.multiplyExact(elements, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.SHAPE,
                    "shape " + java.util.Arrays.toString(shape) + " of " + dtype + " overflows 64 bits");
        }
        if (bytes != end - begin) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.SIZE_MISMATCH, "shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " is " + bytes + " bytes but data_offsets ["
                    + begin + ", " + end + "] hold " + (end - begin));
        }
        return new TensorInfo(tensor, dtype, shape, dataStart + begin, bytes, elements);
    }

    private static long[] integers(Object name, String tensor, JsonParser p, JsonToken v,
                                   SafetensorsException.Kind kind, String field) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            throw new SafetensorsException(name, tensor, kind, field + " is not a list");
        }
        long[] out = new long[4];
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new SafetensorsException(name, tensor, kind, field + " holds " + p.getText()
                        + ", not a 64-bit integer");
            }
            long x = p.getLongValue();
            if (x < 0) {
                throw new SafetensorsException(name, tensor, kind, field + " holds a negative value " + x);
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n * 2);
            }
            out[n++] = x;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static void checkCoverage(Object name, List<TensorInfo> tensors, long dataStart, long dataLength)
            throws SafetensorsException {
        tensors.sort(Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::end));
        long expected = dataStart;
        TensorInfo previous = null;
        for (TensorInfo t : tensors) {
            if (t.offset() < expected) {
                throw new SafetensorsException(name, t.name(), SafetensorsException.Kind.OVERLAP, "bytes ["
                        + (t.offset() - dataStart) + ", " + (t.end() - dataStart) + ") overlap tensor '"
                        + previous.name() + "' [" + (previous.offset() - dataStart) + ", " + (previous.end() - dataStart) + ")");
            }
            if (t.offset() > expected) {
                throw new SafetensorsException(name, t.name(), SafetensorsException.Kind.GAP, (t.offset() - expected)
                        + " bytes before it at data offset " + (expected - dataStart) + " belong to no tensor");
            }
            if (t.byteSize() > 0) {
                previous = t;
            }
            expected = t.end();
        }
        if (expected != dataStart + dataLength) {
            throw new SafetensorsException(name, previous != null ? previous.name() : null, SafetensorsException.Kind.GAP,
                    (dataStart + dataLength - expected) + " bytes after " + (previous != null ? "the last tensor" : "the header")
                            + " belong to no tensor");
        }
    }

    private static void expect(Object name, String tensor, JsonToken got, JsonToken want, String what)
            throws SafetensorsException {
        if (got != want) {
            throw new SafetensorsException(name, tensor, SafetensorsException.Kind.JSON, what + " is not a JSON object");
        }
    }

    /** What errors call the file: its path, or the snapshot's. */
    public Object source() {
        return source;
    }

    /** N, the JSON header's length in bytes (after the 8-byte length). */
    public long headerLength() {
        return headerLength;
    }

    /** Where the data section starts: 8 + N. */
    public long dataStart() {
        return 8 + headerLength;
    }

    /** The file's length: the data section ends there. */
    public long fileSize() {
        return fileSize;
    }

    /** The tensors in data order (by offset). */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}, or null. */
    public TensorInfo find(String name) {
        return byName.get(name);
    }

    /** The tensor named {@code name}. @throws java.util.NoSuchElementException naming the tensor and the file */
    public TensorInfo tensor(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw new java.util.NoSuchElementException(source + ": no tensor '" + name + "'");
        }
        return t;
    }

    /** The {@code __metadata__} entries (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }
}
