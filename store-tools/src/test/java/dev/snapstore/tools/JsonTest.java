package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\"", Json.write("a\"b\\c"));
        assertEquals("\"\\n\\r\\t\\b\\f\"", Json.write("\n\r\t\b\f"));
        assertEquals("\"\\u0000\\u001f\\u2028\"", Json.write("\u0000\u001f\u2028"));
        assertEquals("\"héllo ✓ /\"", Json.write("héllo ✓ /"));
    }

    @Test
    void everyStringSurvivesARoundTrip() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x300; c++) {
            all.append(c);
        }
        all.append("\uD83D\uDE00 \u2029 end");
        String s = all.toString();
        assertEquals(s, Json.parse(Json.write(s)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(s, List.of(s, 1L, true));
        assertEquals(m, Json.parse(Json.pretty(m)));
    }

    @Test
    void writesNumbersAndNonFiniteAsNull() {
        List<Object> numbers = Arrays.asList(1.0, 2.5, Double.NaN, Double.POSITIVE_INFINITY, -3L, 0.0001234567, 1.234567e20);
        // compact (the CLI's --json): full precision; pretty (results.json): six significant digits
        assertEquals("[1,2.5,null,null,-3,1.234567E-4,1.234567E20]", Json.write(numbers));
        assertEquals("[1,2.5,null,null,-3,0.000123457,1.23457E+20]", Json.pretty(numbers).replaceAll("\\s", ""));
        assertEquals(1.23457E+20, ((Number) Json.parse("1.23457E+20")).doubleValue());
    }

    @Test
    void nestedStructuresAndNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", null);
        m.put("b", List.of());
        m.put("c", Map.of());
        assertEquals("{\"a\":null,\"b\":[],\"c\":{}}", Json.write(m));
        assertEquals(m, Json.parse(Json.pretty(m)));
    }

    @Test
    void rejectsMalformedText() {
        for (String bad : new String[] {"", "{", "[1,]x", "\"abc", "{\"a\" 1}", "tru", "\"\\x\"", "[1] 2", "\"a\u0001\""}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void jsonEscapesAndRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quote\"back\\slash", "line\nbreak\ttab\u0001ctl \u2028 é");
        m.put("n", 42L);
        m.put("d", 1.5);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1, "two", true));
        m.put("ints", new int[] {3, 4});
        m.put("mode", java.util.concurrent.TimeUnit.SECONDS);
        m.put("null", null);
        String json = Json.write(m);
        assertTrue(!json.contains("\n"), json);
        Map<String, Object> back = Json.parseObject(json);
        assertEquals("line\nbreak\ttab\u0001ctl \u2028 é", back.get("quote\"back\\slash"));
        assertEquals(42L, back.get("n"));
        assertEquals(1.5, back.get("d"));
        assertEquals(null, back.get("nan"));
        assertTrue(back.containsKey("nan"));
        assertEquals(List.of(1L, "two", true), back.get("list"));
        assertEquals(List.of(3L, 4L), back.get("ints"), "arrays of primitives are arrays, not \"[I@...\"");
        assertEquals("seconds", back.get("mode"), "enums by their lower-case name");
    }
}
