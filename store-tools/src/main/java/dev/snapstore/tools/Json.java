package dev.snapstore.tools;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON the tools need: writing maps (keys in iteration order), collections, arrays of any
 * element type, strings, numbers, booleans, enums (their lower-case name) and null; parsing a
 * document back (safetensors headers, results files). Non-finite doubles become {@code null} (JSON
 * has no NaN); a double that is a whole number below 10^15 is written without a fraction.
 *
 * <p>Parsed values are {@code Map<String,Object>} (insertion-ordered), {@code List<Object>},
 * {@code String}, {@code Long} or {@code Double}, {@code Boolean} or {@code null}. Stateless,
 * thread-safe.
 */
public final class Json {
    /** Significant digits of doubles in {@link #pretty}: more than any measurement carries. */
    public static final int PRETTY_DIGITS = 6;

    /** The characters of a two-character escape after its backslash, and what each stands for (same index). */
    private static final String ESCAPED = "\"\\/bfnrt";
    private static final String UNESCAPED = "\"\\/\b\f\n\r\t";

    private Json() {
    }

    /**
     * An insertion-ordered, mutable map of {@code key, value, key, value, ...}: a JSON object built
     * in one expression.
     *
     * @throws IllegalArgumentException when the arguments do not pair up or a key is not a string
     */
    public static Map<String, Object> object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values do not pair up: " + keysAndValues.length + " arguments");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (!(keysAndValues[i] instanceof String)) {
                throw new IllegalArgumentException("key " + i / 2 + " is not a string: " + keysAndValues[i]);
            }
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** Compact JSON text on one line; doubles at full precision. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(value, sb, -1, 0, null);
        return sb.toString();
    }

    /** JSON text indented by two spaces per level, doubles rounded to {@link #PRETTY_DIGITS} significant digits. */
    public static String pretty(Object value) {
        StringBuilder sb = new StringBuilder(1024);
        write(value, sb, 2, 0, new MathContext(PRETTY_DIGITS));
        return sb.append('\n').toString();
    }

    private static void write(Object v, StringBuilder sb, int indent, int depth, MathContext digits) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof CharSequence || v instanceof Character) {
            quote(v.toString(), sb);
        } else if (v instanceof Enum<?>) {
            quote(((Enum<?>) v).name().toLowerCase(Locale.ROOT), sb);
        } else if (v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Double || v instanceof Float) {
            number(((Number) v).doubleValue(), sb, digits);
        } else if (v instanceof Number) {
            sb.append(v);
        } else if (v instanceof Map<?, ?>) {
            Map<?, ?> m = (Map<?, ?>) v;
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                newline(sb, indent, depth + 1);
                quote(String.valueOf(e.getKey()), sb);
                sb.append(indent >= 0 ? ": " : ":");
                write(e.getValue(), sb, indent, depth + 1, digits);
                if (it.hasNext()) {
                    sb.append(',');
                }
            }
            if (!m.isEmpty()) {
                newline(sb, indent, depth);
            }
            sb.append('}');
        } else if (v instanceof Iterable<?> || v.getClass().isArray()) {
            List<Object> items = new ArrayList<>();
            if (v instanceof Iterable<?>) {
                ((Iterable<?>) v).forEach(items::add);
            } else {
                for (int i = 0, n = Array.getLength(v); i < n; i++) {
                    items.add(Array.get(v, i));
                }
            }
            sb.append('[');
            for (int i = 0; i < items.size(); i++) {
                newline(sb, indent, depth + 1);
                write(items.get(i), sb, indent, depth + 1, digits);
                if (i + 1 < items.size()) {
                    sb.append(',');
                }
            }
            if (!items.isEmpty()) {
                newline(sb, indent, depth);
            }
            sb.append(']');
        } else {
            quote(v.toString(), sb);
        }
    }

    private static void number(double d, StringBuilder sb, MathContext digits) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            sb.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d);
        } else if (digits != null) {
            sb.append(new BigDecimal(d).round(digits).stripTrailingZeros().toString());
        } else {
            sb.append(d);
        }
    }

    private static void newline(StringBuilder sb, int indent, int depth) {
        if (indent >= 0) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
    }

    /** Appends {@code s} as a JSON string literal (quotes, backslashes and control characters escaped). */
    public static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int escape = UNESCAPED.indexOf(c);
            if (escape >= 0 && c != '/') {
                sb.append('\\').append(ESCAPED.charAt(escape));
            } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    /**
     * Parses a JSON document.
     *
     * @throws IllegalArgumentException with the character position when the text is not JSON
     */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    /** {@link #parse} of a document that must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("bad JSON: not an object");
        }
        return (Map<String, Object>) v;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad JSON at character " + pos + ": " + what);
        }

        void ws() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        boolean next(char c) {
            ws();
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        void expect(char c) {
            if (!next(c)) {
                throw error("expected '" + c + "'");
            }
        }

        Object value(int depth) {
            if (depth > 512) {
                throw error("nested too deeply");
            }
            ws();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object(depth);
                case '[': return array(depth);
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected '" + c + "'");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            if (next('}')) {
                return m;
            }
            do {
                ws();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a key");
                }
                String k = string();
                expect(':');
                m.put(k, value(depth + 1));
            } while (next(','));
            expect('}');
            return m;
        }

        List<Object> array(int depth) {
            List<Object> l = new ArrayList<>();
            pos++;
            if (next(']')) {
                return l;
            }
            do {
                l.add(value(depth + 1));
            } while (next(','));
            expect(']');
            return l;
        }

        String string() {
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                int escape = ESCAPED.indexOf(e);
                if (escape >= 0) {
                    sb.append(UNESCAPED.charAt(escape));
                } else if (e == 'u') {
                    sb.append(hex4());
                } else {
                    throw error("bad escape \\" + e);
                }
            }
        }

        /** The four hex digits of a {@code \\u} escape. */
        char hex4() {
            if (pos + 4 > s.length()) {
                throw error("short \\u escape");
            }
            try {
                char c = (char) Integer.parseInt(s.substring(pos, pos + 4), 16);
                pos += 4;
                return c;
            } catch (NumberFormatException ex) {
                throw error("bad \\u escape");
            }
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            boolean integral = true;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c >= '0' && c <= '9') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    pos++;
                } else {
                    break;
                }
            }
            String t = s.substring(start, pos);
            try {
                return integral ? (Object) Long.parseLong(t) : (Object) Double.parseDouble(t);
            } catch (NumberFormatException ex) {
                throw error("bad number '" + t + "'");
            }
        }
    }
}
