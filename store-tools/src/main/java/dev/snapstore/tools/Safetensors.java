package dev.snapstore.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.snapstore.store.safetensors.SafetensorsException;
import dev.snapstore.store.safetensors.SafetensorsHeader;
import dev.snapstore.store.safetensors.TensorInfo;

/**
 * The safetensors layout: an 8-byte little-endian header length N, N bytes of JSON mapping tensor
 * names to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the data that
 * follows the header, padded with spaces to 8 bytes), plus an optional {@code __metadata__} map
 * of strings. Reads and writes the header; orders tensors the way a model runs. Reading a file
 * goes through the public API's validating parser ({@code dev.snapstore.store.safetensors});
 * {@link #parse} stays for a header held without its file. Stateless, thread-safe.
 */
public final class Safetensors {
    /** The largest header accepted (the reference implementation's limit is 100 MB). */
    public static final long MAX_HEADER = 100L << 20;

    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:layers|layer|h|blocks|block)\\.(\\d+)(?:\\.|$)");

    /** One tensor; {@code begin} and {@code end} are relative to the start of the data section. */
    public record Tensor(String name, String dtype, long[] shape, long begin, long end) {
        public long length() {
            return end - begin;
        }
    }

    /** A parsed file: where the data section starts, the tensors in data order, and the metadata. */
    public record Layout(long dataStart, List<Tensor> tensors, Map<String, String> metadata) {
        /** Where {@code t}'s bytes start in the file. */
        public long fileOffset(Tensor t) {
            return dataStart + t.begin();
        }
    }

    private Safetensors() {
    }

    /**
     * Reads the layout of {@code file}, or returns null when the file is not a valid safetensors
     * file. The validation is the public API's ({@link SafetensorsHeader}: every rule of the format).
     */
    public static Layout readIfPresent(Path file) throws IOException {
        SafetensorsHeader h;
        try {
            h = SafetensorsHeader.read(file);
        } catch (SafetensorsException e) {
            return null;
        }
        List<Tensor> tensors = new ArrayList<>();
        for (TensorInfo t : h.tensors()) {
            tensors.add(new Tensor(t.name(), t.dtype().name(), t.shape(), t.offset() - h.dataStart(), t.end() - h.dataStart()));
        }
        return new Layout(h.dataStart(), List.copyOf(tensors), new LinkedHashMap<>(h.metadata()));
    }

    /**
     * Parses a header's JSON. {@code dataStart} is where the data section starts in the file (8 +
     * the header length).
     *
     * @throws IllegalArgumentException naming the tensor when the header does not follow the format
     */
    public static Layout parse(String json, long dataStart) {
        Map<String, Object> doc = Json.parseObject(json);
        List<Tensor> tensors = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                if (e.getValue() instanceof Map) {
                    ((Map<?, ?>) e.getValue()).forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                }
                continue;
            }
            if (!(e.getValue() instanceof Map)) {
                throw new IllegalArgumentException("safetensors tensor " + e.getKey() + ": not an object");
            }
            Map<?, ?> t = (Map<?, ?>) e.getValue();
            long[] offsets = longs(e.getKey(), "data_offsets", t.get("data_offsets"));
            if (offsets.length != 2 || offsets[0] < 0 || offsets[1] < offsets[0]) {
                throw new IllegalArgumentException("safetensors tensor " + e.getKey() + ": bad data_offsets");
            }
            Object shape = t.get("shape");
            tensors.add(new Tensor(e.getKey(), String.valueOf(t.get("dtype")),
                    shape == null ? new long[0] : longs(e.getKey(), "shape", shape), offsets[0], offsets[1]));
        }
        tensors.sort(Comparator.comparingLong(Tensor::begin));
        return new Layout(dataStart, List.copyOf(tensors), metadata);
    }

    private static long[] longs(String tensor, String field, Object v) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("safetensors tensor " + tensor + ": " + field + " is not a list");
        }
        List<?> l = (List<?>) v;
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long)) {
                throw new IllegalArgumentException("safetensors tensor " + tensor + ": " + field + " holds a non-integer");
            }
            out[i] = (Long) l.get(i);
        }
        return out;
    }

    /**
     * The header of a file holding {@code tensors} (and {@code metadata} when not empty): its
     * 8-byte length followed by the JSON, padded with spaces to a multiple of 8 bytes.
     */
    public static byte[] header(List<Tensor> tensors, Map<String, ?> metadata) {
        Map<String, Object> doc = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            doc.put("__metadata__", metadata);
        }
        for (Tensor t : tensors) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dtype", t.dtype());
            m.put("shape", t.shape());
            m.put("data_offsets", new long[] {t.begin(), t.end()});
            doc.put(t.name(), m);
        }
        byte[] json = Json.write(doc).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) {
            b.put((byte) ' ');
        }
        return b.array();
    }

    /** The tensors in execution order: embeddings first, then by layer number, then the rest. */
    public static List<Tensor> layerOrder(List<Tensor> tensors) {
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong((Tensor t) -> layerKey(t.name())).thenComparingLong(Tensor::begin));
        return sorted;
    }

    /** -1 for embeddings, the layer number for layer tensors, Long.MAX_VALUE for the rest (head, final norm). */
    static long layerKey(String name) {
        Matcher m = LAYER.matcher(name);
        if (m.find()) {
            return Long.parseLong(m.group(1));
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("embed") || lower.contains("wte") || lower.contains("tok_")) {
            return -1;
        }
        return Long.MAX_VALUE;
    }
}
