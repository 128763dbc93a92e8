package io.hakit.cli;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.api.support.ConfigKeys;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.kubernetes.KubernetesOptions;
import io.hakit.sync.SyncConfig;
import io.hakit.zookeeper.ZooKeeperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An agent configuration file (YAML, or Java properties when it ends in {@code .properties}) read strictly: nested
 * YAML keys are joined with dots ({@code keepalive: {node-id: a}} is {@code keepalive.node-id=a}), every key keeps the
 * line it came from, and the file is refused, with the file, the line, the key and the fix, when it has a syntax error,
 * a key twice, a key without a value, a key of no known namespace or unknown in its namespace ("did you mean ..."),
 * a sub-key without its parent, a bad value, or a duration or size without a unit. The keys and values are checked
 * by the configuration classes that own them ({@link KeepaliveConfig}, {@link SyncConfig}, {@link AgentConfig},
 * {@link HaConfig}); the rules across keys when the agent builds them; {@link #explain} puts the line in front of
 * their errors. Immutable.
 */
final class ConfigFile {

    /**
     * The namespaces an agent file may use; high-availability.* keys under a backend's namespace are its own, and of
     * Flink's kubernetes.* only those the Kubernetes backend reads are taken.
     */
    private static final List<String> NAMESPACES = List.of("keepalive.", "sync.", "agent.", "high-availability.",
            "kubernetes.");

    private final Path file;
    private final Map<String, String> values;
    private final Map<String, Integer> lines;

    private ConfigFile(Path file, Map<String, String> values, Map<String, Integer> lines) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
        this.lines = Collections.unmodifiableMap(lines);
    }

    /** Every option a file may hold. */
    static List<ConfigOption> options() {
        List<ConfigOption> all = new ArrayList<>(KeepaliveConfig.OPTIONS);
        all.addAll(SyncConfig.OPTIONS);
        all.addAll(AgentConfig.OPTIONS);
        all.addAll(HaConfig.OPTIONS);
        all.addAll(ZooKeeperOptions.OPTIONS);
        all.addAll(KubernetesOptions.OPTIONS);
        all.addAll(EmbeddedHaBackend.OPTIONS);
        return all;
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws InvalidConfigException naming the file, the line and the problem
     */
    static ConfigFile read(Path file) {
        Map<String, String> values = new TreeMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidConfigException(file + ": cannot read it: " + e.getMessage());
        }
        if (file.getFileName().toString().endsWith(".properties")) {
            properties(file, text, values, lines);
        } else {
            yaml(file, text, values, lines);
        }
        ConfigFile c = new ConfigFile(file, values, lines);
        c.check();
        return c;
    }

    Map<String, String> values() {
        return values;
    }

    Path file() {
        return file;
    }

    /** "file:line" for a key of this file, or the file alone. */
    String where(String key) {
        Integer line = lines.get(key);
        return line == null ? file.toString() : file + ":" + line;
    }

    /** A configuration class's error, with the file and line of the key it names in front. */
    String explain(InvalidConfigException e) {
        return (e.fields().isEmpty() ? file.toString() : where(e.fields().get(0))) + ": " + e.getMessage();
    }

    // ------------------------------------------------------------------ reading

    private static void yaml(Path file, String text, Map<String, String> values, Map<String, Integer> lines) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setCodePointLimit(1 << 20);
        Node root;
        try (Reader r = new java.io.StringReader(text)) {
            root = new Yaml(options).compose(r);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? -1 : e.getProblemMark().getLine() + 1;
            throw new InvalidConfigException(file + (line > 0 ? ":" + line : "") + ": YAML syntax error: "
                    + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")"));
        } catch (YAMLException | IOException e) {
            throw new InvalidConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            return;
        }
        if (!(root instanceof MappingNode m)) {
            throw new InvalidConfigException(file + ":" + line(root) + ": the top level must be a mapping of keys");
        }
        flatten(file, "", m, values, lines);
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }

    private static void flatten(Path file, String prefix, MappingNode map, Map<String, String> values,
                                Map<String, Integer> lines) {
        Map<String, Integer> here = new java.util.HashMap<>(); // YAML keys must be unique in their mapping
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new InvalidConfigException(file + ":" + line(t.getKeyNode()) + ": a key must be plain text");
            }
            String key = prefix + k.getValue();
            int line = line(k);
            Integer twice = here.put(k.getValue(), line);
            if (twice != null) {
                throw new InvalidConfigException(file + ":" + line + ": " + key + " is set twice (lines " + twice
                        + " and " + line + "); keep one", key);
            }
            Node v = t.getValueNode();
            if (v instanceof MappingNode sub) {
                flatten(file, key + ".", sub, values, lines);
                continue;
            }
            String value;
            if (v instanceof SequenceNode seq) {
                List<String> items = new ArrayList<>();
                for (Node item : seq.getValue()) {
                    if (!(item instanceof ScalarNode s)) {
                        throw new InvalidConfigException(file + ":" + line(item) + ": " + key + ": a list item must be "
                                + "plain text", key);
                    }
                    items.add(s.getValue());
                }
                value = String.join(",", items);
            } else if (v instanceof ScalarNode s) {
                if (s.getTag().getValue().endsWith(":null") || (s.getValue().isEmpty() && s.isPlain())) {
                    throw new InvalidConfigException(file + ":" + line + ": key " + key + " has no value", key);
                }
                value = s.getValue();
            } else {
                throw new InvalidConfigException(file + ":" + line + ": " + key + ": unsupported value", key);
            }
            put(file, key, value, line, values, lines);
        }
    }

    private static void properties(Path file, String text, Map<String, String> values, Map<String, Integer> lines) {
        // java.util.Properties semantics, line by line, to know each key's line and refuse duplicates
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            StringBuilder logical = new StringBuilder(all[i]);
            int first = i;
            while (endsWithContinuation(logical) && i + 1 < all.length) {
                logical.setLength(logical.length() - 1);
                logical.append(all[++i].stripLeading());
            }
            String line = logical.toString().strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            java.util.Properties one = new java.util.Properties();
            try {
                one.load(new java.io.StringReader(line));
            } catch (IOException | IllegalArgumentException e) {
                throw new InvalidConfigException(file + ":" + (first + 1) + ": " + e.getMessage());
            }
            for (String k : one.stringPropertyNames()) {
                put(file, k, one.getProperty(k), first + 1, values, lines);
            }
        }
    }

    private static boolean endsWithContinuation(CharSequence s) {
        int backslashes = 0;
        for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    private static void put(Path file, String key, String value, int line, Map<String, String> values,
                            Map<String, Integer> lines) {
        Integer before = lines.get(key);
        if (before != null) {
            throw new InvalidConfigException(file + ":" + line + ": " + key + " is set twice (lines " + before + " and "
                    + line + "); keep one", key);
        }
        values.put(key, value);
        lines.put(key, line);
    }

    // ------------------------------------------------------------------ checks

    private void check() {
        List<ConfigOption> options = options();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            String value = e.getValue().trim();
            if (NAMESPACES.stream().noneMatch(key::startsWith)) {
                throw new InvalidConfigException(where(key) + ": unknown key " + key + suggestion(options, key)
                        + " (an agent file holds keepalive.*, sync.*, agent.* and high-availability.* keys, and "
                        + "kubernetes.namespace, .context and .config.file)", key);
            }
            if (key.startsWith("kubernetes.") && KubernetesOptions.OPTIONS.stream().noneMatch(o -> o.matches(key))) {
                throw new InvalidConfigException(where(key) + ": unknown key " + key + suggestion(options, key)
                        + "; 'hakit config reference' lists every key", key);
            }
            if (key.startsWith("high-availability.") || key.startsWith("kubernetes.")) {
                continue; // Flink's notation: a duration without a unit is milliseconds there
            }
            ConfigOption.Type type = options.stream().filter(o -> o.matches(key)).map(ConfigOption::type)
                    .findFirst().orElse(ConfigOption.Type.STRING);
            if (type == ConfigOption.Type.DURATION && value.matches("\\d+")) {
                throw new InvalidConfigException(where(key) + ": " + key + ": '" + value + "' has no unit: write "
                        + value + " ms, " + value + " s or " + value + " min", key);
            }
            if (type == ConfigOption.Type.SIZE && value.matches("\\d+")) {
                throw new InvalidConfigException(where(key) + ": " + key + ": '" + value + "' has no unit: write "
                        + value + " b, " + value + " kb or " + value + " mb", key);
            }
        }
        // each namespace's owner checks its keys (unknown ones, a key without the key it needs) and their values
        try {
            KeepaliveConfig.builder().options(values);
            SyncConfig.builder().options(values);
            AgentConfig.builder().options(values);
            HaConfig.builder().options(values);
        } catch (InvalidConfigException e) {
            String hint = e.getMessage().startsWith("unknown key ") ? "; 'hakit config reference' lists every key"
                    : "";
            throw new InvalidConfigException(explain(e) + hint, e.fields().toArray(new String[0]));
        }
        if (values.keySet().stream().anyMatch(k -> k.startsWith("sync.")) && values.keySet().stream()
                .noneMatch(k -> k.startsWith(SyncConfig.ROOT))) {
            String any = values.keySet().stream().filter(k -> k.startsWith("sync.")).findFirst().orElseThrow();
            throw new InvalidConfigException(where(any) + ": sync.* keys without any sync.root.<name>: nothing would "
                    + "be synchronized (add sync.root.<name>: /path, or remove the sync keys)", any);
        }
    }

    private static String suggestion(List<ConfigOption> options, String key) {
        return ConfigKeys.suggestion(key, options);
    }
}
