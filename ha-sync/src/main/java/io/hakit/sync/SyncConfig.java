package io.hakit.sync;

import io.hakit.api.InvalidConfigException;
import io.hakit.api.support.ConfigParsing;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Validated, immutable settings of a {@link FileSync}. Build one with {@link #builder()} or from the agent's
 * configuration with {@link #fromMap(Map)}: the {@code sync.*} keys below, plus the pair's identity and TLS from the
 * {@code keepalive.*} keys (cluster id, node ids, certificate directory or insecure mode, state directory), so one
 * file configures both.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning and hazard</th></tr>
 * <tr><td>{@value #ROOT}{@code <name>}</td><td>required, one or more</td><td>a directory to mirror, under a name
 * both nodes share; roots must not nest</td></tr>
 * <tr><td>{@value #BIND}</td><td>keepalive.bind's host, its port + 1</td><td>where the standby accepts the
 * active</td></tr>
 * <tr><td>{@value #PEER_ADDRESS}</td><td>keepalive.peer.address's host, its port + 1</td><td>where the active
 * reaches the standby</td></tr>
 * <tr><td>{@value #INCLUDE} / {@value #EXCLUDE}</td><td>everything / nothing</td><td>comma-separated globs on
 * relative paths (or names); an excluded directory hides its subtree; includes select files</td></tr>
 * <tr><td>{@value #PERIOD}</td><td>60 s</td><td>full verification round; SYNC_FAILED is raised when the standby has
 * not been in sync for two periods</td></tr>
 * <tr><td>{@value #WATCH}</td><td>true</td><td>watch the roots on the active and send changes within
 * milliseconds; false leaves changes to the full rounds (and {@link FileSync#syncNow})</td></tr>
 * <tr><td>{@value #DEBOUNCE}</td><td>5 ms</td><td>how long changes are gathered before a round</td></tr>
 * <tr><td>{@value #BANDWIDTH}</td><td>0 (none)</td><td>bytes per second of file data, e.g. {@code 50 mb}</td></tr>
 * <tr><td>{@value #RESERVE}</td><td>64 mb</td><td>free space a write must leave on the standby's disk</td></tr>
 * <tr><td>{@value #MAX_FILE}</td><td>64 gb</td><td>largest file accepted from the peer</td></tr>
 * <tr><td>{@value #MAX_ENTRIES}</td><td>1000000</td><td>most paths in one round's manifest</td></tr>
 * <tr><td>{@value #TIMEOUT}</td><td>30 s</td><td>the longest silence from the peer within a round</td></tr>
 * <tr><td>{@value #VERIFY_CONTENT}</td><td>false</td><td>full rounds re-read every file on both nodes instead of
 * trusting digests cached for a file's identity (size, mtime, inode, ctime). Not needed to see ordinary changes
 * (any write, rename, chmod or {@code touch} changes the identity); it catches what leaves the identity as it was
 * (writes below the file system, a clock set back). Hazard: every period reads both trees in full</td></tr>
 * </table>
 */
public final class SyncConfig {

    public static final String ROOT = "sync.root.";
    public static final String BIND = "sync.bind";
    public static final String PEER_ADDRESS = "sync.peer.address";
    public static final String INCLUDE = "sync.include";
    public static final String EXCLUDE = "sync.exclude";
    public static final String PERIOD = "sync.period";
    public static final String DEBOUNCE = "sync.debounce";
    public static final String BANDWIDTH = "sync.bandwidth-limit";
    public static final String RESERVE = "sync.disk-reserve";
    public static final String MAX_FILE = "sync.max-file-size";
    public static final String MAX_ENTRIES = "sync.max-entries";
    public static final String TIMEOUT = "sync.timeout";
    public static final String VERIFY_CONTENT = "sync.verify-content";
    public static final String STATE_DIR = "sync.state-dir";
    public static final String WATCH = "sync.watch";

    /** Every {@code sync.*} key, with its type, default and hazard. */
    public static final List<io.hakit.api.ConfigOption> OPTIONS = io.hakit.api.ConfigOption.list(
            new io.hakit.api.ConfigOption(ROOT + "<name>", io.hakit.api.ConfigOption.Type.PATH, "required, one or more",
                    "A directory to mirror from the active to the standby, under a name both nodes share (the paths "
                            + "may differ); roots must not nest."),
            new io.hakit.api.ConfigOption(BIND, io.hakit.api.ConfigOption.Type.ADDRESS,
                    "keepalive.bind's host, its port + 1", "Where the standby accepts the active's synchronizer."),
            new io.hakit.api.ConfigOption(PEER_ADDRESS, io.hakit.api.ConfigOption.Type.ADDRESS,
                    "keepalive.peer.address's host, its port + 1", "Where the active reaches the standby's."),
            new io.hakit.api.ConfigOption(INCLUDE, io.hakit.api.ConfigOption.Type.LIST, "everything",
                    "Globs on relative paths (or names) of the files to synchronize."),
            new io.hakit.api.ConfigOption(EXCLUDE, io.hakit.api.ConfigOption.Type.LIST, "nothing",
                    "Globs of files and directories to leave out (a directory left out hides its subtree); left "
                            + "alone on both nodes."),
            new io.hakit.api.ConfigOption(PERIOD, io.hakit.api.ConfigOption.Type.DURATION, "60 s",
                    "A full round compares the whole trees this often; SYNC_FAILED when the standby has not been in "
                            + "sync for two periods."),
            new io.hakit.api.ConfigOption(WATCH, io.hakit.api.ConfigOption.Type.BOOLEAN, "true",
                    "Watch the roots on the active and send changes within milliseconds; false leaves them to the "
                            + "full rounds."),
            new io.hakit.api.ConfigOption(DEBOUNCE, io.hakit.api.ConfigOption.Type.DURATION, "5 ms",
                    "Changes that come while a round runs, or this soon after it, travel together."),
            new io.hakit.api.ConfigOption(BANDWIDTH, io.hakit.api.ConfigOption.Type.SIZE, "0 b (no limit)",
                    "File data per second (e.g. 50 mb); a file that changes faster than it travels is sent from a "
                            + "snapshot."),
            new io.hakit.api.ConfigOption(RESERVE, io.hakit.api.ConfigOption.Type.SIZE, "64 mb",
                    "Free space a write must leave on the standby's disk."),
            new io.hakit.api.ConfigOption(MAX_FILE, io.hakit.api.ConfigOption.Type.SIZE, "64 gb",
                    "Largest file accepted from the peer."),
            new io.hakit.api.ConfigOption(MAX_ENTRIES, io.hakit.api.ConfigOption.Type.INTEGER, "1000000",
                    "Most paths in one root (and one round's manifest)."),
            new io.hakit.api.ConfigOption(TIMEOUT, io.hakit.api.ConfigOption.Type.DURATION, "30 s",
                    "The longest silence from the peer within a round."),
            new io.hakit.api.ConfigOption(VERIFY_CONTENT, io.hakit.api.ConfigOption.Type.BOOLEAN, "false",
                    "Full rounds re-read every file on both nodes instead of trusting digests kept per file "
                            + "identity. Hazard: reads both trees in full every period."),
            new io.hakit.api.ConfigOption(STATE_DIR, io.hakit.api.ConfigOption.Type.PATH, "keepalive.state-dir",
                    "Where the sync record (what both nodes agreed on, and the epoch) is kept."));

    static final String KA_CLUSTER = "keepalive.cluster-id";
    static final String KA_NODE = "keepalive.node-id";
    static final String KA_PEER_NODE = "keepalive.peer.node-id";
    static final String KA_BIND = "keepalive.bind";
    static final String KA_PEER = "keepalive.peer.address";
    static final String KA_CERT_DIR = "keepalive.tls.cert-dir";
    static final String KA_INSECURE = "keepalive.tls.insecure";
    static final String KA_STATE_DIR = "keepalive.state-dir";

    private static final Pattern ROOT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    final String clusterId;
    final String nodeId;
    final String peerNodeId;
    final InetSocketAddress bind;
    final InetSocketAddress peerAddress;
    final Path certDir;
    final boolean insecure;
    final Path stateDir;
    final Map<String, Path> roots;
    final List<String> includes;
    final List<String> excludes;
    final Duration period;
    final Duration debounce;
    final long bandwidth;
    final long reserve;
    final long maxFileSize;
    final int maxEntries;
    final Duration timeout;
    final boolean verifyContent;
    final boolean watch;
    final io.hakit.api.Ticker ticker;

    private SyncConfig(Builder b) {
        clusterId = b.clusterId;
        nodeId = b.nodeId;
        peerNodeId = b.peerNodeId;
        bind = b.bind;
        peerAddress = b.peerAddress;
        certDir = b.certDir;
        insecure = b.insecure;
        stateDir = b.stateDir;
        roots = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.roots));
        includes = List.copyOf(b.includes);
        excludes = List.copyOf(b.excludes);
        period = b.period;
        debounce = b.debounce;
        bandwidth = b.bandwidth;
        reserve = b.reserve;
        maxFileSize = b.maxFileSize;
        maxEntries = b.maxEntries;
        timeout = b.timeout;
        verifyContent = b.verifyContent;
        watch = b.watch;
        ticker = b.ticker;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The synchronized roots by name. */
    public Map<String, Path> roots() {
        return roots;
    }

    public Duration period() {
        return period;
    }

    public String nodeId() {
        return nodeId;
    }

    /**
     * Reads the {@code sync.*} keys and the pair's {@code keepalive.*} identity keys; other keys are ignored (they
     * belong to the keepalive node or the agent).
     *
     * @throws InvalidConfigException naming the first bad key
     */
    public static Builder fromMap(Map<String, String> settings) {
        Builder b = builder();
        Map<String, String> s = new LinkedHashMap<>();
        settings.forEach((k, v) -> s.put(k, v == null ? "" : v.trim()));
        b.cluster(s.getOrDefault(KA_CLUSTER, "default"), req(s, KA_NODE), req(s, KA_PEER_NODE));
        if (ConfigParsing.bool(KA_INSECURE, s.getOrDefault(KA_INSECURE, "false"))) {
            b.insecure();
        } else {
            b.tls(Paths.get(req(s, KA_CERT_DIR)));
        }
        if (s.containsKey(KA_STATE_DIR)) {
            b.stateDir(Paths.get(s.get(KA_STATE_DIR)));
        }
        InetSocketAddress bind = s.containsKey(BIND) ? address(BIND, s.get(BIND)) : plusOne(KA_BIND, req(s, KA_BIND));
        InetSocketAddress peer = s.containsKey(PEER_ADDRESS) ? address(PEER_ADDRESS, s.get(PEER_ADDRESS))
                : plusOne(KA_PEER, req(s, KA_PEER));
        // the default port + 1 of one node can be the keepalive port of the other (two nodes on one host with
        // adjacent ports): each would then dial a port that speaks the other protocol, or fail to bind
        String bindKey = s.containsKey(BIND) ? BIND : BIND + " (default: " + KA_BIND + "'s port + 1)";
        String peerKey = s.containsKey(PEER_ADDRESS) ? PEER_ADDRESS
                : PEER_ADDRESS + " (default: " + KA_PEER + "'s port + 1)";
        InetSocketAddress kaBind = s.containsKey(KA_BIND) ? address(KA_BIND, s.get(KA_BIND)) : null;
        InetSocketAddress kaPeer = s.containsKey(KA_PEER) ? address(KA_PEER, s.get(KA_PEER)) : null;
        String bindClash = same(bind, kaBind) ? KA_BIND : same(bind, kaPeer) ? KA_PEER : null;
        if (bindClash != null) {
            throw new InvalidConfigException(bindKey + " " + bind.getHostString() + ":" + bind.getPort()
                    + " is a keepalive address (" + bindClash + "): set " + BIND
                    + " to a free port, or use keepalive ports at least 2 apart", s.containsKey(BIND) ? BIND : KA_BIND);
        }
        String peerClash = same(peer, kaBind) ? KA_BIND : same(peer, kaPeer) ? KA_PEER : null;
        if (peerClash != null) {
            throw new InvalidConfigException(peerKey + " " + peer.getHostString() + ":" + peer.getPort()
                    + " is a keepalive address (" + peerClash + "): set " + PEER_ADDRESS + " to the peer's " + BIND
                    + ", or use keepalive ports at least 2 apart", s.containsKey(PEER_ADDRESS) ? PEER_ADDRESS : KA_PEER);
        }
        b.bind(bind);
        b.peer(peer);
        for (Map.Entry<String, String> e : s.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (!k.startsWith("sync.")) {
                continue;
            }
            if (k.startsWith(ROOT)) {
                b.root(k.substring(ROOT.length()), Paths.get(v));
                continue;
            }
            switch (k) {
                case BIND, PEER_ADDRESS -> { }
                case INCLUDE -> b.include(globs(v));
                case EXCLUDE -> b.exclude(globs(v));
                case PERIOD -> b.period(ConfigParsing.duration(k, v));
                case DEBOUNCE -> b.debounce(ConfigParsing.duration(k, v));
                case BANDWIDTH -> b.bandwidthLimit(ConfigParsing.bytes(k, v));
                case RESERVE -> b.diskReserve(ConfigParsing.bytes(k, v));
                case MAX_FILE -> b.maxFileSize(ConfigParsing.bytes(k, v));
                case MAX_ENTRIES -> b.maxEntries(ConfigParsing.integer(k, v));
                case TIMEOUT -> b.timeout(ConfigParsing.duration(k, v));
                case VERIFY_CONTENT -> b.verifyContent(ConfigParsing.bool(k, v));
                case STATE_DIR -> b.stateDir(Paths.get(v));
                case WATCH -> b.watch(ConfigParsing.bool(k, v));
                default -> throw new InvalidConfigException("unknown key " + k + " (sync keys: " + ROOT + "<name>, "
                        + String.join(", ", BIND, PEER_ADDRESS, INCLUDE, EXCLUDE, PERIOD, DEBOUNCE, BANDWIDTH,
                        RESERVE, MAX_FILE, MAX_ENTRIES, TIMEOUT, VERIFY_CONTENT, STATE_DIR, WATCH) + ")", k);
            }
        }
        return b;
    }

    /** Whether any {@code sync.*} key is present: the agent then runs a synchronizer. */
    public static boolean wanted(Map<String, String> settings) {
        return settings.keySet().stream().anyMatch(k -> k.startsWith("sync."));
    }

    private static String req(Map<String, String> s, String key) {
        String v = s.get(key);
        if (v == null || v.isEmpty()) {
            throw new InvalidConfigException(key + " is required by the file synchronizer", key);
        }
        return v;
    }

    private static List<String> globs(String v) {
        List<String> l = new ArrayList<>();
        Arrays.stream(v.split(",")).map(String::trim).filter(g -> !g.isEmpty()).forEach(l::add);
        return l;
    }

    private static InetSocketAddress plusOne(String key, String v) {
        InetSocketAddress a = address(key, v);
        if (a.getPort() == 0 || a.getPort() == 65535) {
            throw new InvalidConfigException(key + " port " + a.getPort() + " leaves no port + 1 for the file "
                    + "synchronizer: set " + (key.equals(KA_BIND) ? BIND : PEER_ADDRESS), key);
        }
        return new InetSocketAddress(a.getHostString(), a.getPort() + 1);
    }

    private static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return b != null && a.getPort() == b.getPort() && a.getHostString().equals(b.getHostString());
    }

    /** A {@code host:port} setting, resolved (the synchronizer binds and dials it as given). */
    static InetSocketAddress address(String key, String v) {
        InetSocketAddress a = ConfigParsing.address(key, v);
        return new InetSocketAddress(a.getHostString(), a.getPort());
    }

    @Override
    public String toString() {
        return "SyncConfig{" + nodeId + " <-> " + peerNodeId + "@" + peerAddress + ", bind " + bind + ", roots "
                + roots + ", period " + ConfigParsing.format(period) + ", debounce " + ConfigParsing.format(debounce)
                + (insecure ? ", INSECURE (no TLS)" : ", mTLS from " + certDir) + "}";
    }

    /** Builds a {@link SyncConfig}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private String clusterId;
        private String nodeId;
        private String peerNodeId;
        private InetSocketAddress bind;
        private InetSocketAddress peerAddress;
        private Path certDir;
        private boolean insecure;
        private Path stateDir;
        private final Map<String, Path> roots = new LinkedHashMap<>();
        private final List<String> includes = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private Duration period = Duration.ofSeconds(60);
        private Duration debounce = Duration.ofMillis(5);
        private long bandwidth;
        private long reserve = 64L << 20;
        private long maxFileSize = 64L << 30;
        private int maxEntries = 1_000_000;
        private Duration timeout = Duration.ofSeconds(30);
        private boolean verifyContent;
        private boolean watch = true;
        private io.hakit.api.Ticker ticker = io.hakit.api.Ticker.system();
        private boolean requireDirectories = true;

        private Builder() {
        }

        /** The pair: cluster id and both node ids (the peer's certificate must carry {@code peerNodeId}). */
        public Builder cluster(String clusterId, String nodeId, String peerNodeId) {
            this.clusterId = Objects.requireNonNull(clusterId, KA_CLUSTER);
            this.nodeId = Objects.requireNonNull(nodeId, KA_NODE);
            this.peerNodeId = Objects.requireNonNull(peerNodeId, KA_PEER_NODE);
            return this;
        }

        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, BIND);
            return this;
        }

        public Builder peer(InetSocketAddress address) {
            this.peerAddress = Objects.requireNonNull(address, PEER_ADDRESS);
            return this;
        }

        /** Mutual TLS with the PEM files of the keepalive pair ({@code server.crt}, {@code server.key}, {@code ca.crt}). */
        public Builder tls(Path certDir) {
            this.certDir = Objects.requireNonNull(certDir, KA_CERT_DIR);
            this.insecure = false;
            return this;
        }

        /** No TLS. Hazard: anyone who reaches the port can write into the roots. Tests and trusted links only. */
        public Builder insecure() {
            this.insecure = true;
            this.certDir = null;
            return this;
        }

        /** Where the sync record lives (default: the keepalive state directory). */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, STATE_DIR);
            return this;
        }

        public Builder root(String name, Path dir) {
            if (!ROOT_NAME.matcher(name).matches()) {
                throw new InvalidConfigException(ROOT + name + ": a root name is 1-64 of A-Z a-z 0-9 _ . -",
                        ROOT + name);
            }
            roots.put(name, Objects.requireNonNull(dir, ROOT + name));
            return this;
        }

        public Builder include(List<String> globs) {
            includes.addAll(globs);
            return this;
        }

        public Builder exclude(List<String> globs) {
            excludes.addAll(globs);
            return this;
        }

        public Builder period(Duration d) {
            this.period = Objects.requireNonNull(d, PERIOD);
            return this;
        }

        public Builder debounce(Duration d) {
            this.debounce = Objects.requireNonNull(d, DEBOUNCE);
            return this;
        }

        public Builder bandwidthLimit(long bytesPerSecond) {
            this.bandwidth = bytesPerSecond;
            return this;
        }

        public Builder diskReserve(long bytes) {
            this.reserve = bytes;
            return this;
        }

        public Builder maxFileSize(long bytes) {
            this.maxFileSize = bytes;
            return this;
        }

        public Builder maxEntries(int n) {
            this.maxEntries = n;
            return this;
        }

        public Builder timeout(Duration d) {
            this.timeout = Objects.requireNonNull(d, TIMEOUT);
            return this;
        }

        /** {@value SyncConfig#WATCH}: watch the roots while active (default true). */
        public Builder watch(boolean on) {
            this.watch = on;
            return this;
        }

        public Builder verifyContent(boolean on) {
            this.verifyContent = on;
            return this;
        }

        /**
         * Whether {@link #build()} requires the roots to exist (default true). False checks the settings alone, for
         * a configuration checked away from its node ({@code hakit config check}).
         */
        public Builder requireDirectories(boolean require) {
            this.requireDirectories = require;
            return this;
        }

        /**
         * The monotonic clock for debounce, period, backoff, lag and the bandwidth limit; default
         * {@link io.hakit.api.Ticker#system()}. Tests inject one.
         */
        public Builder ticker(io.hakit.api.Ticker t) {
            this.ticker = java.util.Objects.requireNonNull(t, "ticker");
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming the key (or both keys) at fault
         */
        public SyncConfig build() {
            if (clusterId == null || clusterId.isBlank()) {
                throw new InvalidConfigException(KA_CLUSTER + " is required", KA_CLUSTER);
            }
            if (nodeId == null || nodeId.isBlank() || peerNodeId == null || peerNodeId.isBlank()) {
                throw new InvalidConfigException(KA_NODE + " and " + KA_PEER_NODE + " are required", KA_NODE,
                        KA_PEER_NODE);
            }
            if (nodeId.equals(peerNodeId)) {
                throw new InvalidConfigException(KA_NODE + " and " + KA_PEER_NODE + " are both '" + nodeId + "'",
                        KA_NODE, KA_PEER_NODE);
            }
            if (bind == null) {
                throw new InvalidConfigException(BIND + " is required", BIND);
            }
            if (peerAddress == null) {
                throw new InvalidConfigException(PEER_ADDRESS + " is required", PEER_ADDRESS);
            }
            if (!insecure && certDir == null) {
                throw new InvalidConfigException(KA_CERT_DIR + " is required unless " + KA_INSECURE + " is true",
                        KA_CERT_DIR, KA_INSECURE);
            }
            if (stateDir == null) {
                throw new InvalidConfigException(STATE_DIR + " (or " + KA_STATE_DIR + ") is required: the sync "
                        + "record lives there", STATE_DIR, KA_STATE_DIR);
            }
            if (roots.isEmpty()) {
                throw new InvalidConfigException("no " + ROOT + "<name> key: nothing to synchronize", ROOT);
            }
            List<Map.Entry<String, Path>> list = new ArrayList<>(roots.entrySet());
            for (int i = 0; i < list.size(); i++) {
                Path a = list.get(i).getValue().toAbsolutePath().normalize();
                if (requireDirectories && !Files.isDirectory(a)) {
                    throw new InvalidConfigException(ROOT + list.get(i).getKey() + ": " + a
                            + " is not a directory", ROOT + list.get(i).getKey());
                }
                if (stateDir.toAbsolutePath().normalize().startsWith(a)) {
                    throw new InvalidConfigException(STATE_DIR + " " + stateDir + " lies inside " + ROOT
                            + list.get(i).getKey() + " " + a, STATE_DIR, ROOT + list.get(i).getKey());
                }
                for (int j = i + 1; j < list.size(); j++) {
                    Path b = list.get(j).getValue().toAbsolutePath().normalize();
                    if (a.startsWith(b) || b.startsWith(a)) {
                        throw new InvalidConfigException(ROOT + list.get(i).getKey() + " (" + a + ") and " + ROOT
                                + list.get(j).getKey() + " (" + b + ") nest", ROOT + list.get(i).getKey(),
                                ROOT + list.get(j).getKey());
                    }
                }
            }
            for (String g : includes) {
                glob(INCLUDE, g);
            }
            for (String g : excludes) {
                glob(EXCLUDE, g);
            }
            positive(PERIOD, period);
            if (debounce.isNegative() || debounce.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new InvalidConfigException(DEBOUNCE + " must be 0..10 s, was " + ConfigParsing.format(debounce),
                        DEBOUNCE);
            }
            if (debounce.compareTo(period) >= 0) {
                throw new InvalidConfigException(DEBOUNCE + " (" + ConfigParsing.format(debounce)
                        + ") must be shorter than " + PERIOD + " (" + ConfigParsing.format(period) + ")", DEBOUNCE,
                        PERIOD);
            }
            positive(TIMEOUT, timeout);
            if (bandwidth < 0) {
                throw new InvalidConfigException(BANDWIDTH + " must not be negative", BANDWIDTH);
            }
            if (bandwidth > 0 && bandwidth < 64 * 1024) {
                throw new InvalidConfigException(BANDWIDTH + " below 64 kb/s (" + bandwidth + ") cannot move a "
                        + "block within " + TIMEOUT, BANDWIDTH);
            }
            if (reserve < 0) {
                throw new InvalidConfigException(RESERVE + " must not be negative", RESERVE);
            }
            if (maxFileSize <= 0) {
                throw new InvalidConfigException(MAX_FILE + " must be positive", MAX_FILE);
            }
            if (maxEntries <= 0 || maxEntries > 50_000_000) {
                throw new InvalidConfigException(MAX_ENTRIES + " must be 1..50000000", MAX_ENTRIES);
            }
            return new SyncConfig(this);
        }

        private static void glob(String key, String g) {
            try {
                java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + g);
            } catch (RuntimeException e) {
                throw new InvalidConfigException(key + ": '" + g + "' is not a glob: " + e.getMessage(), key);
            }
        }

        private static void positive(String key, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new InvalidConfigException(key + " must be positive, was " + ConfigParsing.format(d), key);
            }
        }
    }
}
