package dev.snapstore.cli;

import java.util.Map;

import dev.snapstore.tools.Json;

/** JSON objects printed by the CLI, read back with the project's one parser (store-tools' Json). */
final class TestJson {
    private TestJson() {
    }

    static Map<String, Object> object(String text) {
        return Json.parseObject(text.trim());
    }
}
