package io.hakit.benchmarks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON writer for benchmark results: maps (written in their iteration order; use a
 * {@link java.util.LinkedHashMap}), lists, strings, booleans, integers and {@link BigDecimal}s. One line, with
 * {@code ", "} and {@code ": "} separators, as docs/benchmarks.md shows.
 */
public final class Json {

    private Json() {
    }

    /**
     * A scenario's result object, in the order docs/benchmarks.md shows: {@code scenario}, {@code params},
     * {@code results}; a scenario may add more (its {@code goal}) after them.
     */
    public static Map<String, Object> scenario(String name, Map<String, ?> params, Map<String, ?> results) {
        Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("scenario", name);
        json.put("params", params);
        json.put("results", results);
        return json;
    }

    /**
     * The JSON text of {@code value}.
     *
     * @throws IllegalArgumentException for a type it does not write (doubles included: round them with
     *     {@link #decimal(double, int)} first), a non-string map key or a null
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    /**
     * {@code value} rounded half-up to {@code decimals} places, without trailing zeros (0.210 is written 0.21).
     *
     * @throws IllegalArgumentException if {@code value} is NaN or infinite
     */
    public static BigDecimal decimal(double value, int decimals) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("JSON has no number for " + value);
        }
        BigDecimal d = BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0) : d;
    }

    private static void write(StringBuilder out, Object value) {
        if (value instanceof Map) {
            out.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = ((Map<?, ?>) value).entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                if (!(e.getKey() instanceof String)) {
                    throw new IllegalArgumentException("JSON object keys are strings, not " + e.getKey());
                }
                string(out, (String) e.getKey());
                out.append(": ");
                write(out, e.getValue());
                if (it.hasNext()) {
                    out.append(", ");
                }
            }
            out.append('}');
        } else if (value instanceof List) {
            out.append('[');
            List<?> list = (List<?>) value;
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                write(out, list.get(i));
            }
            out.append(']');
        } else if (value instanceof String) {
            string(out, (String) value);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            out.append(value);
        } else if (value instanceof BigDecimal) {
            out.append(((BigDecimal) value).toPlainString());
        } else {
            throw new IllegalArgumentException("cannot write " + (value == null ? "null" : value.getClass().getName())
                    + " as JSON: " + value);
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
