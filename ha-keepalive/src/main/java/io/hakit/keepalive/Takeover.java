package io.hakit.keepalive;

import io.hakit.api.support.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Takeover actions as a {@link RoleListener}: notify scripts per role (keepalived's {@code notify_master},
 * {@code notify_backup}, {@code notify_fault}, {@code notify_stop}) and the built-in floating IP. They run on a
 * thread of their own, in the order of the role changes, so a slow script never delays heartbeats; every command
 * has a timeout and its output is logged.
 *
 * <p>The floating IP is added when the node becomes ACTIVE and removed when it leaves ACTIVE. Its gratuitous ARP (up
 * to a second) runs on a thread of its own after the address is added, so that it never delays a later removal;
 * a removal stops it. It is also removed, if
 * present, when the node starts (STOPPED to STANDBY): a process that was killed (SIGKILL, OOM killer) cannot remove
 * its address, and the copy it left behind must not outlive its restart.
 *
 * <p>Scripts get the environment {@code HAKIT_ROLE}, {@code HAKIT_PREVIOUS_ROLE}, {@code HAKIT_EPOCH},
 * {@code HAKIT_NODE_ID} and {@code HAKIT_REASON}.
 *
 * <p>A script that exits non-zero, times out or cannot run, and a floating-IP action that fails, raise NOTIFY_FAILED
 * (45695) naming the script, the role change, the exit code and the tail of its output (source
 * {@code <node>:notify.<role>} or {@code <node>:vip}); the next successful run of the same action clears it. (The
 * role itself is not undone: the peer may already have stepped down; an operator or a health check decides.)
 */
public final class Takeover implements RoleListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);
    private static final int MAX_OUTPUT = 4096;

    private final String nodeId;
    private final Map<Role, List<String>> scripts;
    private final FloatingIp floatingIp;
    private final Duration timeout;
    private final ExecutorService runner;
    private final ExecutorService announcer;
    private volatile io.hakit.api.alarm.AlarmRegistry alarms;

    private Takeover(Builder b) {
        this.nodeId = b.nodeId;
        this.scripts = new EnumMap<>(b.scripts);
        this.floatingIp = b.floatingIp;
        this.timeout = b.timeout;
        this.runner = Executors.newSingleThreadExecutor(EventExecutor.daemon("hakit-ka-takeover-" + nodeId));
        this.announcer = Executors.newSingleThreadExecutor(EventExecutor.daemon("hakit-ka-arp-" + nodeId));
    }

    /**
     * A builder of the takeover actions of one node: no scripts, no floating IP, a timeout of 10 s.
     *
     * @param nodeId the node's name, in the scripts' {@code HAKIT_NODE_ID}, the threads' names and the alarms' source
     * @return a new builder
     * @throws NullPointerException if {@code nodeId} is null
     */
    public static Builder builder(String nodeId) {
        return new Builder(nodeId);
    }

    /**
     * Where NOTIFY_FAILED is raised (the node's registry); without one, failures are only logged. Set it before the
     * first role change; from any thread.
     *
     * @param registry the registry, normally {@link KeepaliveNode#alarms()}; null to only log failures again
     */
    public void alarms(io.hakit.api.alarm.AlarmRegistry registry) {
        this.alarms = registry;
    }

    private void failed(String source, String detail) {
        io.hakit.api.alarm.AlarmRegistry a = alarms;
        if (a != null) {
            a.raise(io.hakit.api.alarm.AlarmType.NOTIFY_FAILED, nodeId + ":" + source, detail);
        }
    }

    private void succeeded(String source) {
        io.hakit.api.alarm.AlarmRegistry a = alarms;
        if (a != null) {
            a.clear(io.hakit.api.alarm.AlarmType.NOTIFY_FAILED, nodeId + ":" + source);
        }
    }

    @Override
    public void roleChanged(RoleChange change) {
        runner.execute(() -> apply(change));
    }

    private void apply(RoleChange change) {
        if (floatingIp != null) {
            try {
                if (change.to() == Role.ACTIVE) {
                    floatingIp.add();
                    announcer.execute(floatingIp::announce);
                    succeeded("vip");
                } else if (change.from() == Role.ACTIVE || change.from() == Role.STOPPED) {
                    floatingIp.release();
                    succeeded("vip");
                }
            } catch (RuntimeException e) {
                LOG.error("{}: floating IP action on {} failed: {}", nodeId, change, e.getMessage());
                failed("vip", "floating IP " + floatingIp + " on " + change.from() + " -> " + change.to()
                        + " at epoch " + change.epoch() + " failed: " + e.getMessage());
            }
        }
        List<String> script = scripts.get(change.to());
        if (script != null) {
            run(script, change);
        }
    }

    private void run(List<String> command, RoleChange change) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("HAKIT_ROLE", change.to().name());
        env.put("HAKIT_PREVIOUS_ROLE", change.from().name());
        env.put("HAKIT_EPOCH", Long.toString(change.epoch()));
        env.put("HAKIT_NODE_ID", nodeId);
        env.put("HAKIT_REASON", change.reason());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            byte[] out = p.getInputStream().readNBytes(MAX_OUTPUT);
            String text = new String(out, StandardCharsets.UTF_8).trim();
            String what = "notify." + change.to().name().toLowerCase(java.util.Locale.ROOT) + " " + command + " on "
                    + change.from() + " -> " + change.to() + " at epoch " + change.epoch();
            String source = "notify." + change.to().name().toLowerCase(java.util.Locale.ROOT);
            if (!done) {
                LOG.error("{}: notify script {} for {} did not finish within {} ms and was killed; output: {}",
                        nodeId, command, change.to(), timeout.toMillis(), text);
                failed(source, what + " did not finish within " + timeout.toMillis() + " ms (killed)" + tail(text));
            } else if (p.exitValue() != 0) {
                LOG.error("{}: notify script {} for {} exited with {}; output: {}", nodeId, command, change.to(),
                        p.exitValue(), text);
                failed(source, what + " exited with " + p.exitValue() + tail(text));
            } else {
                LOG.info("{}: notify script {} for {} done; output: {}", nodeId, command, change.to(), text);
                succeeded(source);
            }
        } catch (IOException e) {
            LOG.error("{}: notify script {} for {} could not run: {}", nodeId, command, change.to(), e.getMessage());
            failed("notify." + change.to().name().toLowerCase(java.util.Locale.ROOT), "notify script " + command
                    + " for " + change.from() + " -> " + change.to() + " could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last 200 characters of a script's output, for an alarm's detail. */
    private static String tail(String text) {
        if (text.isEmpty()) {
            return "";
        }
        String t = text.replace('\n', ' ');
        return "; output: " + (t.length() > 200 ? "..." + t.substring(t.length() - 200) : t);
    }

    /**
     * The node stayed ACTIVE after a split brain ended: the other side may have announced the floating IP meanwhile,
     * so neighbours are told again where it is (keepalived sends no gratuitous ARP after a split heals).
     */
    @Override
    public void splitBrainResolved(long epoch) {
        if (floatingIp != null) {
            runner.execute(() -> {
                LOG.info("{}: split brain over, still active at epoch {}: announcing {} again", nodeId, epoch,
                        floatingIp);
                announcer.execute(floatingIp::announce);
            });
        }
    }

    /** Waits (bounded) for the queued actions, then stops the threads. */
    @Override
    public void close() {
        runner.shutdown();
        try {
            if (!runner.awaitTermination(timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS)) {
                runner.shutdownNow();
            }
            announcer.shutdown();
            if (!announcer.awaitTermination(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                announcer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runner.shutdownNow();
            announcer.shutdownNow();
        }
    }

    /** Builds a {@link Takeover}. */
    public static final class Builder {
        private final String nodeId;
        private final Map<Role, List<String>> scripts = new EnumMap<>(Role.class);
        private FloatingIp floatingIp;
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(String nodeId) {
            this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        }

        /**
         * The command (no shell) to run when the node enters {@code role}, replacing the role's command set before.
         * A program given by an absolute path must be executable now; a bare name is looked up on {@code PATH} when
         * it runs.
         *
         * @param role    the role whose entry runs the command: ACTIVE, STANDBY, FAULT or STOPPED
         * @param command the program and its arguments, at least the program; copied
         * @return this builder
         * @throws IllegalArgumentException if {@code command} is empty, or its program is an absolute path that is
         *     not executable
         * @throws NullPointerException     if {@code role}, {@code command} or one of its words is null
         */
        public Builder script(Role role, List<String> command) {
            List<String> cmd = new ArrayList<>(command);
            if (cmd.isEmpty()) {
                throw new IllegalArgumentException("notify script for " + role + " must not be empty");
            }
            Path exe = Path.of(cmd.get(0));
            if (exe.isAbsolute() && !Files.isExecutable(exe)) {
                throw new IllegalArgumentException("notify script for " + role + ": " + exe + " is not executable");
            }
            scripts.put(role, List.copyOf(cmd));
            return this;
        }

        /**
         * Adds and removes the floating IP with the active role (and removes it when the node starts, if a killed
         * process left it behind).
         *
         * @param ip the floating IP; its own command timeout applies to its {@code ip} and {@code arping} commands
         * @return this builder
         * @throws NullPointerException if {@code ip} is null
         */
        public Builder floatingIp(FloatingIp ip) {
            this.floatingIp = Objects.requireNonNull(ip, "ip");
            return this;
        }

        /**
         * The timeout of each notify command: one still running after it is killed and counts as failed. Default
         * 10 s.
         *
         * @param d the limit of one command, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is null, zero or negative
         */
        public Builder timeout(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("takeover timeout must be positive");
            }
            this.timeout = d;
            return this;
        }

        /**
         * Builds the takeover actions and starts their two threads (commands, and gratuitous ARP); nothing runs until
         * the first role change. The builder can be changed and built again.
         *
         * @return the takeover actions; add them to a node as a {@link RoleListener} and {@link Takeover#close()}
         *     them after the node
         */
        public Takeover build() {
            return new Takeover(this);
        }
    }
}
