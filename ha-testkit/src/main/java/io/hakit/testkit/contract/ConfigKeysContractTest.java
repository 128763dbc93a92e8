package io.hakit.testkit.contract;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The contract of a configuration class's keys, HAKit's one configuration shape (builder, validated immutable
 * configuration, {@code fromMap}, a key table in {@code OPTIONS}), checked from a table with one {@link Case} per key:
 * <ul>
 *   <li>every key of {@code OPTIONS} has a case, and each key's value is read from a map by every way the class reads
 *   keys ({@link #readers()});</li>
 *   <li>a misspelt key is refused, naming the nearest valid key and only the misspelt key;</li>
 *   <li>a bad value is refused naming its key, and leaves the builder as it was;</li>
 *   <li>the builder in Java and the keys agree ({@link #builtInJava()}).</li>
 * </ul>
 * A configuration class's test extends it, names the class's key table and how it is read and built in its
 * constructor, lists its {@link #cases()} and builds it in Java ({@link #builtInJava()}), and adds its own checks
 * (keys that need one another, other namespaces) as further tests.
 *
 * @param <C> the configuration class
 * @param <B> its builder
 */
public abstract class ConfigKeysContractTest<C, B> {

    /**
     * One key of the table.
     *
     * @param key      the key as {@code OPTIONS} lists it (a family's with its {@code <name>})
     * @param value    a valid value other than the default
     * @param getter   reads what the key set
     * @param expected what {@code getter} returns once {@code value} is read
     * @param bad      a value the key refuses, or null when it refuses none
     * @param <C>      the configuration class
     */
    public record Case<C>(String key, String value, Function<C, ?> getter, Object expected, String bad) {
    }

    private final List<ConfigOption> options;
    private final Function<Map<String, String>, C> fromMap;
    private final Function<Map<String, String>, B> builder;
    private final BiConsumer<B, Map<String, String>> apply;
    private final Function<B, C> build;

    /**
     * @param options the keys the class owns: its {@code OPTIONS}
     * @param fromMap its {@code fromMap}
     * @param builder a builder that has read the given keys: its {@code builder().options(keys)}, after whatever else
     *                the class needs to be built (a configuration it takes part of its settings from, say)
     * @param apply   the builder's {@code options(keys)}
     * @param build   the builder's {@code build()}
     */
    protected ConfigKeysContractTest(List<ConfigOption> options, Function<Map<String, String>, C> fromMap,
            Function<Map<String, String>, B> builder, BiConsumer<B, Map<String, String>> apply, Function<B, C> build) {
        this.options = List.copyOf(options);
        this.fromMap = Objects.requireNonNull(fromMap, "fromMap");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.apply = Objects.requireNonNull(apply, "apply");
        this.build = Objects.requireNonNull(build, "build");
    }

    /**
     * The table: one case per key of {@code OPTIONS}.
     *
     * @return the cases
     */
    protected abstract List<Case<C>> cases();

    /**
     * The configuration built in Java, with the builder's setters, holding what {@link #everyValue()} holds.
     *
     * @return the configuration
     */
    protected abstract C builtInJava();

    /**
     * Every way the class reads keys, each checked with every case. Default: its {@code fromMap} (a backend's
     * options add their reading through {@code HaConfig}).
     *
     * @return the readers
     */
    protected List<Function<Map<String, String>, C>> readers() {
        return List.of(fromMap);
    }

    /**
     * The map a case is read from: its key and value, with what the class needs besides (its required keys, a key
     * this one needs). Default: the key alone.
     *
     * @param key   the key as a map holds it
     * @param value its value
     * @return a new, modifiable map
     */
    protected Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>();
        m.put(key, value);
        return m;
    }

    /**
     * The keys given with a case's bad value. Default: the bad value alone.
     *
     * @param key the key as a map holds it
     * @param bad the bad value
     * @return the keys
     */
    protected Map<String, String> withBad(String key, String bad) {
        return Map.of(key, bad);
    }

    /**
     * The key as a map holds it. Default: the case's key; a family's key names one member.
     *
     * @param c the case
     * @return the key in a map
     */
    protected String mapKey(Case<C> c) {
        return c.key();
    }

    /**
     * The keys that must be refused when misspelt. Default: every case's {@link #mapKey}.
     *
     * @return the keys
     */
    protected Collection<String> misspeltKeys() {
        return cases().stream().map(this::mapKey).toList();
    }

    /**
     * How a key is misspelt. Default: without its last character but one.
     *
     * @param key the key
     * @return a key one letter away
     */
    protected String misspell(String key) {
        return key.substring(0, key.length() - 2) + key.charAt(key.length() - 1);
    }

    /**
     * What {@link #builderAndFromMapAgree()} reads. Default: every case's value. The cases whose value the map holds
     * are compared.
     *
     * @return a new, modifiable map
     */
    protected Map<String, String> everyValue() {
        Map<String, String> all = new HashMap<>();
        cases().forEach(c -> all.put(mapKey(c), c.value()));
        return all;
    }

    /**
     * What else the configuration read from {@link #everyValue()} and the one built in Java must agree on (their
     * {@code toString}, say). Default: nothing.
     *
     * @param fromMap read from the keys
     * @param built   built in Java
     */
    protected void alsoAgree(C fromMap, C built) {
    }

    @Test
    void everyKeyRoundTripsFromAMap() {
        assertThat(cases()).extracting(Case::key).as("a case for every key")
                .containsExactlyInAnyOrderElementsOf(options.stream().map(ConfigOption::key).toList());
        for (Function<Map<String, String>, C> reader : readers()) {
            for (Case<C> c : cases()) {
                assertThat(c.getter().apply(reader.apply(with(mapKey(c), c.value())))).as(c.key())
                        .isEqualTo(c.expected());
            }
        }
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheNearestValidKey() {
        for (String key : misspeltKeys()) {
            String typo = misspell(key);
            InvalidConfigException e = catchThrowableOfType(() -> fromMap.apply(with(typo, "x")),
                    InvalidConfigException.class);
            assertThat(e).as(typo).isNotNull();
            assertThat(e.getMessage()).contains("unknown key " + typo).contains("did you mean " + key + "?");
            assertThat(e.fields()).containsExactly(typo);
        }
    }

    @Test
    void aBadValueNamesTheKeyAndChangesNothing() {
        for (Case<C> c : cases()) {
            if (c.bad() == null) {
                continue;
            }
            String key = mapKey(c);
            B b = builder.apply(with(key, c.value()));
            InvalidConfigException e = catchThrowableOfType(() -> apply.accept(b, withBad(key, c.bad())),
                    InvalidConfigException.class);
            assertThat(e).as(key + "=" + c.bad()).isNotNull();
            assertThat(e.getMessage()).contains(key);
            assertThat(e.fields()).first().isEqualTo(key);
            assertThat(c.getter().apply(build.apply(b))).as(key + " unchanged").isEqualTo(c.expected());
        }
    }

    @Test
    void builderAndFromMapAgree() {
        Map<String, String> all = everyValue();
        C read = fromMap.apply(all);
        C built = builtInJava();
        int compared = 0;
        for (Case<C> c : cases()) {
            if (c.value().equals(all.get(mapKey(c)))) {
                assertThat(c.getter().apply(read)).as(c.key()).isEqualTo(c.getter().apply(built));
                compared++;
            }
        }
        assertThat(compared).as("cases compared").isPositive();
        alsoAgree(read, built);
    }
}
