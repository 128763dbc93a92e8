package io.hakit.api;

import java.util.List;

/**
 * A configuration value is invalid. The message names the field (its configuration key where it has one) and,
 * for a cross-field rule, both fields. Nothing was created or changed.
 */
public class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The configuration keys the problem is about, first the one that must change. */
    private final List<String> fields;

    /**
     * Creates the exception.
     *
     * @param message the detail message, naming the field
     * @param fields the configuration keys the problem is about, first the one that must change
     */
    public InvalidConfigException(String message, String... fields) {
        super(message);
        this.fields = List.of(fields);
    }

    /**
     * The configuration keys the problem is about, first the one that must change.
     *
     * @return the keys, immutable; empty if none was given
     */
    public List<String> fields() {
        return fields;
    }
}
