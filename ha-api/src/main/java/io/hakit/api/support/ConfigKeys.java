package io.hakit.api.support;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * The configuration keys one class owns, declared once: each key's name, the kind of value it takes, its default,
 * what it does (with its hazard), and how its value is parsed and set on the class's builder. The class's
 * {@code Builder.options(Map)} applies a map with {@link #apply}; its public {@code OPTIONS} list
 * ({@link #options()}) documents the keys, and the agent's reference page and file check are made from those lists.
 *
 * <p>A key under one of the table's namespaces ({@code keepalive.}) that the table does not declare is refused,
 * naming the nearest valid key; keys outside its namespaces are left to their owners. A table may declare keys
 * outside its namespaces too (the Kubernetes backend reads three of Flink's {@code kubernetes.*} keys, a namespace
 * it does not own). Immutable and thread-safe once built.
 *
 * @param <B> the builder the keys are applied to
 */
public final class ConfigKeys<B> {

    /**
     * Applies one key's value to a builder.
     *
     * @param <B> the builder
     */
    @FunctionalInterface
    public interface Setter<B> {
        /**
         * Parses {@code value} and sets it on {@code builder}.
         *
         * @param builder the builder
         * @param key the key, as given (for a family, the member's whole key)
         * @param value the value, trimmed
         * @throws InvalidConfigException naming {@code key} if the value is invalid; the builder is unchanged then
         */
        void set(B builder, String key, String value);
    }

    private static final String FAMILY = "<name>";

    private final List<String> namespaces;
    private final Set<String> foreign;
    private final List<Entry<B>> entries;
    private final List<ConfigOption> options;
    /** What an unknown key is compared with: this table's keys and the other classes' keys in its namespaces. */
    private final List<ConfigOption> known;

    private ConfigKeys(Declaration<B> d) {
        this.namespaces = List.copyOf(d.namespaces);
        this.foreign = d.foreign.stream().map(ConfigOption::key).collect(Collectors.toUnmodifiableSet());
        this.entries = List.copyOf(d.entries);
        this.options = entries.stream().map(Entry::option).toList();
        List<ConfigOption> all = new ArrayList<>(options);
        all.addAll(d.foreign);
        this.known = List.copyOf(all);
    }

    /**
     * Starts a table that owns the keys under {@code namespaces}.
     *
     * @param <B> the builder the keys are applied to
     * @param namespaces key prefixes the table owns, each ending in a dot ({@code keepalive.}); none for a table
     *     that owns single keys only
     * @return a declaration to add the keys to
     */
    public static <B> Declaration<B> owning(String... namespaces) {
        return new Declaration<>(List.of(namespaces));
    }

    /**
     * The keys, in declaration order: what the reference page lists.
     *
     * @return an immutable list of the keys
     */
    public List<ConfigOption> options() {
        return options;
    }

    /**
     * Whether {@code key} lies in a namespace this table owns (declared or not).
     *
     * @param key a configuration key
     * @return whether the key is this table's to accept or refuse
     */
    public boolean owns(String key) {
        return !foreign.contains(key) && namespaces.stream().anyMatch(key::startsWith);
    }

    /**
     * The declared key {@code key} is (or is a member of), if any.
     *
     * @param key a configuration key
     * @return the key's option, or empty
     */
    public Optional<ConfigOption> find(String key) {
        return entry(key).map(Entry::option);
    }

    /**
     * Checks the keys of {@code map} without parsing their values: every key in the table's namespaces must be
     * declared, and a key that has effect only with another must have it.
     *
     * @param map configuration keys and values; keys outside the table's namespaces are ignored
     * @throws InvalidConfigException naming the unknown key and the nearest valid one, or the key without its parent
     */
    public void check(Map<String, String> map) {
        for (String key : new TreeMap<>(map).keySet()) {
            if (entry(key).isEmpty() && owns(key)) {
                throw unknown(key, known);
            }
        }
        for (Entry<B> e : entries) {
            for (String key : new TreeMap<>(map).keySet()) {
                if (e.option().matches(key)) {
                    e.checkParent(key, map);
                }
            }
        }
    }

    /**
     * Applies the table's keys of {@code map} to {@code builder}, in sorted key order, after {@link #check}.
     *
     * @param map configuration keys and values; keys outside the table are ignored, values are trimmed
     * @param builder the builder to set them on
     * @return {@code builder}
     * @throws InvalidConfigException naming the first unknown key (and the nearest valid one), key without its parent,
     *     key without a value or invalid value; the keys before it in sorted order are set by then
     */
    public B apply(Map<String, String> map, B builder) {
        check(map);
        for (Map.Entry<String, String> kv : new TreeMap<>(map).entrySet()) {
            Optional<Entry<B>> e = entry(kv.getKey());
            if (e.isEmpty()) {
                continue;
            }
            if (kv.getValue() == null) {
                throw new InvalidConfigException(kv.getKey() + " has no value", kv.getKey());
            }
            e.get().setter().set(builder, kv.getKey(), kv.getValue().trim());
        }
        return builder;
    }

    private Optional<Entry<B>> entry(String key) {
        return key == null ? Optional.empty() : entries.stream().filter(e -> e.option().matches(key)).findFirst();
    }

    /**
     * The refusal of an unknown key, naming the nearest of {@code known}.
     *
     * @param key the unknown key
     * @param known the valid keys
     * @return an exception naming {@code key} (its field) and the nearest valid key
     */
    public static InvalidConfigException unknown(String key, Collection<ConfigOption> known) {
        return new InvalidConfigException("unknown key " + key + suggestion(key, known), key);
    }

    /**
     * " (did you mean K?)" for the valid key K nearest to {@code key} (a typo of it), or " (the nearest valid key is
     * K)" when none is close; empty when {@code known} is empty.
     *
     * @param key an unknown key
     * @param known the valid keys
     * @return the suggestion, starting with a blank, or an empty string
     */
    public static String suggestion(String key, Collection<ConfigOption> known) {
        Optional<String> near = nearest(key, known);
        if (near.isPresent()) {
            return " (did you mean " + near.get() + "?)";
        }
        return closest(key, known).map(k -> " (the nearest valid key is " + k + ")").orElse("");
    }

    /**
     * The valid key closest to {@code key}, if it is close enough to be a likely fix: within an edit distance of a
     * third of its length (at least 2). A family ({@code sync.root.<name>}) is compared with the key's last part as
     * its name.
     *
     * @param key an unknown configuration key
     * @param known the valid keys
     * @return the suggested key, or empty if none is close enough
     */
    public static Optional<String> nearest(String key, Collection<ConfigOption> known) {
        int limit = Math.max(2, key.length() / 3);
        return closest(key, known).filter(k -> distance(lower(key), lower(k)) <= limit);
    }

    private static Optional<String> closest(String key, Collection<ConfigOption> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigOption o : known) {
            String candidate = o.isFamily() ? o.key().substring(0, o.key().length() - FAMILY.length()) + tail(key)
                    : o.key();
            int d = distance(lower(key), lower(candidate));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
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

    private record Entry<B>(ConfigOption option, Setter<B> setter, List<String> parents, String parentValue) {

        void checkParent(String key, Map<String, String> map) {
            if (parents.isEmpty()) {
                return;
            }
            if (parentValue == null) {
                if (parents.stream().noneMatch(map::containsKey)) {
                    throw new InvalidConfigException(key + " without " + String.join(" or ", parents)
                            + ": it has no effect alone", key, parents.get(0));
                }
                return;
            }
            String parent = parents.get(0);
            String actual = map.get(parent);
            if (actual == null || !parentValue.equals(actual.trim())) {
                throw new InvalidConfigException(key + " is used only with " + parent + "=" + parentValue + " (here "
                        + parent + " is '" + (actual == null ? "unset" : actual.trim()) + "')", key, parent);
            }
        }
    }

    /**
     * The keys of a table, declared one after the other; each typed method parses the value with
     * {@link ConfigParsing} (the error names the key) and hands it to the setter.
     *
     * @param <B> the builder the keys are applied to
     */
    public static final class Declaration<B> {
        private final List<String> namespaces;
        private final List<ConfigOption> foreign = new ArrayList<>();
        private final List<Entry<B>> entries = new ArrayList<>();

        private Declaration(List<String> namespaces) {
            this.namespaces = namespaces;
        }

        /**
         * Keys that another class owns, some of them under this table's namespaces: neither declared nor refused
         * here, but named when an unknown key is nearest to one of them.
         *
         * @param keys the other class's keys
         * @return this declaration
         */
        public Declaration<B> except(Collection<ConfigOption> keys) {
            foreign.addAll(keys);
            return this;
        }

        /**
         * A key whose setter parses the text itself. A key ending in {@code <name>} declares a family
         * ({@code sync.root.<name>}); its setter is given the member's whole key.
         *
         * @param key the key
         * @param type what its value must be
         * @param defaultValue the default as a user would write it, {@code "required"}, or {@code "-"} (none)
         * @param description what it does, its unit or range, and its hazard
         * @param setter parses and sets the value
         * @return this declaration
         */
        public Declaration<B> key(String key, ConfigOption.Type type, String defaultValue, String description,
                Setter<B> setter) {
            entries.add(new Entry<>(new ConfigOption(key, type, defaultValue, description),
                    Objects.requireNonNull(setter, "setter"), List.of(), null));
            return this;
        }

        /**
         * A text key ({@link ConfigOption.Type#STRING}, {@link ConfigOption.Type#ID} or
         * {@link ConfigOption.Type#CHOICE}): the setter checks the text.
         *
         * @param key the key
         * @param type what its value must be
         * @param defaultValue the default as a user would write it
         * @param description what it does and its hazard
         * @param setter sets the trimmed text
         * @return this declaration
         */
        public Declaration<B> text(String key, ConfigOption.Type type, String defaultValue, String description,
                BiConsumer<B, String> setter) {
            return key(key, type, defaultValue, description, (b, k, v) -> setter.accept(b, v));
        }

        /**
         * A duration key ({@link ConfigParsing#duration}).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does and its hazard
         * @param setter sets the duration
         * @return this declaration
         */
        public Declaration<B> duration(String key, String defaultValue, String description,
                BiConsumer<B, Duration> setter) {
            return typed(key, ConfigOption.Type.DURATION, defaultValue, description, ConfigParsing::duration, setter);
        }

        /**
         * A size key in bytes ({@link ConfigParsing#bytes}).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does and its hazard
         * @param setter sets the size in bytes
         * @return this declaration
         */
        public Declaration<B> size(String key, String defaultValue, String description, BiConsumer<B, Long> setter) {
            return typed(key, ConfigOption.Type.SIZE, defaultValue, description, ConfigParsing::bytes, setter);
        }

        /**
         * A whole-number key ({@link ConfigParsing#integer}).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does and its range
         * @param setter sets the number
         * @return this declaration
         */
        public Declaration<B> integer(String key, String defaultValue, String description,
                BiConsumer<B, Integer> setter) {
            return typed(key, ConfigOption.Type.INTEGER, defaultValue, description, ConfigParsing::integer, setter);
        }

        /**
         * A boolean key ({@link ConfigParsing#bool}).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does and its hazard
         * @param setter sets the boolean
         * @return this declaration
         */
        public Declaration<B> bool(String key, String defaultValue, String description,
                BiConsumer<B, Boolean> setter) {
            return typed(key, ConfigOption.Type.BOOLEAN, defaultValue, description, ConfigParsing::bool, setter);
        }

        /**
         * A {@code host:port} key ({@link ConfigParsing#address}; unresolved).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does
         * @param setter sets the address
         * @return this declaration
         */
        public Declaration<B> address(String key, String defaultValue, String description,
                BiConsumer<B, InetSocketAddress> setter) {
            return typed(key, ConfigOption.Type.ADDRESS, defaultValue, description, ConfigParsing::address, setter);
        }

        /**
         * A file system path key ({@link ConfigParsing#path}).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does
         * @param setter sets the path
         * @return this declaration
         */
        public Declaration<B> path(String key, String defaultValue, String description, BiConsumer<B, Path> setter) {
            return typed(key, ConfigOption.Type.PATH, defaultValue, description, ConfigParsing::path, setter);
        }

        /**
         * A comma-separated list key ({@link ConfigParsing#list}).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does
         * @param setter sets the items
         * @return this declaration
         */
        public Declaration<B> list(String key, String defaultValue, String description,
                BiConsumer<B, List<String>> setter) {
            return typed(key, ConfigOption.Type.LIST, defaultValue, description, ConfigParsing::list, setter);
        }

        /**
         * A command-line key ({@link ConfigParsing#command}: words as a shell splits them, no shell run).
         *
         * @param key the key
         * @param defaultValue the default as a user would write it
         * @param description what it does
         * @param setter sets the words
         * @return this declaration
         */
        public Declaration<B> command(String key, String defaultValue, String description,
                BiConsumer<B, List<String>> setter) {
            return typed(key, ConfigOption.Type.COMMAND, defaultValue, description, ConfigParsing::command, setter);
        }

        private <T> Declaration<B> typed(String key, ConfigOption.Type type, String defaultValue, String description,
                BiFunction<String, String, T> parse, BiConsumer<B, T> setter) {
            Objects.requireNonNull(setter, "setter");
            return key(key, type, defaultValue, description, (b, k, v) -> setter.accept(b, parse.apply(k, v)));
        }

        /**
         * The key declared last has effect only with one of {@code parents}: a map with it and without them is
         * refused ("... without ...: it has no effect alone").
         *
         * @param parents the keys it depends on, the one to name first
         * @return this declaration
         * @throws IllegalStateException if no key was declared yet
         */
        public Declaration<B> requires(String... parents) {
            return parent(List.of(parents), null);
        }

        /**
         * The key declared last is used only when {@code parent} has {@code value}: a map with it and another value
         * (or none) is refused.
         *
         * @param parent the key it depends on
         * @param value the value of {@code parent} it is used with
         * @return this declaration
         * @throws IllegalStateException if no key was declared yet
         */
        public Declaration<B> requiresValue(String parent, String value) {
            return parent(List.of(parent), Objects.requireNonNull(value, "value"));
        }

        private Declaration<B> parent(List<String> parents, String value) {
            if (entries.isEmpty()) {
                throw new IllegalStateException("no key declared yet");
            }
            Entry<B> last = entries.remove(entries.size() - 1);
            entries.add(new Entry<>(last.option(), last.setter(), parents, value));
            return this;
        }

        /**
         * The table.
         *
         * @return the immutable table
         */
        public ConfigKeys<B> build() {
            return new ConfigKeys<>(this);
        }
    }
}
