package dev.snapstore.store.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * A sharded checkpoint's index, {@code model.safetensors.index.json}: {@code weight_map} maps each
 * tensor to the shard file holding it (a file name in the index's directory); {@code metadata} is
 * kept as read (numbers and strings as text). Immutable, thread-safe.
 */
public final class SafetensorsIndex {
    /** The largest index accepted. */
    public static final long MAX_INDEX_BYTES = 100_000_000L;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path file;
    private final Map<String, String> weightMap;
    private final Map<String, String> metadata;
    private final List<String> shards;

    private SafetensorsIndex(Path file, Map<String, String> weightMap, Map<String, String> metadata) {
        this.file = file;
        this.weightMap = Collections.unmodifiableMap(weightMap);
        this.metadata = Collections.unmodifiableMap(metadata);
        Set<String> s = new LinkedHashSet<>(weightMap.values());
        this.shards = List.copyOf(s);
    }

    /**
     * Reads and validates an index: a JSON object with a {@code weight_map} object of strings, each a
     * plain file name (no directory part), and an optional {@code metadata} object.
     *
     * @throws SafetensorsException of kind {@link SafetensorsException.Kind#INDEX} naming the file
     *         (and the tensor) when it is not one
     */
    public static SafetensorsIndex read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_INDEX_BYTES) {
            throw error(file, null, "index of " + size + " bytes is larger than " + MAX_INDEX_BYTES);
        }
        Map<String, String> weightMap = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(Files.readAllBytes(file))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw error(file, null, "not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                if ("weight_map".equals(key)) {
                    weightMap = new LinkedHashMap<>();
                    if (v != JsonToken.START_OBJECT) {
                        throw error(file, null, "weight_map is not an object");
                    }
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_OBJECT; e = p.nextToken()) {
                        String tensor = p.currentName();
                        if (p.nextToken() != JsonToken.VALUE_STRING) {
                            throw error(file, tensor, "shard is not a string");
                        }
                        String shard = p.getText();
                        if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".")
                                || shard.equals("..")) {
                            throw error(file, tensor, "shard '" + shard + "' is not a file name in the index's directory");
                        }
                        weightMap.put(tensor, shard);
                    }
                } else if ("metadata".equals(key) && v == JsonToken.START_OBJECT) {
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_OBJECT; e = p.nextToken()) {
                        String k = p.currentName();
                        JsonToken mv = p.nextToken();
                        if (mv.isStructStart()) {
                            p.skipChildren();
                        } else {
                            metadata.put(k, p.getText());
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw error(file, null, "content after the index's object");
            }
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, null, SafetensorsException.Kind.INDEX,
                    "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (weightMap == null) {
            throw error(file, null, "no weight_map");
        }
        return new SafetensorsIndex(file, weightMap, metadata);
    }

    private static SafetensorsException error(Path file, String tensor, String what) {
        return new SafetensorsException(file, tensor, SafetensorsException.Kind.INDEX, what);
    }

    /** The index file. */
    public Path file() {
        return file;
    }

    /** Tensor name → shard file name, in the index's order. */
    public Map<String, String> weightMap() {
        return weightMap;
    }

    /** The shard file names, each once, in order of first appearance. */
    public List<String> shards() {
        return shards;
    }

    /** Where shard {@code name} is: next to the index. */
    public Path shardPath(String name) {
        Path dir = file.toAbsolutePath().getParent();
        return dir.resolve(name);
    }

    /** The index's {@code metadata} (values as text). */
    public Map<String, String> metadata() {
        return metadata;
    }
}
