package dev.snapstore.samples;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The safetensors layout, just enough of it: an 8-byte little-endian header length, a JSON
 * header mapping tensor names to dtype, shape and data offsets, then the tensor bytes.
 * Thread-safe (immutable).
 */
final class SafeTensors {
    /** One tensor; offsets are relative to the start of the data section. */
    record Tensor(String name, String dtype, long[] shape, long begin, long end) {
        long bytes() {
            return end - begin;
        }
    }

    private SafeTensors() {
    }

    /** The JSON header for tensors laid out back to back in list order. */
    static byte[] header(List<Tensor> tensors) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[");
            for (int d = 0; d < t.shape().length; d++) {
                sb.append(d > 0 ? "," : "").append(t.shape()[d]);
            }
            sb.append("],\"data_offsets\":[").append(t.begin()).append(',').append(t.end()).append("]}");
        }
        sb.append('}');
        // The format pads the header with spaces to 8-byte alignment.
        while ((sb.length() & 7) != 0) {
            sb.append(' ');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a header produced by any safetensors writer (names without escapes). */
    static List<Tensor> parse(String json) {
        Parser p = new Parser(json);
        List<Tensor> out = new ArrayList<>();
        p.expect('{');
        while (!p.peek('}')) {
            String name = p.string();
            p.expect(':');
            if (name.equals("__metadata__")) {
                p.skipValue();
            } else {
                String dtype = null;
                List<Long> shape = new ArrayList<>();
                long begin = -1;
                long end = -1;
                p.expect('{');
                while (!p.peek('}')) {
                    String key = p.string();
                    p.expect(':');
                    switch (key) {
                        case "dtype":
                            dtype = p.string();
                            break;
                        case "shape":
                            shape = p.numbers();
                            break;
                        case "data_offsets": {
                            List<Long> o = p.numbers();
                            begin = o.get(0);
                            end = o.get(1);
                            break;
                        }
                        default:
                            p.skipValue();
                    }
                    p.comma();
                }
                p.expect('}');
                out.add(new Tensor(name, dtype, shape.stream().mapToLong(Long::longValue).toArray(), begin, end));
            }
            p.comma();
        }
        return out;
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        boolean peek(char c) {
            ws();
            return i < s.length() && s.charAt(i) == c;
        }

        void expect(char c) {
            ws();
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("safetensors header: expected '" + c + "' at " + i);
            }
            i++;
        }

        void comma() {
            if (peek(',')) {
                i++;
            }
        }

        String string() {
            expect('"');
            int start = i;
            while (s.charAt(i) != '"') {
                i++;
            }
            return s.substring(start, i++);
        }

        List<Long> numbers() {
            List<Long> out = new ArrayList<>();
            expect('[');
            while (!peek(']')) {
                ws();
                int start = i;
                while (Character.isDigit(s.charAt(i))) {
                    i++;
                }
                out.add(Long.parseLong(s.substring(start, i)));
                comma();
            }
            expect(']');
            return out;
        }

        void skipValue() {
            ws();
            char c = s.charAt(i);
            if (c == '"') {
                string();
            } else if (c == '{' || c == '[') {
                int depth = 0;
                do {
                    char d = s.charAt(i++);
                    if (d == '"') {
                        while (s.charAt(i) != '"') {
                            i++;
                        }
                        i++;
                    } else if (d == '{' || d == '[') {
                        depth++;
                    } else if (d == '}' || d == ']') {
                        depth--;
                    }
                } while (depth > 0);
            } else {
                while (i < s.length() && ",}]".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
            }
        }
    }
}
