package io.hakit.api;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One configuration key as a configuration class documents it: its name, the kind of value it takes, its default and
 * what it does (with its hazard). Each configuration class lists its keys ({@code OPTIONS}); the reference page, the
 * check of a configuration file and "did you mean" come from those lists, so they cannot drift from the code.
 * Immutable.
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

    /**
     * The option among {@code options} that {@code key} is, if any.
     *
     * @param options the known options
     * @param key a configuration key
     * @return the first option matching {@code key}, or empty
     */
    public static Optional<ConfigOption> find(Collection<ConfigOption> options, String key) {
        return options.stream().filter(o -> o.matches(key)).findFirst();
    }

    /**
     * The known key closest to {@code key} (a typo of it), if one is close enough to be a likely fix: within an edit
     * distance of a third of its length (at least 2), or the same key under another namespace.
     *
     * @param options the known options
     * @param key an unknown configuration key
     * @return the suggested key, or empty if none is close enough
     */
    public static Optional<String> nearest(Collection<ConfigOption> options, String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigOption o : options) {
            String candidate = o.isFamily() ? o.key.substring(0, o.key.length() - "<name>".length())
                    + tail(key) : o.key;
            int d = distance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        int limit = Math.max(2, key.length() / 3);
        return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    private static String tail(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? key : key.substring(dot + 1);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * An option list, for the {@code OPTIONS} constants.
     *
     * @param options the options, in the order the reference page lists them
     * @return an immutable list of the options
     * @throws NullPointerException if an option is null
     */
    public static List<ConfigOption> list(ConfigOption... options) {
        return List.of(options);
    }
}
