package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals("[1,2.5,null,null,-3,0.000123457,1.23457E+20]",
                Json.write(Arrays.asList(1.0, 2.5, Double.NaN, Double.POSITIVE_INFINITY, -3L, 0.0001234567, 1.234567e20)));
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
}
