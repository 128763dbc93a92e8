package io.hakit.sync;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.Ticker;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;
import io.hakit.keepalive.KeepaliveConfig;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Validated, immutable settings of a {@link FileSync}. Build one with {@link #builder()} or from the agent's
 * configuration with {@link #fromMap(Map)}: the {@code sync.*} keys below ({@link #OPTIONS}), with the pair itself
 * (cluster id, node ids, addresses, certificate directory or insecure mode, state directory) taken from the node's
 * {@link KeepaliveConfig} ({@link Builder#keepalive}), so one file configures both and each key is read by one class.
 * An unknown {@code sync.*} key is refused, naming the nearest valid key.
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
 * <tr><td>{@value #STATE_DIR}</td><td>keepalive.state-dir</td><td>where the sync record (what both nodes agreed on,
 * and the epoch) is kept; must not lie inside a root</td></tr>
 * </table>
 */
public final class SyncConfig {

    /** Prefix of the roots: {@code sync.root.<name>=<directory>}, one key per root, at least one. */
    public static final String ROOT = "sync.root.";
    /** {@code host:port} where the standby accepts the active; default keepalive.bind's host, its port + 1. */
    public static final String BIND = "sync.bind";
    /** {@code host:port} where the active reaches the standby; default keepalive.peer.address's host, its port + 1. */
    public static final String PEER_ADDRESS = "sync.peer.address";
    /** Comma-separated globs of the files to synchronize; default everything. */
    public static final String INCLUDE = "sync.include";
    /** Comma-separated globs of files and directories left out (a directory hides its subtree); default nothing. */
    public static final String EXCLUDE = "sync.exclude";
    /** How often a full round compares the whole trees; default 60 s. */
    public static final String PERIOD = "sync.period";
    /** How long changes are gathered before a round; default 5 ms. */
    public static final String DEBOUNCE = "sync.debounce";
    /** File data per second, a size such as {@code 50 mb}; default 0, no limit. */
    public static final String BANDWIDTH = "sync.bandwidth-limit";
    /** Free space a write must leave on the standby's disk; default 64 mb. */
    public static final String RESERVE = "sync.disk-reserve";
    /** Largest file accepted from the peer; default 64 gb. */
    public static final String MAX_FILE = "sync.max-file-size";
    /** Most paths in one root (and one round's manifest); default 1000000. */
    public static final String MAX_ENTRIES = "sync.max-entries";
    /** The longest silence from the peer within a round; default 30 s. */
    public static final String TIMEOUT = "sync.timeout";
    /** Whether full rounds re-read every file instead of trusting cached digests; default false. */
    public static final String VERIFY_CONTENT = "sync.verify-content";
    /** Where the sync record (what both nodes agreed on, and the epoch) is kept; default keepalive.state-dir. */
    public static final String STATE_DIR = "sync.state-dir";
    /** Whether the active watches its roots and sends changes within milliseconds; default true. */
    public static final String WATCH = "sync.watch";

    private static final Pattern ROOT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private static final ConfigKeys<Builder> KEYS = ConfigKeys.<Builder>owning("sync.")
            .key(ROOT + "<name>", ConfigOption.Type.PATH, "required, one or more", "A directory to mirror from the "
                    + "active to the standby, under a name both nodes share (the paths may differ); roots must not "
                    + "nest.", (b, k, v) -> b.root(k.substring(ROOT.length()), ConfigParsing.path(k, v)))
            .address(BIND, "keepalive.bind's host, its port + 1", "Where the standby accepts the active's "
                    + "synchronizer.", (b, a) -> b.bind(resolved(a)))
            .address(PEER_ADDRESS, "keepalive.peer.address's host, its port + 1", "Where the active reaches the "
                    + "standby's.", (b, a) -> b.peer(resolved(a)))
            .list(INCLUDE, "everything", "Globs on relative paths (or names) of the files to synchronize.",
                    Builder::include)
            .list(EXCLUDE, "nothing", "Globs of files and directories to leave out (a directory left out hides its "
                    + "subtree); left alone on both nodes.", Builder::exclude)
            .duration(PERIOD, "60 s", "A full round compares the whole trees this often; SYNC_FAILED when the standby "
                    + "has not been in sync for two periods.", Builder::period)
            .bool(WATCH, "true", "Watch the roots on the active and send changes within milliseconds; false leaves "
                    + "them to the full rounds.", Builder::watch)
            .duration(DEBOUNCE, "5 ms", "Changes that come while a round runs, or this soon after it, travel "
                    + "together.", Builder::debounce)
            .size(BANDWIDTH, "0 b (no limit)", "File data per second (e.g. 50 mb); a file that changes faster than it "
                    + "travels is sent from a snapshot.", Builder::bandwidthLimit)
            .size(RESERVE, "64 mb", "Free space a write must leave on the standby's disk.", Builder::diskReserve)
            .size(MAX_FILE, "64 gb", "Largest file accepted from the peer.", Builder::maxFileSize)
            .integer(MAX_ENTRIES, "1000000", "Most paths in one root (and one round's manifest).",
                    Builder::maxEntries)
            .duration(TIMEOUT, "30 s", "The longest silence from the peer within a round.", Builder::timeout)
            .bool(VERIFY_CONTENT, "false", "Full rounds re-read every file on both nodes instead of trusting digests "
                    + "kept per file identity. Hazard: reads both trees in full every period.",
                    Builder::verifyContent)
            .path(STATE_DIR, "keepalive.state-dir", "Where the sync record (what both nodes agreed on, and the epoch) "
                    + "is kept.", Builder::stateDir)
            .build();

    /** Every {@code sync.*} key, with its type, default and hazard. */
    public static final List<ConfigOption> OPTIONS = KEYS.options();

    private final KeepaliveConfig keepalive;
    private final InetSocketAddress bind;
    private final InetSocketAddress peerAddress;
    private final Path stateDir;
    private final Map<String, Path> roots;
    private final List<String> includes;
    private final List<String> excludes;
    private final Duration period;
    private final Duration debounce;
    private final long bandwidth;
    private final long reserve;
    private final long maxFileSize;
    private final int maxEntries;
    private final Duration timeout;
    private final boolean verifyContent;
    private final boolean watch;
    private final Ticker ticker;

    private SyncConfig(Builder b, InetSocketAddress bind, InetSocketAddress peerAddress, Path stateDir) {
        keepalive = b.keepalive;
        this.bind = bind;
        this.peerAddress = peerAddress;
        this.stateDir = stateDir;
        roots = Collections.unmodifiableMap(new LinkedHashMap<>(b.roots));
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

    /**
     * A builder with every default; {@link Builder#keepalive} and a root are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the agent's settings: the node's {@link KeepaliveConfig#fromMap} and the {@code sync.*} keys; other keys
     * are left to their owners. The roots must exist.
     *
     * @param settings configuration keys and values; not changed
     * @return the validated settings
     * @throws InvalidConfigException naming the first bad key (or both keys of a bad pair), or an unknown
     *     {@code keepalive.*} or {@code sync.*} key and the nearest valid one
     */
    public static SyncConfig fromMap(Map<String, String> settings) {
        return builder().keepalive(KeepaliveConfig.fromMap(settings)).options(settings).build();
    }

    /**
     * Whether any {@code sync.*} key is present: the agent then runs a synchronizer.
     *
     * @param settings configuration keys and values
     * @return whether a key starts with {@code sync.}
     */
    public static boolean wanted(Map<String, String> settings) {
        return settings.keySet().stream().anyMatch(KEYS::owns);
    }

    /** A {@code host:port} setting, resolved (the synchronizer binds and dials it as given). */
    private static InetSocketAddress resolved(InetSocketAddress a) {
        return new InetSocketAddress(a.getHostString(), a.getPort());
    }

    private static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && a.getHostString().equals(b.getHostString());
    }

    /**
     * The node this synchronizer belongs to.
     *
     * @return the node's keepalive settings: the pair's ids, addresses, TLS and state directory
     */
    public KeepaliveConfig keepalive() {
        return keepalive;
    }

    /**
     * This node's id, as in alarms and log lines.
     *
     * @return {@link KeepaliveConfig#nodeId()} of {@link #keepalive()}
     */
    public String nodeId() {
        return keepalive.nodeId();
    }

    /**
     * {@value #BIND}: where the standby accepts the active.
     *
     * @return the address as set, or {@code keepalive.bind}'s host and port + 1 (resolved)
     */
    public InetSocketAddress bind() {
        return bind;
    }

    /**
     * {@value #PEER_ADDRESS}: where the active reaches the standby.
     *
     * @return the address as set, or {@code keepalive.peer.address}'s host and port + 1 (resolved)
     */
    public InetSocketAddress peerAddress() {
        return peerAddress;
    }

    /**
     * {@value #STATE_DIR}: where the sync record is kept.
     *
     * @return the directory as set, or {@code keepalive.state-dir}; never inside a root
     */
    public Path stateDir() {
        return stateDir;
    }

    /**
     * {@value #ROOT}{@code <name>}: the synchronized roots.
     *
     * @return an unmodifiable map from each root's name (the same on both nodes) to its directory on this node, in
     *     the order the roots were added; never empty, no root inside another
     */
    public Map<String, Path> roots() {
        return roots;
    }

    /**
     * {@value #INCLUDE}: globs of the files to synchronize.
     *
     * @return the globs in the order given; empty (the default) includes every file
     */
    public List<String> includes() {
        return includes;
    }

    /**
     * {@value #EXCLUDE}: globs of files and directories to leave out, on both nodes.
     *
     * @return the globs in the order given; empty (the default) leaves nothing out
     */
    public List<String> excludes() {
        return excludes;
    }

    /**
     * {@value #PERIOD}: how often a full round compares the whole trees; SYNC_FAILED is raised when the standby has
     * not been in sync for two periods.
     *
     * @return the period, positive; default 60 s
     */
    public Duration period() {
        return period;
    }

    /**
     * {@value #DEBOUNCE}: how long changes are gathered before a round.
     *
     * @return the debounce, 0 to 10 s and shorter than the period; default 5 ms
     */
    public Duration debounce() {
        return debounce;
    }

    /**
     * {@value #BANDWIDTH}: the file data the source sends per second.
     *
     * @return bytes per second, at least 64 KiB; 0 (the default) is no limit
     */
    public long bandwidthLimit() {
        return bandwidth;
    }

    /**
     * {@value #RESERVE}: free space a write must leave on the standby's disk.
     *
     * @return bytes, 0 or more; default 64 MiB
     */
    public long diskReserve() {
        return reserve;
    }

    /**
     * {@value #MAX_FILE}: the largest file accepted from the peer.
     *
     * @return bytes, positive; default 64 GiB
     */
    public long maxFileSize() {
        return maxFileSize;
    }

    /**
     * {@value #MAX_ENTRIES}: the most paths in one root (and one round's manifest).
     *
     * @return 1 to 50,000,000; default 1,000,000
     */
    public int maxEntries() {
        return maxEntries;
    }

    /**
     * {@value #TIMEOUT}: the longest silence from the peer within a round; a longer one fails the round.
     *
     * @return the timeout, positive; default 30 s
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * {@value #VERIFY_CONTENT}: whether full rounds re-read every file on both nodes instead of trusting digests
     * cached per file identity. Hazard: every period then reads both trees in full.
     *
     * @return whether full rounds re-read every file; default false
     */
    public boolean verifyContent() {
        return verifyContent;
    }

    /**
     * {@value #WATCH}: whether the active watches its roots and sends changes within milliseconds.
     *
     * @return whether the roots are watched; default true (false leaves changes to the full rounds)
     */
    public boolean watch() {
        return watch;
    }

    /**
     * The monotonic clock of debounce, period, backoff, lag and the bandwidth limit.
     *
     * @return the clock; {@link Ticker#system()} unless a test set another
     */
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public String toString() {
        return "SyncConfig{" + nodeId() + " <-> " + keepalive.peerNodeId() + "@" + peerAddress + ", bind " + bind
                + ", roots " + roots + ", period " + ConfigParsing.format(period) + ", debounce "
                + ConfigParsing.format(debounce) + (keepalive.insecure() ? ", INSECURE (no TLS)"
                : ", mTLS from " + keepalive.certDir().orElseThrow()) + "}";
    }

    /**
     * Builds a {@link SyncConfig}; setters check their own value (naming its key) and leave the builder as it was
     * when they refuse it, {@link #build()} checks the rest. Not thread-safe.
     */
    public static final class Builder {
        private KeepaliveConfig keepalive;
        private InetSocketAddress bind;
        private InetSocketAddress peerAddress;
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
        private Ticker ticker = Ticker.system();
        private boolean requireDirectories = true;

        private Builder() {
        }

        /**
         * Applies the {@code sync.*} keys of {@code settings}, in sorted key order; other keys are ignored (the
         * pair's come with {@link #keepalive}).
         *
         * @param settings configuration keys and values, as in the agent's file; not changed
         * @return this builder
         * @throws InvalidConfigException naming the first bad key, or an unknown {@code sync.*} key and the nearest
         *     valid one (refused before anything is set)
         */
        public Builder options(Map<String, String> settings) {
            return KEYS.apply(settings, this);
        }

        /**
         * The node this synchronizer belongs to. Required. Its cluster id and node ids name the pair (the peer's
         * certificate must carry its node id), its certificate directory (or insecure mode) secures the connection,
         * its state directory is the default {@value SyncConfig#STATE_DIR}, and its bind and peer addresses, port + 1,
         * are the default {@value SyncConfig#BIND} and {@value SyncConfig#PEER_ADDRESS}.
         *
         * @param config the node's keepalive settings
         * @return this builder
         * @throws NullPointerException if {@code config} is null
         */
        public Builder keepalive(KeepaliveConfig config) {
            this.keepalive = Objects.requireNonNull(config, "keepalive");
            return this;
        }

        /**
         * {@value SyncConfig#BIND}: where the standby accepts the active. Default {@code keepalive.bind}'s host, its
         * port + 1; {@link #build()} refuses an address the keepalive pair uses.
         *
         * @param address the address to listen on
         * @return this builder
         * @throws NullPointerException if {@code address} is null
         */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, BIND);
            return this;
        }

        /**
         * {@value SyncConfig#PEER_ADDRESS}: where the active reaches the standby (the peer's {@value SyncConfig#BIND}).
         * Default {@code keepalive.peer.address}'s host, its port + 1; {@link #build()} refuses an address the
         * keepalive pair uses.
         *
         * @param address the peer's synchronizer address
         * @return this builder
         * @throws NullPointerException if {@code address} is null
         */
        public Builder peer(InetSocketAddress address) {
            this.peerAddress = Objects.requireNonNull(address, PEER_ADDRESS);
            return this;
        }

        /**
         * {@value SyncConfig#STATE_DIR}: where the sync record lives (default: the keepalive state directory). It
         * must not lie inside a root; it is created at start if missing.
         *
         * @param dir the state directory
         * @return this builder
         * @throws NullPointerException if {@code dir} is null
         */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, STATE_DIR);
            return this;
        }

        /**
         * {@value SyncConfig#ROOT}{@code <name>}: a directory to mirror, under a name both nodes share (the
         * directories may differ). The same name again replaces the directory. {@link #build()} requires the
         * directory to exist (unless {@link #requireDirectories} is false) and no root to nest in another.
         *
         * @param name the root's name, 1-64 of {@code A-Z a-z 0-9 _ . -}
         * @param dir  the directory on this node
         * @return this builder
         * @throws InvalidConfigException if {@code name} is not 1-64 of those characters
         * @throws NullPointerException   if {@code name} or {@code dir} is null
         */
        public Builder root(String name, Path dir) {
            if (!ROOT_NAME.matcher(name).matches()) {
                throw new InvalidConfigException(ROOT + name + ": a root name is 1-64 of A-Z a-z 0-9 _ . -",
                        ROOT + name);
            }
            roots.put(name, Objects.requireNonNull(dir, ROOT + name));
            return this;
        }

        /**
         * {@value SyncConfig#INCLUDE}: adds globs of the files to synchronize; with none, every file is included.
         *
         * @param globs {@link java.nio.file.FileSystem#getPathMatcher glob} patterns on relative paths (or names)
         * @return this builder
         * @throws InvalidConfigException if one of them is not a glob (none is added then)
         * @throws NullPointerException   if {@code globs} is null
         */
        public Builder include(List<String> globs) {
            globs.forEach(g -> glob(INCLUDE, g));
            includes.addAll(globs);
            return this;
        }

        /**
         * {@value SyncConfig#EXCLUDE}: adds globs of files and directories to leave out (a directory left out hides
         * its subtree); what they match is left alone on both nodes.
         *
         * @param globs {@link java.nio.file.FileSystem#getPathMatcher glob} patterns on relative paths (or names)
         * @return this builder
         * @throws InvalidConfigException if one of them is not a glob (none is added then)
         * @throws NullPointerException   if {@code globs} is null
         */
        public Builder exclude(List<String> globs) {
            globs.forEach(g -> glob(EXCLUDE, g));
            excludes.addAll(globs);
            return this;
        }

        /**
         * {@value SyncConfig#PERIOD}: how often a full round runs. Default 60 s. SYNC_FAILED is raised when the
         * standby has not been in sync for two periods; a shorter period finds what a watch missed sooner, at the
         * cost of a {@code stat} of every path each time.
         *
         * @param d the period, positive and longer than the debounce
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder period(Duration d) {
            this.period = positive(PERIOD, d);
            return this;
        }

        /**
         * {@value SyncConfig#DEBOUNCE}: how long changes are gathered before a round, so a burst travels together.
         * Default 5 ms.
         *
         * @param d the debounce, 0 to 10 s and shorter than the period ({@link #build()} checks that)
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, negative or longer than 10 s
         */
        public Builder debounce(Duration d) {
            if (d == null || d.isNegative() || d.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new InvalidConfigException(DEBOUNCE + " must be 0..10 s, was "
                        + (d == null ? null : ConfigParsing.format(d)), DEBOUNCE);
            }
            this.debounce = d;
            return this;
        }

        /**
         * {@value SyncConfig#BANDWIDTH}: the file data the source sends per second. Default 0, no limit. A file that
         * changes faster than it travels is sent from a snapshot.
         *
         * @param bytesPerSecond 0 (no limit) or at least 64 KiB (65536)
         * @return this builder
         * @throws InvalidConfigException if {@code bytesPerSecond} is negative, or positive and below 64 KiB (too
         *     slow to move a block within {@value SyncConfig#TIMEOUT})
         */
        public Builder bandwidthLimit(long bytesPerSecond) {
            if (bytesPerSecond < 0) {
                throw new InvalidConfigException(BANDWIDTH + " must not be negative", BANDWIDTH);
            }
            if (bytesPerSecond > 0 && bytesPerSecond < 64 * 1024) {
                throw new InvalidConfigException(BANDWIDTH + " below 64 kb/s (" + bytesPerSecond + ") cannot move a "
                        + "block within " + TIMEOUT, BANDWIDTH);
            }
            this.bandwidth = bytesPerSecond;
            return this;
        }

        /**
         * {@value SyncConfig#RESERVE}: free bytes a write must leave on the standby's disk. Default 64 MiB. A write
         * that would leave less fails the round (disk full) instead of filling the disk.
         *
         * @param bytes the reserve in bytes, 0 or more
         * @return this builder
         * @throws InvalidConfigException if {@code bytes} is negative
         */
        public Builder diskReserve(long bytes) {
            if (bytes < 0) {
                throw new InvalidConfigException(RESERVE + " must not be negative", RESERVE);
            }
            this.reserve = bytes;
            return this;
        }

        /**
         * {@value SyncConfig#MAX_FILE}: the largest file accepted from the peer. Default 64 GiB.
         *
         * @param bytes the limit in bytes, positive
         * @return this builder
         * @throws InvalidConfigException if {@code bytes} is zero or negative
         */
        public Builder maxFileSize(long bytes) {
            if (bytes <= 0) {
                throw new InvalidConfigException(MAX_FILE + " must be positive", MAX_FILE);
            }
            this.maxFileSize = bytes;
            return this;
        }

        /**
         * {@value SyncConfig#MAX_ENTRIES}: the most paths in one root (and one round's manifest). Default 1,000,000.
         *
         * @param n the limit, 1 to 50,000,000
         * @return this builder
         * @throws InvalidConfigException if {@code n} is outside 1 to 50,000,000
         */
        public Builder maxEntries(int n) {
            if (n <= 0 || n > 50_000_000) {
                throw new InvalidConfigException(MAX_ENTRIES + " must be 1..50000000", MAX_ENTRIES);
            }
            this.maxEntries = n;
            return this;
        }

        /**
         * {@value SyncConfig#TIMEOUT}: the longest silence from the peer within a round; a longer one fails the
         * round. Default 30 s.
         *
         * @param d the timeout, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder timeout(Duration d) {
            this.timeout = positive(TIMEOUT, d);
            return this;
        }

        /**
         * {@value SyncConfig#WATCH}: watch the roots while active and send changes within milliseconds (default
         * true). False leaves changes to the full rounds, every {@value SyncConfig#PERIOD}.
         *
         * @param on whether to watch
         * @return this builder
         */
        public Builder watch(boolean on) {
            this.watch = on;
            return this;
        }

        /**
         * {@value SyncConfig#VERIFY_CONTENT}: full rounds re-read every file (default false). It catches changes
         * that leave a file's size, mtime, inode and ctime as they were. Hazard: every period reads both trees in
         * full.
         *
         * @param on whether full rounds re-read every file
         * @return this builder
         */
        public Builder verifyContent(boolean on) {
            this.verifyContent = on;
            return this;
        }

        /**
         * Whether {@link #build()} requires the roots to exist (default true). False checks the settings alone, for
         * a configuration checked away from its node ({@code hakit config check}).
         *
         * @param require whether the roots must exist as directories
         * @return this builder
         */
        public Builder requireDirectories(boolean require) {
            this.requireDirectories = require;
            return this;
        }

        /**
         * The monotonic clock for debounce, period, backoff, lag and the bandwidth limit; default
         * {@link Ticker#system()}. Tests inject one.
         *
         * @param t the clock
         * @return this builder
         * @throws NullPointerException if {@code t} is null
         */
        public Builder ticker(Ticker t) {
            this.ticker = Objects.requireNonNull(t, "ticker");
            return this;
        }

        /**
         * Validates and builds. Beyond each setter's own check it refuses: no {@link #keepalive}, no root, a root
         * that is not a directory (unless {@link #requireDirectories} is false), roots that nest, a state directory
         * inside a root, a debounce not shorter than the period, a synchronizer address that is one of the keepalive
         * addresses, and a keepalive port of 0 or 65535 with no synchronizer address set (no port + 1).
         *
         * @return the validated, immutable settings; the builder can be changed and built again
         * @throws InvalidConfigException naming the key (or both keys) at fault
         */
        public SyncConfig build() {
            if (keepalive == null) {
                throw new InvalidConfigException("the synchronizer needs its node's keepalive configuration (the "
                        + "pair's ids, addresses, TLS and state directory): Builder.keepalive", KeepaliveConfig.NODE_ID);
            }
            InetSocketAddress b = bind != null ? bind : plusOne(KeepaliveConfig.BIND, keepalive.bind(), BIND);
            InetSocketAddress p = peerAddress != null ? peerAddress
                    : plusOne(KeepaliveConfig.PEER_ADDRESS, keepalive.peerAddress(), PEER_ADDRESS);
            // the default port + 1 of one node can be the keepalive port of the other (two nodes on one host with
            // adjacent ports): each would then dial a port that speaks the other protocol, or fail to bind
            String bindClash = same(b, keepalive.bind()) ? KeepaliveConfig.BIND
                    : same(b, keepalive.peerAddress()) ? KeepaliveConfig.PEER_ADDRESS : null;
            if (bindClash != null) {
                throw new InvalidConfigException((bind != null ? BIND : BIND + " (default: " + KeepaliveConfig.BIND
                        + "'s port + 1)") + " " + b.getHostString() + ":" + b.getPort() + " is a keepalive address ("
                        + bindClash + "): set " + BIND + " to a free port, or use keepalive ports at least 2 apart",
                        bind != null ? BIND : KeepaliveConfig.BIND);
            }
            String peerClash = same(p, keepalive.bind()) ? KeepaliveConfig.BIND
                    : same(p, keepalive.peerAddress()) ? KeepaliveConfig.PEER_ADDRESS : null;
            if (peerClash != null) {
                throw new InvalidConfigException((peerAddress != null ? PEER_ADDRESS : PEER_ADDRESS + " (default: "
                        + KeepaliveConfig.PEER_ADDRESS + "'s port + 1)") + " " + p.getHostString() + ":" + p.getPort()
                        + " is a keepalive address (" + peerClash + "): set " + PEER_ADDRESS + " to the peer's "
                        + BIND + ", or use keepalive ports at least 2 apart",
                        peerAddress != null ? PEER_ADDRESS : KeepaliveConfig.PEER_ADDRESS);
            }
            Path state = stateDir != null ? stateDir : keepalive.stateDir();
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
                if (state.toAbsolutePath().normalize().startsWith(a)) {
                    throw new InvalidConfigException(STATE_DIR + " " + state + " lies inside " + ROOT
                            + list.get(i).getKey() + " " + a, STATE_DIR, ROOT + list.get(i).getKey());
                }
                for (int j = i + 1; j < list.size(); j++) {
                    Path c = list.get(j).getValue().toAbsolutePath().normalize();
                    if (a.startsWith(c) || c.startsWith(a)) {
                        throw new InvalidConfigException(ROOT + list.get(i).getKey() + " (" + a + ") and " + ROOT
                                + list.get(j).getKey() + " (" + c + ") nest", ROOT + list.get(i).getKey(),
                                ROOT + list.get(j).getKey());
                    }
                }
            }
            if (debounce.compareTo(period) >= 0) {
                throw new InvalidConfigException(DEBOUNCE + " (" + ConfigParsing.format(debounce)
                        + ") must be shorter than " + PERIOD + " (" + ConfigParsing.format(period) + ")", DEBOUNCE,
                        PERIOD);
            }
            return new SyncConfig(this, b, p, state);
        }

        /** The keepalive address's host with its port + 1, resolved. */
        private static InetSocketAddress plusOne(String key, InetSocketAddress a, String setting) {
            if (a.getPort() == 0 || a.getPort() == 65535) {
                throw new InvalidConfigException(key + " port " + a.getPort() + " leaves no port + 1 for the file "
                        + "synchronizer: set " + setting, key);
            }
            return new InetSocketAddress(a.getHostString(), a.getPort() + 1);
        }

        private static void glob(String key, String g) {
            try {
                java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + g);
            } catch (RuntimeException e) {
                throw new InvalidConfigException(key + ": '" + g + "' is not a glob: " + e.getMessage(), key);
            }
        }

        private static Duration positive(String key, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new InvalidConfigException(key + " must be positive, was "
                        + (d == null ? null : ConfigParsing.format(d)), key);
            }
            return d;
        }
    }
}
