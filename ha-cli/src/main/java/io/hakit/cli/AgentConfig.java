package io.hakit.cli;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated, immutable settings of {@code hakit agent} itself: every {@code agent.*} key (its log and its HTTP
 * endpoints), read from the agent file with {@link #fromMap(Map)}. The node's keys are {@code KeepaliveConfig}'s, the
 * synchronizer's {@code SyncConfig}'s. An unknown {@code agent.*} key is refused, naming the nearest valid key.
 */
final class AgentConfig {

    static final String LOG_FILE = "agent.log.file";
    static final String LOG_LEVEL = "agent.log.level";
    static final String LOG_MAX_SIZE = "agent.log.max-size";
    static final String LOG_MAX_FILES = "agent.log.max-files";
    static final String HTTP_BIND = "agent.http.bind";

    private static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");

    private static final ConfigKeys<Builder> KEYS = ConfigKeys.<Builder>owning("agent.")
            .text(LOG_FILE, ConfigOption.Type.PATH, "<state-dir>/agent.log",
                    "The agent's log, with timestamps, rotated by size; '-' logs to standard error.",
                    Builder::logFile)
            .text(LOG_LEVEL, ConfigOption.Type.CHOICE, "info", "error, warn, info, debug or trace.",
                    Builder::logLevel)
            .size(LOG_MAX_SIZE, "10 mb", "The log rolls over to <file>.1 (and older ones move up) at this size.",
                    Builder::logMaxSize)
            .integer(LOG_MAX_FILES, "5", "How many rolled-over logs are kept.", Builder::logMaxFiles)
            .text(HTTP_BIND, ConfigOption.Type.ADDRESS, "- (off)", "Serves /metrics (Prometheus), /health/live, "
                    + "/health/ready and /status (JSON) on HOST:PORT, or on PORT of the loopback address. Read-only "
                    + "and without authentication: keep it on loopback or a management network.",
                    (b, v) -> b.httpBind(httpAddress(v)))
            .build();

    /** Every {@code agent.*} key, with its type, default and hazard. */
    static final List<ConfigOption> OPTIONS = KEYS.options();

    private final String logFile;
    private final String logLevel;
    private final long logMaxSize;
    private final int logMaxFiles;
    private final InetSocketAddress httpBind;

    private AgentConfig(Builder b) {
        this.logFile = b.logFile;
        this.logLevel = b.logLevel;
        this.logMaxSize = b.logMaxSize;
        this.logMaxFiles = b.logMaxFiles;
        this.httpBind = b.httpBind;
    }

    static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the {@code agent.*} keys of {@code settings}; other keys are left to their owners.
     *
     * @throws InvalidConfigException naming the first bad key, or an unknown {@code agent.*} key and the nearest
     *     valid one
     */
    static AgentConfig fromMap(Map<String, String> settings) {
        return builder().options(settings).build();
    }

    /**
     * {@code agent.http.bind}'s value as an address: {@code PORT} (loopback) or {@code HOST:PORT}.
     *
     * @throws InvalidConfigException naming the key
     */
    static InetSocketAddress httpAddress(String value) {
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : v.substring(0, colon);
        String port = colon < 0 ? v : v.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (host.isEmpty() || p < 0 || p > 65535) {
            throw new InvalidConfigException(HTTP_BIND + " must be PORT or HOST:PORT (port 0-65535), not '" + value
                    + "'", HTTP_BIND);
        }
        return InetSocketAddress.createUnresolved(host, p);
    }

    /** {@value #LOG_FILE}: the log file, or standard error ({@code -}); default {@code agent.log} in the state dir. */
    Path logFile(Path stateDir) {
        return logFile == null ? stateDir.resolve("agent.log") : Path.of(logFile);
    }

    /** Whether {@value #LOG_FILE} is {@code -}: everything on standard error. */
    boolean logToStandardError() {
        return "-".equals(logFile);
    }

    /** {@value #LOG_LEVEL}, lower case. */
    String logLevel() {
        return logLevel;
    }

    /** {@value #LOG_MAX_SIZE} in bytes. */
    long logMaxSize() {
        return logMaxSize;
    }

    /** {@value #LOG_MAX_FILES}. */
    int logMaxFiles() {
        return logMaxFiles;
    }

    /** {@value #HTTP_BIND} (unresolved), if set. */
    Optional<InetSocketAddress> httpBind() {
        return Optional.ofNullable(httpBind);
    }

    /** Builds an {@link AgentConfig}; setters check their own value, naming its key. */
    static final class Builder {
        private String logFile;
        private String logLevel = "info";
        private long logMaxSize = 10L << 20;
        private int logMaxFiles = 5;
        private InetSocketAddress httpBind;

        private Builder() {
        }

        /** Applies the {@code agent.*} keys of {@code settings}; other keys are ignored. */
        Builder options(Map<String, String> settings) {
            return KEYS.apply(settings, this);
        }

        Builder logFile(String file) {
            ConfigParsing.path(LOG_FILE, file);
            this.logFile = file;
            return this;
        }

        Builder logLevel(String level) {
            String l = Objects.requireNonNull(level, LOG_LEVEL).trim().toLowerCase(Locale.ROOT);
            if (!LEVELS.contains(l)) {
                throw new InvalidConfigException(LOG_LEVEL + " must be error, warn, info, debug or trace, was '"
                        + level + "'", LOG_LEVEL);
            }
            this.logLevel = l;
            return this;
        }

        Builder logMaxSize(long bytes) {
            if (bytes < 64 * 1024) {
                throw new InvalidConfigException(LOG_MAX_SIZE + " must be at least 64 kb, was " + bytes + " bytes",
                        LOG_MAX_SIZE);
            }
            this.logMaxSize = bytes;
            return this;
        }

        Builder logMaxFiles(int files) {
            if (files < 1 || files > 100) {
                throw new InvalidConfigException(LOG_MAX_FILES + " must be 1-100, was " + files, LOG_MAX_FILES);
            }
            this.logMaxFiles = files;
            return this;
        }

        Builder httpBind(InetSocketAddress address) {
            this.httpBind = Objects.requireNonNull(address, HTTP_BIND);
            return this;
        }

        AgentConfig build() {
            return new AgentConfig(this);
        }
    }
}
