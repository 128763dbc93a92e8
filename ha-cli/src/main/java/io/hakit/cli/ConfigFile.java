package io.hakit.cli;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.keepalive.KeepaliveAgent;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.sync.SyncConfig;
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
 * a sub-key without its parent, or a duration or size without a unit. Values are checked further by the
 * configuration classes ({@link KeepaliveConfig}, {@link KeepaliveAgent}, {@link SyncConfig}); {@link #explain} puts
 * the line in front of their errors. Immutable.
 */
final class ConfigFile {

    /** The agent's own keys (logging). */
    static final String LOG_FILE = "agent.log.file";
    static final String LOG_LEVEL = "agent.log.level";
    static final String LOG_MAX_SIZE = "agent.log.max-size";
    static final String LOG_MAX_FILES = "agent.log.max-files";
    static final List<ConfigOption> AGENT_OPTIONS = ConfigOption.list(
            new ConfigOption(LOG_FILE, ConfigOption.Type.PATH, "<state-dir>/agent.log",
                    "The agent's log, with timestamps, rotated by size; '-' logs to standard error."),
            new ConfigOption(LOG_LEVEL, ConfigOption.Type.CHOICE, "info",
                    "error, warn, info, debug or trace."),
            new ConfigOption(LOG_MAX_SIZE, ConfigOption.Type.SIZE, "10 mb",
                    "The log rolls over to <file>.1 (and older ones move up) at this size."),
            new ConfigOption(LOG_MAX_FILES, ConfigOption.Type.INTEGER, "5",
                    "How many rolled-over logs are kept."),
            new ConfigOption(AgentHttp.BIND, ConfigOption.Type.ADDRESS, "- (off)",
                    "Serves /metrics (Prometheus), /health/live, /health/ready and /status (JSON) on HOST:PORT, or "
                            + "on PORT of the loopback address. Read-only and without authentication: keep it on "
                            + "loopback or a management network."));

    /** The namespaces an agent file may use; high-availability.* is checked by the backend chosen there. */
    private static final List<String> NAMESPACES = List.of("keepalive.", "sync.", "agent.", "high-availability.");

    private final Path file;
    private final Map<String, String> values;
    private final Map<String, Integer> lines;

    private ConfigFile(Path file, Map<String, String> values, Map<String, Integer> lines) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
        this.lines = Collections.unmodifiableMap(lines);
    }

    /** Every option a file may hold, but the high-availability.* ones (their backend checks those). */
    static List<ConfigOption> options() {
        List<ConfigOption> all = new ArrayList<>(KeepaliveConfig.OPTIONS);
        all.addAll(KeepaliveAgent.OPTIONS);
        all.addAll(SyncConfig.OPTIONS);
        all.addAll(AGENT_OPTIONS);
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
                        + " (an agent file holds keepalive.*, sync.*, agent.* and high-availability.* keys)", key);
            }
            if (key.startsWith("high-availability.")) {
                continue;
            }
            ConfigOption o = ConfigOption.find(options, key).orElseThrow(() -> new InvalidConfigException(where(key)
                    + ": unknown key " + key + suggestion(options, key) + "; 'hakit config reference' lists every "
                    + "key", key));
            if (o.type() == ConfigOption.Type.DURATION && value.matches("\\d+")) {
                throw new InvalidConfigException(where(key) + ": " + key + ": '" + value + "' has no unit: write "
                        + value + " ms, " + value + " s or " + value + " min", key);
            }
            if (o.type() == ConfigOption.Type.SIZE && value.matches("\\d+")) {
                throw new InvalidConfigException(where(key) + ": " + key + ": '" + value + "' has no unit: write "
                        + value + " b, " + value + " kb or " + value + " mb", key);
            }
        }
        parent("keepalive.vip.device", "keepalive.vip");
        parent("keepalive.vip.netns", "keepalive.vip");
        parentValue("keepalive.arbiter.addresses", "keepalive.arbiter", "reachability");
        parentValue("keepalive.arbiter.component", "keepalive.arbiter", "lease");
        parent("keepalive.notify.timeout", "keepalive.notify.active", "keepalive.notify.standby",
                "keepalive.notify.fault", "keepalive.notify.stopped");
        if (values.keySet().stream().anyMatch(k -> k.startsWith("sync.")) && values.keySet().stream()
                .noneMatch(k -> k.startsWith(SyncConfig.ROOT))) {
            String any = values.keySet().stream().filter(k -> k.startsWith("sync.")).findFirst().orElseThrow();
            throw new InvalidConfigException(where(any) + ": sync.* keys without any sync.root.<name>: nothing would "
                    + "be synchronized (add sync.root.<name>: /path, or remove the sync keys)", any);
        }
    }

    private void parent(String child, String... parents) {
        if (values.containsKey(child) && java.util.Arrays.stream(parents).noneMatch(values::containsKey)) {
            throw new InvalidConfigException(where(child) + ": " + child + " without " + String.join(" or ", parents)
                    + ": it has no effect alone", child, parents[0]);
        }
    }

    private void parentValue(String child, String parent, String value) {
        if (values.containsKey(child) && !value.equals(values.getOrDefault(parent, "").trim())) {
            throw new InvalidConfigException(where(child) + ": " + child + " is used only with " + parent + "="
                    + value + " (here " + parent + " is '" + values.getOrDefault(parent, "unset") + "')", child,
                    parent);
        }
    }

    private static String suggestion(List<ConfigOption> options, String key) {
        return ConfigOption.nearest(options, key).map(k -> " (did you mean " + k + "?)").orElse("");
    }
}
