package io.hakit.cli;

import java.util.Properties;
import java.util.TreeSet;

/** A node's status as one JSON object: {@code hakit status --json} and the agent's {@code /status}. */
final class StatusJson {

    private StatusJson() {
    }

    /**
     * @param status the status file's properties
     * @param down why the node is not running, or null when it runs
     * @return {"state": "UP" or "DOWN", "down": why, then every property by name}
     */
    static String of(Properties status, String down) {
        StringBuilder b = new StringBuilder("{\"state\": ").append(quote(down == null ? "UP" : "DOWN"));
        if (down != null) {
            b.append(", \"down\": ").append(quote(down));
        }
        for (String k : new TreeSet<>(status.stringPropertyNames())) {
            b.append(", ").append(quote(k)).append(": ").append(quote(status.getProperty(k)));
        }
        return b.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
