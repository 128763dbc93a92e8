package io.hakit.cli;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.Versioned;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code hakit demo}: leader election, retrieval, fencing and failover on the embedded in-process backend, shown
 * step by step in small tables.
 *
 * <p>N processes ({@link HaServices} on the embedded backend, or on ZooKeeper) each contend for three components; an observer
 * process watches who leads each one. The demo shows who leads, a leader-fenced state-store write, two failovers
 * (a live leader deposed by the backend, then a leader that crashes: its services close as a crashed process's
 * session ends), the deposed leader's write with its old session refused, and the new leader's write accepted at a
 * higher epoch. Every wait is bounded by {@link #WAIT_BOUND}; a timeout or any other surprise ends the demo with
 * exit code 1 and a message saying what was expected.
 *
 * <p>Not thread-safe: run one demo at a time per instance.
 */
public final class DemoCommand {

    static final String USAGE = String.join("\n",
            "usage: hakit demo [--verbose] [--nodes N] [--backend embedded|zookeeper|kubernetes]",
            "",
            "Starts N processes on a HAKit backend (default: embedded), each contending for the components",
            "dispatcher, resourcemanager and jobmaster-7f3a, plus an observer process that watches who leads.",
            "Shows who leads, a leader-fenced write, a failover of a deposed and of a crashed leader (timed),",
            "the deposed leader's write with its old session refused, and the new leader's write accepted.",
            "",
            "options:",
            "  --nodes N    contending processes, " + DemoCommand.MIN_NODES + " to " + DemoCommand.MAX_NODES
                    + " (default 3)",
            "  --backend B  embedded (default: in-process) or zookeeper (a real 3-member ensemble started in",
            "               this JVM; each process reaches it through its own proxies, so the demo can cut one off)",
            "               or kubernetes (a real kube-apiserver 1.20.2 + etcd started for the demo when built with",
            "               ha-kubernetes/src/test/k8s/kube-apiserver.sh build, or the cluster of KUBECONFIG)",
            "  --verbose    also print HAKit's log (level info) to stdout",
            "  -h, --help   this text",
            "");

    /** The components every process contends for, with the port each confirms in its address. */
    static final Map<String, Integer> COMPONENTS = orderedPorts();
    static final int MIN_NODES = 2;
    static final int MAX_NODES = 9;
    static final Duration WAIT_BOUND = Duration.ofSeconds(10);
    static final String NAMESPACE = "demo";
    static final String KEY = "checkpoints/latest";


    private final PrintStream out;
    private final PrintStream err;

    /**
     * A demo that prints its steps to {@code out} and failures and usage errors to {@code err}. Nothing runs until
     * {@link #run(List)}.
     *
     * @param out where the steps, their tables and {@code --help} go ({@link System#out} from {@code hakit})
     * @param err where a usage error, with the usage text, and the reason of a failed demo go
     */
    public DemoCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private static Map<String, Integer> orderedPorts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("dispatcher", 8081);
        m.put("resourcemanager", 6123);
        m.put("jobmaster-7f3a", 6124);
        return Collections.unmodifiableMap(m);
    }

    /**
     * Runs {@code hakit demo} with these arguments and returns when the demo has ended: every process it started is
     * closed by then. Blocks the calling thread for the whole demo (seconds; each wait at most 10 seconds).
     *
     * @param args the options after "demo" ({@code --nodes N}, {@code --backend B}, {@code --verbose},
     *             {@code --help}); empty for the defaults
     * @return the exit code: 0 the demo ran to the end (or {@code --help}), 1 it failed (what was expected is
     *         printed to {@code err}), 2 a bad option (the usage is printed to {@code err})
     */
    public int run(List<String> args) {
        return execute(args).exitCode();
    }

    /** Runs the demo; the outcome carries the exit code and, on success, what was measured. */
    Outcome execute(List<String> args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("hakit demo: " + e.getMessage());
            err.print(USAGE);
            return new Outcome(2, null);
        }
        if (options.help) {
            out.print(USAGE);
            return new Outcome(0, null);
        }
        configureLogging(options.verbose);
        try (Demo demo = new Demo(options.nodes, DemoBackend.create(options.backend))) {
            return new Outcome(0, demo.run());
        } catch (DemoFailure e) {
            err.println("hakit demo: FAILED: " + e.getMessage());
            return new Outcome(1, null);
        } catch (RuntimeException e) {
            err.println("hakit demo: FAILED with an unexpected " + e.getClass().getName() + ": " + e.getMessage());
            if (options.verbose) {
                e.printStackTrace(err);
            }
            return new Outcome(1, null);
        }
    }

    /**
     * The demo's logging: errors only (the demo reports what matters itself), or everything from INFO on standard
     * output when verbose.
     */
    static void configureLogging(boolean verbose) {
        CliLogging.console(verbose ? ch.qos.logback.classic.Level.INFO : ch.qos.logback.classic.Level.ERROR, verbose);
    }

    /** The exit code and, when the demo ran to the end, its result. */
    record Outcome(int exitCode, Result result) {
    }

    /** What the demo measured. Epochs strictly increase from {@code initialEpoch} through both failovers. */
    record Result(int nodes, String initialLeader, long initialEpoch, long firstVersion, Failover deposed,
            Failover crashed, String staleWriteRefusal, String finalLeader, long finalEpoch, long finalVersion) {
    }

    /** One failover: who led before and after, at which epochs, and how long it took. */
    record Failover(String how, String oldLeader, long oldEpoch, String newLeader, long newEpoch, double millis) {
    }

    /** Something the demo expected did not happen. */
    static final class DemoFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DemoFailure(String message) {
            super(message);
        }
    }

    private static final class Options {
        int nodes = 3;
        String backend = "embedded";
        boolean verbose;
        boolean help;

        static Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--verbose") || a.equals("-v")) {
                    o.verbose = true;
                } else if (a.equals("--help") || a.equals("-h")) {
                    o.help = true;
                } else if (a.equals("--nodes")) {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("--nodes needs a value");
                    }
                    o.nodes = nodes(args.get(++i));
                } else if (a.equals("--backend")) {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("--backend needs a value");
                    }
                    o.backend = backend(args.get(++i));
                } else if (a.startsWith("--backend=")) {
                    o.backend = backend(a.substring("--backend=".length()));
                } else if (a.startsWith("--nodes=")) {
                    o.nodes = nodes(a.substring("--nodes=".length()));
                } else {
                    throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            return o;
        }

        private static String backend(String value) {
            String b = value.trim();
            if (!b.equals("embedded") && !b.equals("zookeeper") && !b.equals("kubernetes")) {
                throw new IllegalArgumentException("--backend must be embedded, zookeeper or kubernetes, was '" + value
                        + "'");
            }
            return b;
        }

        private static int nodes(String value) {
            int n;
            try {
                n = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--nodes must be a number, was '" + value + "'");
            }
            if (n < MIN_NODES || n > MAX_NODES) {
                throw new IllegalArgumentException("--nodes must be " + MIN_NODES + " to " + MAX_NODES + ", was " + n
                        + " (a failover needs a second process)");
            }
            return n;
        }
    }

    /** The leader of every component: one process, one session (all components of a process share it). */
    private record Leadership(Node node, LeaderSession session, long sinceNanos) {
    }

    /** One contending process. */
    private static final class Node {
        final String id;
        final HaServices services;
        final StateStore store;
        final Map<String, LeaderElection> elections = new LinkedHashMap<>();
        boolean crashed;

        Node(String id, HaServices services) {
            this.id = id;
            this.services = services;
            this.store = services.stateStore(NAMESPACE);
        }

        String address(String component) {
            return id + ":" + COMPONENTS.get(component);
        }
    }

    /** One run: the cluster, the observer and what their callbacks reported. */
    private final class Demo implements AutoCloseable {
        private final int nodeCount;
        private final DemoBackend backend;
        private final List<Node> nodes = new ArrayList<>();
        private final List<Failover> failovers = new ArrayList<>();
        private HaServices observer;

        // Callback state, all guarded by `monitor`; every change notifies it.
        private final Object monitor = new Object();
        /** node id -> component -> the session it was granted and not yet revoked. */
        private final Map<String, Map<String, LeaderSession>> grants = new HashMap<>();
        /** component -> what the observer's retrieval listener saw last. */
        private final Map<String, LeaderInformation> views = new HashMap<>();
        private final List<String> errors = new ArrayList<>();
        /** System.nanoTime() of the last change. */
        private long lastChangeNanos;

        Demo(int nodeCount, DemoBackend backend) {
            this.nodeCount = nodeCount;
            this.backend = backend;
        }

        Result run() {
            start();

            out.println("HAKit demo: " + nodeCount + " processes (node-1 to node-" + nodeCount
                    + ") and an observer on " + backend.description());
            out.println();

            // Step 1: who leads.
            Leadership first = awaitLeader("a first leader of every component", 0, null);
            out.println("Step 1  who leads");
            printLeaders(first);
            backend.contenders().ifPresent(c -> out.println("contenders, leader first: " + String.join(", ", c)));
            out.println();

            // Step 2: a fenced write by the leader.
            out.println("Step 2  the leader writes to the state store, fenced by its session");
            String value1 = "checkpoint 1 by " + first.node().id + " at epoch " + first.session().epoch();
            long version1 = first.node().store.put(first.session(), KEY, bytes(value1), StateStore.ANY);
            new Table("writer", "session epoch", "key", "outcome", "version")
                    .row(first.node().id, first.session().epoch(), NAMESPACE + "/" + KEY, "accepted", version1)
                    .print(out);
            out.println();

            // Step 3: kill the leader, twice.
            out.println("Step 3  kill the leader");
            Leadership second = failover(backend.deposeHow(), first, () -> backend.depose(first.node().id));
            backend.afterDeposed(first.node().id);
            Leadership third = failover(backend.crashHow(), second, () -> crash(second.node()));
            Failover deposed = failovers.get(0);
            Failover crashed = failovers.get(1);
            new Table("how", "old leader", "new leader", "new epoch", "failover ms")
                    .row(deposed.how(), deposed.oldLeader(), deposed.newLeader(), deposed.newEpoch(),
                            oneDecimal(deposed.millis()))
                    .row(crashed.how(), crashed.oldLeader(), crashed.newLeader(), crashed.newEpoch(),
                            oneDecimal(crashed.millis()))
                    .print(out);
            out.println("failover: from the kill until every component is granted to the new leader and the");
            out.println("observer's retrieval listener shows the new leader's address");
            out.println();
            printLeaders(third);
            out.println();

            // Step 4: the deposed leader, still running, acts with its old session.
            Node stale = first.node();
            LeaderSession oldSession = first.session();
            out.println("Step 4  " + stale.id + " (deposed at epoch " + oldSession.epoch()
                    + ", still running) acts with its old session");
            String refusal;
            try {
                long v = stale.store.put(oldSession, KEY, bytes("checkpoint by the deposed " + stale.id),
                        StateStore.ANY);
                throw new DemoFailure("the deposed leader's fenced write at epoch " + oldSession.epoch()
                        + " was accepted (version " + v + "); it must be refused");
            } catch (LeadershipLostException e) {
                refusal = e.getMessage();
            }
            String firstComponent = COMPONENTS.keySet().iterator().next();
            boolean confirmed = stale.elections.get(firstComponent)
                    .confirmLeadership(oldSession, stale.address(firstComponent));
            if (confirmed) {
                throw new DemoFailure("the deposed leader's confirmation of " + firstComponent + " at epoch "
                        + oldSession.epoch() + " was published; it must be refused");
            }
            new Table("action", "outcome")
                    .row("put " + NAMESPACE + "/" + KEY, "refused (LeadershipLostException)")
                    .row("confirm " + firstComponent + " at " + stale.address(firstComponent),
                            "refused (nothing published)")
                    .print(out);
            out.println("reason: " + refusal);
            out.println();

            // Step 5: the new leader writes at a higher epoch.
            out.println("Step 5  the new leader writes, compare-and-set on version " + version1);
            String value2 = "checkpoint 2 by " + third.node().id + " at epoch " + third.session().epoch();
            long version2 = third.node().store.put(third.session(), KEY, bytes(value2), version1);
            Versioned read = observer.stateStore(NAMESPACE).get(KEY)
                    .orElseThrow(() -> new DemoFailure(NAMESPACE + "/" + KEY + " is missing after the write"));
            if (read.version() != version2 || !new String(read.value(), StandardCharsets.UTF_8).equals(value2)) {
                throw new DemoFailure("the observer reads " + read + " instead of version " + version2);
            }
            new Table("writer", "session epoch", "key", "outcome", "version")
                    .row(third.node().id, third.session().epoch(), NAMESPACE + "/" + KEY, "accepted", version2)
                    .print(out);
            out.println("observer reads version " + read.version() + ": \"" + value2 + "\"");
            out.println();

            checkNoErrors();
            out.println("OK  failover " + oneDecimal(deposed.millis()) + " ms (deposed), " + oneDecimal(crashed.millis())
                    + " ms (crashed); epoch " + first.session().epoch() + " -> " + deposed.newEpoch() + " -> "
                    + crashed.newEpoch() + "; the stale leader's write was refused");
            return new Result(nodeCount, first.node().id, first.session().epoch(), version1, deposed, crashed, refusal,
                    third.node().id, third.session().epoch(), version2);
        }

        private void start() {
            observer = backend.newProcess("observer");
            for (String component : COMPONENTS.keySet()) {
                observer.watchLeader(component, info -> {
                    synchronized (monitor) {
                        views.put(component, info);
                        changedLocked();
                    }
                });
            }
            for (int i = 1; i <= nodeCount; i++) {
                String id = "node-" + i;
                synchronized (monitor) {
                    grants.put(id, new HashMap<>());
                }
                Node node = new Node(id, backend.newProcess(id));
                nodes.add(node);
                for (String component : COMPONENTS.keySet()) {
                    LeaderElection election = node.services.leaderElection(component);
                    node.elections.put(component, election);
                    election.startLeaderElection(new Contender(node, component, election));
                }
            }
        }

        /**
         * Kills the current leader with {@code kill}, waits until every component has a new, visible leader, records
         * the {@link Failover} and returns the new leadership.
         */
        private Leadership failover(String how, Leadership old, Runnable kill) {
            long start = System.nanoTime();
            kill.run();
            Leadership next = awaitLeader("a new leader after the leader was " + how, old.session().epoch(),
                    old.node());
            double millis = Math.max(0, next.sinceNanos() - start) / 1e6;
            failovers.add(new Failover(how, old.node().id, old.session().epoch(), next.node().id,
                    next.session().epoch(), millis));
            return next;
        }

        private void crash(Node node) {
            node.crashed = true;
            backend.crash(node.id, node.services);
        }

        /**
         * Waits until one live process other than {@code not} holds every component at one epoch above
         * {@code aboveEpoch} and the observer shows that process's addresses at that epoch.
         *
         * @throws DemoFailure after {@link #WAIT_BOUND}
         */
        private Leadership awaitLeader(String what, long aboveEpoch, Node not) {
            return await(what, () -> {
                for (Node n : nodes) {
                    if (n.crashed || n == not) {
                        continue;
                    }
                    Map<String, LeaderSession> held = grants.get(n.id);
                    LeaderSession s = held.get(COMPONENTS.keySet().iterator().next());
                    if (s == null || s.epoch() <= aboveEpoch) {
                        continue;
                    }
                    boolean all = true;
                    for (String c : COMPONENTS.keySet()) {
                        LeaderInformation v = views.get(c);
                        all &= s.equals(held.get(c)) && v != null && !v.isEmpty() && v.epoch() == s.epoch()
                                && v.sessionId().equals(Optional.of(s.id()))
                                && v.address().equals(Optional.of(n.address(c)));
                    }
                    if (all) {
                        return new Leadership(n, s, lastChangeNanos);
                    }
                }
                return null;
            });
        }

        /** Waits, bounded, until {@code probe} (run holding the monitor) returns non-null. */
        private <T> T await(String what, Supplier<T> probe) {
            long deadline = System.nanoTime() + WAIT_BOUND.toNanos();
            synchronized (monitor) {
                while (true) {
                    checkNoErrorsLocked();
                    T value = probe.get();
                    if (value != null) {
                        return value;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new DemoFailure("timed out after " + WAIT_BOUND.toSeconds() + " s waiting for " + what
                                + " (" + describeLocked() + ")");
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(monitor, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new DemoFailure("interrupted while waiting for " + what);
                    }
                }
            }
        }

        /** Who holds which grant and what the observer sees, for a failure message. */
        private String describeLocked() {
            List<String> held = new ArrayList<>();
            for (Node n : nodes) {
                Map<String, LeaderSession> g = grants.get(n.id);
                held.add(n.id + (n.crashed ? " crashed" : g.isEmpty() ? " not granted"
                        : " granted " + g.keySet() + " at epoch " + g.values().iterator().next().epoch()));
            }
            List<String> seen = new ArrayList<>();
            for (String c : COMPONENTS.keySet()) {
                LeaderInformation v = views.get(c);
                seen.add(c + "=" + (v == null || v.isEmpty() ? "(none)"
                        : v.address().orElse("?") + " at epoch " + v.epoch()));
            }
            return String.join("; ", held) + "; the observer sees " + String.join(", ", seen);
        }

        private void changedLocked() {
            lastChangeNanos = System.nanoTime();
            monitor.notifyAll();
        }

        private void checkNoErrors() {
            synchronized (monitor) {
                checkNoErrorsLocked();
            }
        }

        private void checkNoErrorsLocked() {
            if (!errors.isEmpty()) {
                throw new DemoFailure("HA callbacks reported errors: " + errors);
            }
        }

        private void printLeaders(Leadership l) {
            Table t = new Table("component", "leader", "epoch", "session", "retrieval view (observer)");
            synchronized (monitor) {
                for (String c : COMPONENTS.keySet()) {
                    LeaderInformation v = views.get(c);
                    t.row(c, l.node().id, l.session().epoch(), shortId(l.session()),
                            v == null || v.isEmpty() ? "(none)" : v.address().orElse("(none)"));
                }
            }
            t.print(out);
        }

        @Override
        public void close() {
            backend.prepareClose();
            for (Node n : nodes) {
                n.services.close();
            }
            if (observer != null) {
                observer.close();
            }
            backend.close();
        }

        /** Confirms its address when granted; reports grants and revokes to the demo. */
        private final class Contender implements LeaderContender {
            private final Node node;
            private final String component;
            private final LeaderElection election;

            Contender(Node node, String component, LeaderElection election) {
                this.node = node;
                this.component = component;
                this.election = election;
            }

            @Override
            public void grantLeadership(LeaderSession session) {
                synchronized (monitor) {
                    grants.get(node.id).put(component, session);
                    changedLocked();
                }
                election.confirmLeadership(session, node.address(component));
            }

            @Override
            public void revokeLeadership() {
                synchronized (monitor) {
                    grants.get(node.id).remove(component);
                    changedLocked();
                }
            }

            @Override
            public void handleError(Throwable error) {
                synchronized (monitor) {
                    errors.add(node.id + "/" + component + ": " + error);
                    changedLocked();
                }
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String shortId(LeaderSession s) {
        return s.id().toString().substring(0, 8);
    }

    private static BigDecimal oneDecimal(double millis) {
        return BigDecimal.valueOf(millis).setScale(1, RoundingMode.HALF_UP);
    }
}
