package dev.snapstore.cli;

import java.util.Map;

import dev.snapstore.bench.Json;

/** JSON objects printed by the CLI, read back with the project's one parser (store-bench's Json). */
final class TestJson {
    private TestJson() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text) {
        Object v = Json.parse(text.trim());
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("not a JSON object: " + text);
        }
        return (Map<String, Object>) v;
    }
}
