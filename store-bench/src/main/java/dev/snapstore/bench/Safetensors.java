package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the tensor table of a safetensors file (8-byte little-endian header length, a JSON header,
 * then the tensor bytes) and orders tensors the way a model runs: embeddings, layer 0, layer 1,
 * ..., then the head. Stateless, thread-safe.
 */
public final class Safetensors {
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:layers|layer|h|blocks|block)\\.(\\d+)(?:\\.|$)");

    /** One tensor: absolute byte range in the file. */
    public record Tensor(String name, String dtype, long offset, long length) {
    }

    private Safetensors() {
    }

    /**
     * The tensors of {@code file} in file order, or null when the file is not a safetensors file
     * (the header length or JSON does not fit).
     */
    public static List<Tensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) {
                return null;
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 2 || n > 100L << 20 || 8 + n > size) {
                return null;
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8).trim();
            if (!json.startsWith("{")) {
                return null;
            }
            Object parsed;
            try {
                parsed = Json.parse(json);
            } catch (IllegalArgumentException e) {
                return null;
            }
            long base = 8 + n;
            List<Tensor> tensors = new ArrayList<>();
            for (Map.Entry<String, Object> e : asMap(parsed).entrySet()) {
                if (e.getKey().equals("__metadata__") || !(e.getValue() instanceof Map)) {
                    continue;
                }
                Map<String, Object> t = asMap(e.getValue());
                Object offs = t.get("data_offsets");
                if (!(offs instanceof List) || ((List<?>) offs).size() != 2) {
                    return null;
                }
                long begin = ((Number) ((List<?>) offs).get(0)).longValue();
                long end = ((Number) ((List<?>) offs).get(1)).longValue();
                if (begin < 0 || end < begin || base + end > size) {
                    return null;
                }
                tensors.add(new Tensor(e.getKey(), String.valueOf(t.get("dtype")), base + begin, end - begin));
            }
            tensors.sort(Comparator.comparingLong(Tensor::offset));
            return tensors;
        }
    }

    /** The tensors in execution order: embeddings first, then by layer number, then the rest. */
    public static List<Tensor> layerOrder(List<Tensor> tensors) {
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong((Tensor t) -> layerKey(t.name())).thenComparingLong(Tensor::offset));
        return sorted;
    }

    /** -1 for embeddings, the layer number for layer tensors, Long.MAX_VALUE for the rest (head, final norm). */
    static long layerKey(String name) {
        Matcher m = LAYER.matcher(name);
        if (m.find()) {
            return Long.parseLong(m.group(1));
        }
        String lower = name.toLowerCase();
        if (lower.contains("embed") || lower.contains("wte") || lower.contains("tok_")) {
            return -1;
        }
        return Long.MAX_VALUE;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return (Map<String, Object>) o;
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + pos);
            }
            pos += n;
        }
    }
}
