package io.hakit.api;

import java.util.List;

/**
 * A configuration value is invalid. The message names the field (its configuration key where it has one) and,
 * for a cross-field rule, both fields. Nothing was created or changed.
 */
public class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> fields;

    public InvalidConfigException(String message, String... fields) {
        super(message);
        this.fields = List.of(fields);
    }

    /** The configuration keys the problem is about, first the one that must change. */
    public List<String> fields() {
        return fields;
    }
}
