package io.hakit.api;

import java.util.Objects;

/**
 * One configuration key as a configuration class documents it: its name, the kind of value it takes, its default and
 * what it does (with its hazard). Each configuration class lists its keys ({@code OPTIONS}), made from the same
 * declaration its {@code fromMap} reads them with; the reference page, the check of a configuration file and "did you
 * mean" come from those lists, so they cannot drift from the code. Immutable.
 *
 * @param key          the key; a key ending in {@code <name>} stands for a family ({@code sync.root.<name>})
 * @param type         what its value must be
 * @param defaultValue the default as a user would write it, or {@code "required"}, or {@code "-"} (none)
 * @param description  what it does, its unit or range, and its hazard
 */
public record ConfigOption(String key, Type type, String defaultValue, String description) {

    /** What a value must be. */
    public enum Type {
        /** Any text. */
        STRING("text"),
        /** An identifier: 1-64 characters of {@code [A-Za-z0-9._-]}. */
        ID("1-64 characters of [A-Za-z0-9._-]"),
        /** A whole number. */
        INTEGER("whole number"),
        /** {@code true} or {@code false}. */
        BOOLEAN("true or false"),
        /** A duration with a unit, for example {@code 3 s}. */
        DURATION("duration with a unit (500 ms, 3 s, 1 min, 1 h, 30 d)"),
        /** A size in bytes with a unit, for example {@code 64 kb}. */
        SIZE("size with a unit (512 b, 64 kb, 50 mb, 64 gb)"),
        /** A network address, {@code host:port}. */
        ADDRESS("host:port"),
        /** A file system path. */
        PATH("file system path"),
        /** A time of day, for example {@code 01:00}. */
        TIME_OF_DAY("time of day (01:00)"),
        /** A comma-separated list, or a YAML list. */
        LIST("comma-separated list (or a YAML list)"),
        /** A command line, split into words as a shell would but run without a shell. */
        COMMAND("command line: words and quotes as in a shell, but no shell runs (no variables, redirection or pipes)"),
        /** One of the values the description names. */
        CHOICE("one of the values named");

        private final String shown;

        Type(String shown) {
            this.shown = shown;
        }

        /**
         * How the reference page names it.
         *
         * @return the type's wording on the reference page, for example {@code "whole number"}
         */
        public String shown() {
            return shown;
        }
    }

    /**
     * Creates an option.
     *
     * @param key the key; a key ending in {@code <name>} stands for a family
     * @param type what its value must be
     * @param defaultValue the default as a user would write it, or {@code "required"}, or {@code "-"} (none)
     * @param description what it does, its unit or range, and its hazard
     * @throws NullPointerException if a component is null
     */
    public ConfigOption {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(description, "description");
    }

    /**
     * Whether this option stands for a family of keys ({@code sync.root.<name>}).
     *
     * @return whether the key ends in {@code <name>}
     */
    public boolean isFamily() {
        return key.endsWith("<name>");
    }

    /**
     * Whether {@code k} is this key (or a member of this family).
     *
     * @param k a configuration key
     * @return whether {@code k} is this option's key or, for a family, a key of the family
     */
    public boolean matches(String k) {
        if (isFamily()) {
            String prefix = key.substring(0, key.length() - "<name>".length());
            return k.startsWith(prefix) && k.length() > prefix.length();
        }
        return key.equals(k);
    }
}
