package io.hakit.cli;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.alarm.RestartLoopDetector;
import io.hakit.api.support.ConfigParsing;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.ClockOffset;
import io.hakit.keepalive.FloatingIp;
import io.hakit.keepalive.KeepaliveAgent;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.tls.CertificateChecker;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.sync.ConflictCopy;
import io.hakit.sync.SyncConfig;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code hakit doctor}'s checks: what an operator runs through for the FusionInsight-style alarms the agent raises
 * (45640 heartbeat: the link and the peer; 45641 file sync: the link, the disk's free space, zero-size junk files
 * without permissions, the permissions of the synchronized directories; 45653-45655 certificates: validity and
 * expiry; restart loops), each as one {@link Finding}: PASS, WARN or FAIL, what was seen, and the fix in one line.
 *
 * <p>Local checks read the configuration file, the certificate directory, the roots and the state directory. Every
 * value of the file is read through the configuration classes the agent reads it with ({@link ConfigFile}, then
 * {@link KeepaliveConfig}, {@link SyncConfig}, {@link AgentConfig} and their getters), defaults included, so that the
 * doctor checks what the agent runs with; a file whose keys the agent would refuse fails the config check alone. The
 * peer's ports are probed with a TCP connect and a mutual TLS handshake made here ({@link PeerProbe}), which also
 * gives the peer's certificate. What only the running agent knows (its role, the peer as it last heard it and the
 * offset of its clock, the synchronizer's last round and lag, its alarms and their history) comes from the agent
 * ({@link AgentView}); without a running agent those checks say WARN "agent not running" and the rest still run. The
 * clock check reports whether the kernel considers this node's clock synchronized ({@link ClockState}); the clock
 * offset check, how far the peer's clock is from this node's as the agent's heartbeats measure it (the answers to them
 * carry the peer's wall-clock time: {@link ClockOffset}).
 *
 * <p>{@link #all} runs everything, walking the roots and probing the peer; {@link #local} only what is cheap and
 * local (no tree walk, no network), for the agent's one-line summary when an alarm is raised. One instance per run;
 * not thread-safe.
 */
final class Doctor {

    /** A check's verdict; the order is the severity (the worst decides the exit code). */
    enum Level { PASS, WARN, FAIL }

    /**
     * One check's outcome.
     *
     * @param check  the check's name
     * @param level  PASS, WARN or FAIL
     * @param detail what was seen (naming each failing path, step or alarm)
     * @param fix    what to do, in one line; "-" when nothing
     */
    record Finding(String check, Level level, String detail, String fix) {
    }

    /** Where the running agent's view comes from. */
    interface Agent {
        /**
         * The running agent's view.
         *
         * @throws IOException when no agent runs (the message says why)
         */
        AgentView view(Path stateDir) throws IOException;
    }

    /** The running agent, asked through its control socket. */
    static final Agent CONTROL_SOCKET = AgentView::ask;
    /** How long a probe's TCP connect to the peer may take (its TLS handshake: {@link PeerProbe#HANDSHAKE_LIMIT}). */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    static final String AGENT_NOT_RUNNING = "agent not running";
    private static final String START_AGENT = "start it (systemctl start hakit-agent, or hakit agent --config FILE)";
    /**
     * The clock offset to the peer at which the check WARNs: nothing of the pair's failover depends on the wall clock
     * (every timeout is measured on each node's monotonic clock), but its logs, alarm times and the synchronized files'
     * mtimes are compared across the nodes; NTP keeps two nodes of a LAN within a few ms.
     */
    static final Duration CLOCK_OFFSET_WARN = Duration.ofSeconds(1);
    /**
     * The offset at which it FAILs: log lines and alarms of the two nodes no longer line up, mtimes of synchronized
     * files are seconds in the future on one side, and it drifts towards the 5 minutes by which a certificate that
     * {@code hakit cert} issues predates its issuing node's clock (beyond them, the other node refuses it as not yet
     * valid).
     */
    static final Duration CLOCK_OFFSET_FAIL = Duration.ofSeconds(5);
    private static final String NTP_FIX = "enable NTP on both nodes: timedatectl set-ntp true (chronyc tracking "
            + "shows each node's offset)";
    private static final int LIST = 5;
    /** At most this many junk files are held (with their directories open) for {@code --fix} in one run. */
    static final int MAX_JUNK = 1000;

    private final Path configFile;
    private final Agent agentSource;
    private final Clock clock;
    private final Duration probeTimeout;

    private ConfigFile file;
    /** The file's keys as written: which keys are set, and the sync keys' presence ({@link SyncConfig#wanted}). */
    private Map<String, String> values;
    /** The file's keepalive.* values, defaults included, as the agent reads them; null when they are invalid. */
    private KeepaliveConfig keepalive;
    /** The file's agent.* values, defaults included, as the agent reads them. */
    private AgentConfig agentConfig;
    private SyncConfig sync;
    private String syncProblem;
    private AgentView agent;
    private String agentProblem = AGENT_NOT_RUNNING;
    private Walk walk;
    private final List<String> removed = new ArrayList<>();

    /** Where commands are looked up (the PATH; tests set their own). */
    String searchPath = System.getenv("PATH") == null ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            : System.getenv("PATH");
    /** Where the host's network interfaces are listed (tests set their own). */
    Path sysClassNet = Path.of("/sys/class/net");

    Doctor(Path configFile, Agent agent, Clock clock, Duration probeTimeout) {
        this.configFile = configFile;
        this.agentSource = agent;
        this.clock = clock;
        this.probeTimeout = probeTimeout;
    }

    /**
     * Every check, in the order causes come before symptoms: the file, the agent, the certificate, the peer's ports,
     * the peer as the agent hears it, the clock and its offset to the peer's, the roots, free space, junk, conflict
     * copies, the last sync round, the notify commands, restarts, alarms.
     *
     * @param fix remove zero-size files without permissions from the roots when the agent reports STANDBY
     */
    List<Finding> all(boolean fix) {
        return run(true, fix);
    }

    /** The cheap local checks (no tree walk, no connection to the peer), in the same order. */
    List<Finding> local() {
        return run(false, false);
    }

    /** What {@code --fix} removed ({@code root:path}). */
    List<String> removed() {
        return List.copyOf(removed);
    }

    private List<Finding> run(boolean full, boolean fix) {
        List<Finding> out = new ArrayList<>();
        out.add(config());
        if (keepalive == null) {
            return out;
        }
        out.add(guard("agent", this::agent));
        out.add(guard("certificate", this::certificate));
        if (full) {
            out.add(guard("peer keepalive", () -> peerLink("peer keepalive", KeepaliveConfig.PEER_ADDRESS,
                    keepalive.peerAddress())));
            if (SyncConfig.wanted(values)) {
                out.add(guard("peer sync", () -> sync == null ? fail("peer sync", "the sync keys are invalid: "
                        + syncProblem, "see the config check")
                        : peerLink("peer sync", SyncConfig.PEER_ADDRESS, sync.peerAddress())));
            }
        }
        out.add(guard("peer state", this::peerState));
        out.add(guard("clock", this::clock));
        out.add(guard("clock offset", this::clockOffset));
        if (SyncConfig.wanted(values)) {
            out.add(guard("roots", () -> roots(full)));
            out.add(guard("free space", this::freeSpace));
            if (full) {
                out.add(guard("junk", () -> junk(fix)));
                out.add(guard("conflicts", this::conflicts));
            }
            out.add(guard("sync", this::syncRound));
        }
        out.add(guard("notify", this::notifyCommands));
        out.add(guard("floating ip", this::floatingIp));
        out.add(guard("restarts", this::restarts));
        out.add(guard("alarms", this::alarms));
        return out;
    }

    /** The worst level among {@code findings}. */
    static Level worst(List<Finding> findings) {
        return findings.stream().map(Finding::level).max(Enum::compareTo).orElse(Level.PASS);
    }

    /**
     * One line: {@code <n> FAIL, <m> WARN: <first failing check>: <its detail>}, the first FAIL in check order (else
     * the first WARN), and the names of the other failing checks.
     */
    static String summary(List<Finding> findings) {
        long fails = findings.stream().filter(f -> f.level() == Level.FAIL).count();
        long warns = findings.stream().filter(f -> f.level() == Level.WARN).count();
        Level worst = worst(findings);
        StringBuilder b = new StringBuilder().append(fails).append(" FAIL, ").append(warns).append(" WARN: ");
        if (worst == Level.PASS) {
            return b.append("every check passes").toString();
        }
        List<Finding> first = findings.stream().filter(f -> f.level() == worst).toList();
        b.append(first.get(0).check()).append(": ").append(first.get(0).detail());
        if (first.size() > 1) {
            b.append(" (also ").append(worst).append(": ")
                    .append(String.join(", ", first.subList(1, first.size()).stream().map(Finding::check).toList()))
                    .append(')');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ the checks

    private Finding config() {
        try {
            file = ConfigFile.read(configFile);
        } catch (InvalidConfigException e) {
            return fail("config", e.getMessage(), "correct it (hakit config check " + configFile + " says the same); "
                    + "nothing else can be checked without it");
        }
        values = file.values();
        try {
            // every value the checks use is read through the classes the agent reads it with, defaults included
            keepalive = KeepaliveConfig.fromMap(values);
            agentConfig = AgentConfig.fromMap(values);
        } catch (InvalidConfigException e) {
            keepalive = null;
            return fail("config", file.explain(e), "correct that line: the agent would not start with this file; "
                    + "nothing else can be checked without it");
        }
        if (SyncConfig.wanted(values)) {
            try {
                sync = SyncConfig.builder().keepalive(keepalive).options(values).requireDirectories(false).build();
            } catch (InvalidConfigException e) {
                syncProblem = file.explain(e);
            }
        }
        try {
            KeepaliveAgent.validate(values);
        } catch (InvalidConfigException e) {
            Optional<ConfigOption> command = e.fields().isEmpty() ? Optional.empty()
                    : option(KeepaliveConfig.OPTIONS, e.fields().get(0))
                    .filter(o -> o.type() == ConfigOption.Type.COMMAND);
            if (command.isPresent()) {
                // the notify check says what is wrong with the program, more precisely than the validation
                String key = e.fields().get(0);
                return fail("config", file.where(key) + ": the agent would refuse this file at its next start: " + key
                        + "'s program cannot be run (the notify check says why)", "see the notify check");
            }
            return fail("config", file.explain(e), "correct that line: the agent would not start with this file");
        }
        if (syncProblem != null) {
            return fail("config", syncProblem, "correct that line: the agent would not start with this file");
        }
        InetSocketAddress peer = keepalive.peerAddress();
        String arbiter = keepalive.arbiter().map(Arbiter::describe)
                .orElseGet(() -> "lease of " + keepalive.leaseComponent().orElse("?"));
        return pass("config", configFile + ": node " + nodeId() + ", peer " + peerNodeId() + " at "
                + peer.getHostString() + ":" + peer.getPort() + ", arbiter " + arbiter
                + (sync == null ? ", no file sync" : ", file sync of " + sync.roots().keySet()));
    }

    private Finding agent() {
        Path state = stateDir();
        try {
            agent = agentSource.view(state);
        } catch (IOException e) {
            String why = e.getMessage() != null && e.getMessage().startsWith("no agent answers")
                    ? "nothing answers on " + state.resolve(ControlServer.SOCKET) : e.getMessage();
            return warn("agent", AGENT_NOT_RUNNING + " (" + why + "): the checks that need it are skipped",
                    START_AGENT);
        }
        String operator = agent.get("operator", "-");
        return pass("agent", "running (pid " + agent.get("agent.pid", "?") + "): " + agent.get("node") + " "
                + agent.get("role") + " epoch " + agent.get("epoch") + (operator.equals("-") ? "" : ", " + operator));
    }

    private Finding certificate() {
        if (insecure()) {
            return warn("certificate", "TLS is disabled (" + KeepaliveConfig.INSECURE + "=true): anyone who reaches "
                    + "the ports can impersonate the peer", "hakit cert generate, then remove "
                    + KeepaliveConfig.INSECURE + " on both nodes");
        }
        Path dir = certDir();
        CertificateChecker.Verdict v = new CertificateChecker(expiringWithin(), clock).check(new PemLayout(dir),
                nodeId());
        String renew = "hakit cert renew --ca <directory of ca.key> --node " + nodeId() + " --out " + dir
                + ", then restart the agent";
        switch (v.status()) {
            case VALID:
                return pass("certificate", dir + ": " + v.subject() + " names " + nodeId() + ", valid until "
                        + v.notAfter() + " (" + v.daysLeft() + " days)");
            case EXPIRING:
                return warn("certificate", shortDetail(v.detail()), renew);
            case EXPIRED:
                return fail("certificate", shortDetail(v.detail()), renew);
            default:
                return fail("certificate", shortDetail(v.detail()), v.detail().contains("does not name this node")
                        ? "put " + nodeId() + "'s own certificate in " + dir + ": " + renew
                        : "hakit cert check " + dir + " names the problem; reissue with " + renew);
        }
    }

    private Finding peerLink(String name, String key, InetSocketAddress address) {
        PeerProbe.Result r = PeerProbe.probe(address, insecure() ? null : certDir(), peerNodeId(), probeTimeout);
        String peer = peerNodeId();
        if (!r.ok()) {
            String fix;
            switch (r.failed()) {
                case TCP_CONNECT:
                    fix = "start " + peer + "'s agent (hakit status there), check " + (values.containsKey(key)
                            ? key + " (" + file.where(key) + ")" : key + " (default: " + KeepaliveConfig.PEER_ADDRESS
                            + "'s port + 1)") + " and the firewall between the nodes";
                    break;
                case CERTIFICATE_TRUST:
                    fix = "both nodes need certificates of one CA: give " + peer + " the pair's ca.crt and a "
                            + "certificate from it (hakit cert renew --ca <the pair's CA> --node " + peer + ")";
                    break;
                case CERTIFICATE_NAME:
                    fix = "reissue " + peer + "'s certificate for " + peer + ", or correct "
                            + KeepaliveConfig.PEER_NODE_ID + " (" + file.where(KeepaliveConfig.PEER_NODE_ID) + ")";
                    break;
                case CERTIFICATE_EXPIRY:
                    fix = "renew " + peer + "'s certificate (hakit cert renew --ca <directory of ca.key> --node "
                            + peer + ") and compare both nodes' clocks";
                    break;
                default:
                    fix = "read " + peer + "'s agent log (it names why it refused) and run hakit doctor there";
            }
            return fail(name, r.failed() + " failed: " + r.detail(), fix);
        }
        X509Certificate c = r.certificate();
        if (c == null) {
            return pass(name, r.detail() + ", " + r.millis() + " ms");
        }
        Instant until = c.getNotAfter().toInstant();
        long days = Duration.between(clock.instant(), until).toDays();
        String seen = r.detail() + " in " + r.millis() + " ms; the peer's certificate (" + c.getSubjectX500Principal()
                .getName() + ") names " + peer + ", valid until " + until + " (" + days + " days)";
        if (Duration.between(clock.instant(), until).compareTo(expiringWithin()) <= 0) {
            return warn(name, seen, "renew " + peer + "'s certificate: hakit cert renew --ca <directory of ca.key> "
                    + "--node " + peer);
        }
        return pass(name, seen);
    }

    private Finding peerState() {
        if (agent == null) {
            return warn("peer state", agentProblem, START_AGENT);
        }
        String peer = agent.get("peer", "never heard");
        String tls = agent.get("tls-problem", "");
        String heartbeat = agent.get("last-heartbeat-ms", "-1");
        if (!tls.isEmpty()) {
            return fail("peer state", "the agent's TLS handshakes with " + peerNodeId() + " fail: " + tls,
                    "see the peer keepalive check; the peer's log names the cause when it refuses");
        }
        if (peer.startsWith("never heard")) {
            return fail("peer state", "the agent has never heard " + peerNodeId() + " since it started",
                    "see the peer keepalive check: start the peer's agent, check the link");
        }
        if (peer.contains("(silent)")) {
            return fail("peer state", "the agent hears nothing from the peer: " + peer + ", last heartbeat "
                    + heartbeat + " ms ago", "see the peer keepalive check: the peer's agent, the link");
        }
        String seen = peer + ", last heartbeat " + heartbeat + " ms ago, rtt " + agent.get("rtt-ms", "-") + " ms";
        if (peer.contains("(disconnected)")) {
            return warn("peer state", seen, "the connection is being re-established; see the peer keepalive check");
        }
        return pass("peer state", seen);
    }

    private Finding clock() {
        Optional<ClockState.State> s = ClockState.read();
        if (s.isEmpty()) {
            return warn("clock", "this system's clock state cannot be read (adjtimex, 64-bit Linux only)",
                    "check it by hand: chronyc tracking or timedatectl");
        }
        if (!s.get().synced()) {
            return warn("clock", "not synchronized (the kernel's STA_UNSYNC: no NTP daemon disciplines it)",
                    NTP_FIX);
        }
        return pass("clock", "synchronized (kernel max error " + s.get().maxErrorMicros() / 1000 + " ms)");
    }

    /**
     * The offset of the peer's clock, as the agent's heartbeats measure it (the peer's time in the answers to them,
     * within half a round trip): PASS while it is surely below {@link #CLOCK_OFFSET_WARN}, FAIL when it is surely
     * beyond {@link #CLOCK_OFFSET_FAIL}, WARN between them and while it is unknown.
     */
    private Finding clockOffset() {
        String peer = peerNodeId();
        if (agent == null) {
            return warn("clock offset", agentProblem + ": the agent's heartbeats measure the offset to " + peer,
                    START_AGENT);
        }
        String text = agent.get("clock-offset");
        if (text == null) {
            return warn("clock offset", "the running agent does not measure the offset to " + peer + " (it was "
                    + "started from a hakit older than this one)", "restart the agent with this hakit (systemctl "
                    + "restart hakit-agent)");
        }
        String ms = agent.get("clock-offset-ms");
        String uncertaintyMs = agent.get("clock-offset-uncertainty-ms");
        if (ms == null || uncertaintyMs == null) {
            String reason = text.startsWith("unknown: ") ? text.substring("unknown: ".length()) : text;
            String fix = reason.startsWith(ClockOffset.PEER_SENDS_NO_TIME) ? "upgrade " + peer + " to this hakit; "
                    + "until then compare the clocks by hand (chronyc tracking on both nodes)"
                    : reason.startsWith(ClockOffset.IMPLAUSIBLE) ? "set " + peer + "'s clock: " + NTP_FIX
                    : "see the peer state check: the offset is measured once " + peer + " answers heartbeats";
            return warn("clock offset", "the offset to " + peer + " is unknown: " + reason, fix);
        }
        double offset = Double.parseDouble(ms);
        double uncertainty = Double.parseDouble(uncertaintyMs);
        String seen = peer + "'s clock is " + millis(Math.abs(offset)) + (offset < 0 ? " behind" : " ahead of")
                + " this node's (± " + millis(uncertainty) + ", half the heartbeat's round trip)";
        if (Math.abs(offset) - uncertainty >= CLOCK_OFFSET_FAIL.toMillis()) {
            return fail("clock offset", seen + ": beyond " + ConfigParsing.format(CLOCK_OFFSET_FAIL) + ", so the two "
                    + "nodes' logs and alarm times and the synchronized files' mtimes disagree, and from 5 min on a "
                    + "certificate just issued on one node is not yet valid on the other", NTP_FIX);
        }
        if (Math.abs(offset) + uncertainty >= CLOCK_OFFSET_WARN.toMillis()) {
            return warn("clock offset", seen + ": not below " + ConfigParsing.format(CLOCK_OFFSET_WARN), NTP_FIX);
        }
        return pass("clock offset", seen + ", below " + ConfigParsing.format(CLOCK_OFFSET_WARN));
    }

    /** "0.412 ms", "3.000 s". */
    private static String millis(double ms) {
        return ms >= 1000 ? String.format(Locale.ROOT, "%.3f s", ms / 1000) : String.format(Locale.ROOT, "%.3f ms",
                ms);
    }

    private Finding roots(boolean full) {
        if (sync == null) {
            return fail("roots", "the sync keys are invalid: " + syncProblem, "see the config check");
        }
        List<String> failing = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        List<String> warnFixes = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        String user = System.getProperty("user.name");
        for (Map.Entry<String, Path> r : sync.roots().entrySet()) {
            String name = r.getKey();
            Path dir = r.getValue();
            String at = name + ": " + dir;
            if (!Files.exists(dir)) {
                failing.add(at + " does not exist");
                fixes.add("mkdir -p " + dir + " (or correct " + SyncConfig.ROOT + name + " at "
                        + file.where(SyncConfig.ROOT + name) + ")");
                continue;
            }
            if (!Files.isDirectory(dir)) {
                failing.add(at + " is not a directory");
                fixes.add("correct " + SyncConfig.ROOT + name + " at " + file.where(SyncConfig.ROOT + name));
                continue;
            }
            PosixFileAttributes a;
            try {
                a = Files.readAttributes(dir, PosixFileAttributes.class);
            } catch (IOException e) {
                failing.add(at + ": cannot read its attributes: " + e.getMessage());
                fixes.add("check " + dir);
                continue;
            }
            Set<PosixFilePermission> p = a.permissions();
            String mode = mode(p) + " (" + PosixFilePermissions.toString(p) + "), owner " + a.owner().getName();
            String brief = mode(p) + ", owner " + a.owner().getName();
            if (!p.contains(PosixFilePermission.OWNER_READ) || !p.contains(PosixFilePermission.OWNER_EXECUTE)) {
                failing.add(at + ": mode " + mode + ": its owner cannot list it");
                fixes.add("chmod u+rwx " + dir);
                continue;
            }
            if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
                failing.add(at + ": mode " + mode + ": " + user + " cannot list it");
                fixes.add("give " + user + " (the agent's user) read and search permission on " + dir);
                continue;
            }
            String cannotWrite = writeProbe(dir);
            if (cannotWrite != null) {
                failing.add(at + ": " + cannotWrite);
                fixes.add(cannotWrite.contains("immutable") ? "chattr -i " + dir : cannotWrite.contains("read-only")
                        ? "remount " + dir + "'s file system read-write" : "give " + user + " write permission on "
                        + dir);
                continue;
            }
            if (!p.contains(PosixFilePermission.OWNER_WRITE)) {
                warning.add(at + ": mode " + mode + ": its owner cannot write it");
                warnFixes.add("chmod u+w " + dir);
                continue;
            }
            fine.add(at + " (" + brief + ")");
        }
        if (full) {
            Walk w = walk();
            for (String u : w.unreadable) {
                failing.add(u);
            }
            if (!w.unreadable.isEmpty()) {
                fixes.add(0, "give " + user + " (the agent's user) read permission on each path named, or run the "
                        + "agent as root");
            }
        }
        if (!failing.isEmpty()) {
            return fail("roots", String.join("; ", failing), fixes.get(0) + (failing.size() > 1
                    ? "; likewise for the others named" : ""));
        }
        if (!warning.isEmpty()) {
            return warn("roots", String.join("; ", warning), warnFixes.get(0));
        }
        return pass("roots", String.join("; ", fine) + (full ? "; " + walk().files + " file(s) readable" : ""));
    }

    /** Creates and removes a file with the synchronizer's temp prefix in {@code dir}; null, or why it cannot. */
    private static String writeProbe(Path dir) {
        Path probe = dir.resolve(".hakit-tmp-doctor-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            Files.delete(probe);
            return null;
        } catch (AccessDeniedException e) {
            return "cannot create a file in it: permission denied";
        } catch (FileSystemException e) {
            String why = String.valueOf(e.getReason());
            return "cannot create a file in it: " + (why.contains("Operation not permitted")
                    ? "operation not permitted (immutable? lsattr -d " + dir + ")"
                    : why.contains("Read-only") ? "read-only file system" : why);
        } catch (IOException e) {
            return "cannot create a file in it: " + e.getMessage();
        }
    }

    private Finding freeSpace() {
        if (sync == null) {
            return fail("free space", "the sync keys are invalid: " + syncProblem, "see the config check");
        }
        long reserve = sync.diskReserve();
        List<String> failing = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        for (Map.Entry<String, Path> r : sync.roots().entrySet()) {
            if (!Files.isDirectory(r.getValue())) {
                continue; // the roots check names it
            }
            FileStore fs;
            long free;
            try {
                fs = Files.getFileStore(r.getValue());
                free = fs.getUsableSpace();
            } catch (IOException e) {
                failing.add(r.getKey() + ": " + r.getValue() + ": cannot read its file system: " + e.getMessage());
                continue;
            }
            String line = r.getKey() + ": " + size(free) + " free on " + fs;
            if (free < reserve) {
                failing.add(line + ", below " + SyncConfig.RESERVE + " " + size(reserve));
            } else if (free < 2 * reserve) {
                warning.add(line + ", less than twice " + SyncConfig.RESERVE + " " + size(reserve));
            } else {
                fine.add(line);
            }
        }
        String fix = "free space there (a standby refuses to write below " + SyncConfig.RESERVE + ": SYNC_FAILED), or "
                + "give the file system more room";
        if (!failing.isEmpty()) {
            return fail("free space", String.join("; ", failing), fix);
        }
        if (!warning.isEmpty()) {
            return warn("free space", String.join("; ", warning), fix);
        }
        return pass("free space", String.join("; ", fine) + "; reserve " + size(reserve));
    }

    private Finding junk(boolean fix) {
        if (sync == null) {
            return fail("junk", "the sync keys are invalid: " + syncProblem, "see the config check");
        }
        Walk w = walk();
        if (w.junk.isEmpty()) {
            return pass("junk", "no zero-size file without permissions under the roots (" + w.files + " files)");
        }
        String role = agent == null ? null : agent.get("role");
        if (fix && "STANDBY".equals(role)) {
            List<String> left = new ArrayList<>();
            for (Junk j : w.junk) {
                try {
                    if (j.remove()) {
                        removed.add(j.shown);
                    }
                } catch (IOException e) {
                    left.add(j.shown + " (" + e.getMessage() + ")");
                }
            }
            if (left.isEmpty() && w.junkFound > w.junk.size()) {
                return fail("junk", "removed " + removed.size() + " zero-size file(s) without permissions ("
                        + list(removed) + "); " + (w.junkFound - w.junk.size()) + " more remain",
                        "run hakit doctor --fix again");
            }
            if (left.isEmpty()) {
                return pass("junk", "removed " + removed.size() + " zero-size file(s) without permissions: "
                        + list(removed));
            }
            return fail("junk", "could not remove " + list(left), "remove them by hand");
        }
        String found = w.junkFound + " zero-size file(s) without permissions (the junk an interrupted copy "
                + "leaves): " + list(w.junk.stream().map(j -> j.shown).toList());
        String notFixed = fix ? " (--fix removed nothing: " + (role == null ? AGENT_NOT_RUNNING : "this node is "
                + role) + ")" : "";
        if ("STANDBY".equals(role)) {
            return fail("junk", found, "hakit doctor --fix --config " + configFile + " removes them (on a standby "
                    + "only)");
        }
        if ("ACTIVE".equals(role)) {
            return warn("junk", found + notFixed, "on the active such a file may be a user's (it is synchronized as "
                    + "it is): remove it by hand if it is junk");
        }
        return warn("junk", found + "; this node's role is unknown (" + (role == null ? agentProblem : role) + ")"
                + notFixed, "--fix removes them only while the agent reports STANDBY");
    }

    private Finding conflicts() {
        if (sync == null) {
            return fail("conflicts", "the sync keys are invalid: " + syncProblem, "see the config check");
        }
        List<ConflictCopy> copies;
        try {
            copies = ConflictCopy.find(sync);
        } catch (IOException | RuntimeException e) {
            return warn("conflicts", "cannot look for conflict copies: " + e.getMessage(), "see the roots check");
        }
        if (copies.isEmpty()) {
            return pass("conflicts", "no conflict copy under the roots");
        }
        return warn("conflicts", copies.size() + " conflict copy(ies) (a file changed on both nodes; this node's "
                + "version kept): " + list(copies.stream().map(ConflictCopy::shown).toList()),
                "hakit sync conflicts --config " + configFile + " shows both versions: keep the right content, "
                        + "then delete the copies");
    }

    private Finding syncRound() {
        if (agent == null) {
            return warn("sync", agentProblem, START_AGENT);
        }
        String role = agent.get("sync.role");
        if (role == null) {
            return warn("sync", "the running agent synchronizes no files (started before the sync keys were added?)",
                    "restart the agent");
        }
        boolean connected = Boolean.parseBoolean(agent.get("sync.connected", "false"));
        boolean inSync = Boolean.parseBoolean(agent.get("sync.in-sync", "false"));
        String error = agent.get("sync.last-error", "");
        String last = agent.get("sync.last-success", "never");
        String rounds = "rounds: " + agent.get("sync.rounds", "0");
        String verified = agent.get("sync.verified-at", "never");
        String stateDetail = inSync ? "in sync (verified by a full round" + ago(verified) + ")"
                : agent.get("sync.state", "not in sync");
        String diskFix = "the error names the path and cause: see the free space and roots checks here and on the "
                + "standby";
        if (role.equals("stopped")) {
            return warn("sync", "the synchronizer is stopped", "restart the agent");
        }
        if (role.equals("source")) {
            String seen = "source; last clean round" + (last.equals("never") ? " never" : ago(last)) + ", lag "
                    + agent.get("sync.lag-ms", "?") + " ms, " + agent.get("sync.pending-files", "0")
                    + " file(s) pending, " + rounds;
            if (!connected) {
                return fail("sync", "no connection to the standby's sync port; " + seen + (error.isEmpty() ? ""
                        : "; " + error), "see the peer sync check: the standby's agent must run");
            }
            if (!error.isEmpty() && !inSync) {
                return fail("sync", error + "; " + seen, diskFix);
            }
            if (!inSync) {
                return warn("sync", stateDetail + "; " + seen, "wait for the next full round (" + SyncConfig.PERIOD
                        + "), or run hakit sync verify");
            }
            return pass("sync", stateDetail + "; " + seen);
        }
        String seen = "standby; last round applied" + (last.equals("never") ? " never" : ago(last)) + ", " + rounds;
        if (!connected) {
            return fail("sync", "no connection from the active; " + seen + (error.isEmpty() ? "" : "; " + error),
                    "see the peer checks: the active's agent must run and reach this node's sync port");
        }
        if (!error.isEmpty()) {
            return fail("sync", error + "; " + seen, diskFix);
        }
        Instant at = parse(last);
        Duration period = sync == null ? Duration.ofSeconds(60) : sync.period();
        if (at == null || Duration.between(at, clock.instant()).compareTo(period.multipliedBy(2)) > 0) {
            return warn("sync", "no round applied within two periods (" + ConfigParsing.format(period.multipliedBy(2))
                    + "); " + seen, "check the active's sync status (hakit status there)");
        }
        return pass("sync", stateDetail + "; " + seen);
    }

    private Finding notifyCommands() {
        List<String> failing = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        List<String> warnFixes = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        for (ConfigOption o : KeepaliveConfig.OPTIONS) {
            if (o.type() != ConfigOption.Type.COMMAND) {
                continue;
            }
            String key = o.key();
            Optional<List<String>> words = command(key);
            if (words.isEmpty()) {
                continue;
            }
            String exe = words.get().get(0);
            Path path;
            if (exe.contains("/")) {
                path = Path.of(exe);
                if (!path.isAbsolute()) {
                    warning.add(key + ": " + exe + " is relative to the agent's working directory");
                    warnFixes.add("write the absolute path in " + key + " at " + file.where(key));
                }
            } else {
                path = onPath(exe);
                if (path == null) {
                    failing.add(key + ": '" + exe + "' is not found on the PATH (" + searchPath + ")");
                    fixes.add("install it or write its absolute path in " + key + " at " + file.where(key));
                    continue;
                }
            }
            String problem = executableProblem(path);
            if (problem != null) {
                failing.add(key + ": " + problem);
                fixes.add(problem.contains("not executable") ? "chmod +x " + path : "install it or correct " + key
                        + " at " + file.where(key) + " (a role change runs it; the agent would not start without it)");
                continue;
            }
            fine.add(key.substring("keepalive.".length()) + " " + path);
        }
        if (!failing.isEmpty()) {
            return fail("notify", String.join("; ", failing), fixes.get(0) + (failing.size() > 1
                    ? "; likewise for the others named" : ""));
        }
        if (!warning.isEmpty()) {
            return warn("notify", String.join("; ", warning), warnFixes.get(0));
        }
        return pass("notify", fine.isEmpty() ? "no notify or health command configured"
                : String.join(", ", fine) + ": present and executable");
    }

    /**
     * The floating IP's tools and interface: {@code ip} (iproute2) moves the address, {@code arping} tells the
     * neighbours at once; without it they keep sending to the old node until their ARP caches expire.
     */
    private Finding floatingIp() {
        Optional<FloatingIp> configured = keepalive.floatingIp();
        if (configured.isEmpty()) {
            return pass("floating ip", "none configured (" + KeepaliveConfig.VIP + ")");
        }
        FloatingIp vip = configured.get();
        if (onPath("ip") == null) {
            return fail("floating ip", "'ip' is not found on the PATH: the agent cannot add or remove " + vip,
                    "install iproute2 (Debian/Ubuntu: apt-get install iproute2)");
        }
        if (vip.netns().isEmpty() && !Files.isDirectory(sysClassNet.resolve(vip.device()))) {
            return fail("floating ip", "there is no network interface " + vip.device() + " on this host (for " + vip
                    + ")", "correct " + KeepaliveConfig.VIP_DEVICE + " at " + file.where(KeepaliveConfig.VIP_DEVICE)
                    + " (ip -br link lists the interfaces)");
        }
        if (vip.arpCount() > 0 && onPath("arping") == null) {
            return warn("floating ip", "'arping' is not found on the PATH: when this node takes over " + vip
                    + ", the neighbours keep sending to the old node until their ARP caches expire",
                    "install arping (Debian/Ubuntu: apt-get install iputils-arping; RHEL: dnf install iputils)");
        }
        return pass("floating ip", vip + ": ip" + (vip.arpCount() > 0 ? " and arping" : "") + " present");
    }

    /** Why {@code path} cannot be run, or null: missing, not a file, not executable, or its #! interpreter is. */
    private static String executableProblem(Path path) {
        if (!Files.exists(path)) {
            return path + " does not exist";
        }
        if (!Files.isRegularFile(path)) {
            return path + " is not a file";
        }
        if (!Files.isExecutable(path)) {
            return path + " is not executable" + modeOf(path);
        }
        byte[] head = new byte[256];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return null; // executable but unreadable to this user: the kernel may still run it
        }
        if (n < 2 || head[0] != '#' || head[1] != '!') {
            return null;
        }
        String line = new String(head, 2, n - 2, StandardCharsets.ISO_8859_1).split("\n", 2)[0];
        String interpreter = line.strip().split("[ \t]", 2)[0];
        if (line.endsWith("\r")) {
            return path + "'s first line ends with a carriage return (CRLF line ends): the kernel runs '"
                    + line.stripLeading().replace("\r", "\\r") + "'";
        }
        if (interpreter.isEmpty()) {
            return null;
        }
        Path i = Path.of(interpreter);
        if (!Files.isExecutable(i)) {
            return path + "'s interpreter " + interpreter + (Files.exists(i) ? " is not executable" : " does not "
                    + "exist");
        }
        return null;
    }

    private Finding restarts() {
        Path state = stateDir();
        List<StartHistory.Entry> h;
        try {
            h = StartHistory.read(state);
        } catch (IOException e) {
            return warn("restarts", "cannot read " + state.resolve(StartHistory.FILE) + ": " + e.getMessage(),
                    "check the state directory's permissions");
        }
        List<StartHistory.Entry> starts = h.stream().filter(e -> e.kind() == StartHistory.Kind.START).toList();
        if (starts.isEmpty()) {
            return pass("restarts", "no start recorded in " + state.resolve(StartHistory.FILE));
        }
        Instant now = clock.instant();
        Instant loopFrom = now.minus(RestartLoopDetector.DEFAULT_WINDOW);
        Instant dayFrom = now.minus(Duration.ofDays(1));
        int restartsInWindow = 0;
        List<String> unclean = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            StartHistory.Entry s = h.get(i);
            if (s.kind() == StartHistory.Kind.EXIT && s.at().isAfter(dayFrom)) {
                failed.add(s.at() + ": " + shortDetail(s.detail()));
            }
            if (s.kind() != StartHistory.Kind.START) {
                continue;
            }
            if (i > 0 && !s.at().isBefore(loopFrom)) {
                restartsInWindow++;
            }
            boolean ended = false;
            for (int j = i + 1; j < h.size() && !ended; j++) {
                ended = h.get(j).pid() == s.pid() && h.get(j).kind() != StartHistory.Kind.START;
            }
            boolean alive = ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false);
            if (!ended && !alive && s.at().isAfter(dayFrom)) {
                unclean.add("the run started at " + s.at() + " (pid " + s.pid() + ")");
            }
        }
        String endings = (unclean.isEmpty() ? "" : unclean.size() + " ended without a clean stop (killed or crashed; "
                + "last: " + unclean.get(unclean.size() - 1) + ")") + (failed.isEmpty() ? "" : (unclean.isEmpty()
                ? "" : "; ") + failed.size() + " failed to start (last at " + failed.get(failed.size() - 1) + ")");
        if (restartsInWindow > RestartLoopDetector.DEFAULT_MAX_RESTARTS) {
            return fail("restarts", "restart loop: " + restartsInWindow + " restarts within "
                    + ConfigParsing.format(RestartLoopDetector.DEFAULT_WINDOW) + (endings.isEmpty() ? ""
                    : "; " + endings), "read the FIRST failure of the loop in " + agentLog() + " (and journalctl -u "
                    + "hakit-agent), not the last; systemd gives up after 5 starts in 5 min");
        }
        StartHistory.Entry lastStart = starts.get(starts.size() - 1);
        if (!endings.isEmpty()) {
            return warn("restarts", "in the last 24 h " + endings, "read " + agentLog() + " before that time (an "
                    + "OOM kill is in dmesg); stop the agent with SIGTERM (systemctl stop hakit-agent)");
        }
        return pass("restarts", starts.size() + " start(s) recorded, the last at " + lastStart.at()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (pid "
                + lastStart.pid() + "); none ended uncleanly or failed to start in the last 24 h");
    }

    private Finding alarms() {
        if (agent == null) {
            return warn("alarms", agentProblem, START_AGENT);
        }
        int n = agent.count("alarms");
        Map<String, Integer> raised = new LinkedHashMap<>();
        int events = agent.count("alarm-history");
        for (int i = 0; i < events; i++) {
            String[] f = agent.get("alarm-history." + i, "").split(" ", 5);
            if (f.length >= 4 && f[1].equals("RAISED")) {
                raised.merge(f[2] + " " + f[3], 1, Integer::sum);
            }
        }
        if (n > 0) {
            List<String> active = new ArrayList<>();
            boolean major = false;
            String firstId = null;
            for (int i = 0; i < n; i++) {
                String id = agent.get("alarm." + i + ".id", "?");
                String severity = agent.get("alarm." + i + ".severity", "");
                major |= severity.equals("CRITICAL") || severity.equals("MAJOR");
                firstId = firstId == null ? id : firstId;
                Instant since = parse(agent.get("alarm." + i + ".since", ""));
                active.add(id + " " + agent.get("alarm." + i + ".type") + " (" + severity + ") since "
                        + (since == null ? "?" : since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)) + ": "
                        + agent.get("alarm." + i + ".detail"));
            }
            String detail = String.join("; ", active) + "; " + events + " alarm event(s) since the agent started";
            return major ? fail("alarms", detail, alarmFix(firstId)) : warn("alarms", detail, alarmFix(firstId));
        }
        Optional<Map.Entry<String, Integer>> flapping = raised.entrySet().stream().filter(e -> e.getValue() >= 3)
                .findFirst();
        if (flapping.isPresent()) {
            return warn("alarms", "none active, but " + flapping.get().getKey() + " was raised "
                    + flapping.get().getValue() + " times since the agent started (flapping)",
                    alarmFix(flapping.get().getKey().split(" ")[0]));
        }
        return pass("alarms", "none active; " + events + " alarm events since the agent started"
                + (events == 0 ? "" : " (last: " + agent.get("alarm-history." + (events - 1)) + ")"));
    }

    /** The operator's guide's "what to do" for an alarm id. */
    static String alarmFix(String id) {
        Map<Integer, String> fixes = new HashMap<>();
        fixes.put(AlarmType.HEARTBEAT_INTERRUPTED.id(), "check the peer's agent, the link and the certificates (the "
                + "peer checks above)");
        fixes.put(AlarmType.SYNC_FAILED.id(), "the detail names the path and cause: free space, permissions, the link "
                + "(the checks above, here and on the peer)");
        fixes.put(AlarmType.SYNC_CONFLICT.id(), "hakit sync conflicts: keep the right content, remove the copy");
        fixes.put(AlarmType.NOTIFY_FAILED.id(), "read the command's output in the agent log; fix the service or the "
                + "script (the notify check)");
        fixes.put(AlarmType.CERT_INVALID.id(), "hakit cert check <cert-dir>, then hakit cert renew");
        fixes.put(AlarmType.CERT_EXPIRING.id(), "hakit cert renew (the alarm's detail gives the command)");
        fixes.put(AlarmType.CERT_EXPIRED.id(), "hakit cert renew (the alarm's detail gives the command), now");
        fixes.put(AlarmType.SPLIT_BRAIN.id(), "check the link and the arbiter choice (docs/agent.md)");
        fixes.put(AlarmType.RESTART_LOOP.id(), "read the log of the first failure of the loop, not the last");
        try {
            return fixes.getOrDefault(Integer.parseInt(id.trim()), "see the alarm's description in docs/agent.md");
        } catch (NumberFormatException e) {
            return "see docs/agent.md";
        }
    }

    // ------------------------------------------------------------------ the roots' trees

    /** One walk of every root, shared by the roots and junk checks: junk files and paths this user cannot read. */
    private Walk walk() {
        if (walk == null) {
            walk = new Walk();
            for (Map.Entry<String, Path> r : sync.roots().entrySet()) {
                if (Files.isDirectory(r.getValue())) {
                    walk.root(r.getKey(), r.getValue());
                }
            }
        }
        return walk;
    }

    /** A zero-size file without permissions, found relative to a directory held open (no link is ever followed). */
    private static final class Junk {
        final String shown;
        final SecureDirectoryStream<Path> dir;
        final Path name;

        Junk(String shown, SecureDirectoryStream<Path> dir, Path name) {
            this.shown = shown;
            this.dir = dir;
            this.name = name;
        }

        /** Removes it if it still is junk (checked again, relative to its open directory). */
        boolean remove() throws IOException {
            PosixFileAttributes a = dir.getFileAttributeView(name, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (!isJunk(name.toString(), a)) {
                return false;
            }
            dir.deleteFile(name);
            return true;
        }
    }

    static boolean isJunk(String name, PosixFileAttributes a) {
        return a.isRegularFile() && a.size() == 0 && a.permissions().isEmpty() && !name.startsWith(".hakit-tmp-")
                && !name.contains(".hakit-conflict-");
    }

    /**
     * Walks a root without following links: each directory is opened relative to its parent's open descriptor
     * ({@link SecureDirectoryStream}: openat, fstatat, unlinkat), so that a directory swapped for a link while the
     * walk runs is not followed and {@code --fix} removes only what it found. Directories stay open until
     * {@link #close} (when there is junk to remove in them).
     */
    private final class Walk {
        final List<Junk> junk = new ArrayList<>();
        /** All junk found, also beyond {@link #MAX_JUNK}. */
        long junkFound;
        final List<String> unreadable = new ArrayList<>();
        long files;
        private final List<SecureDirectoryStream<Path>> held = new ArrayList<>();

        void root(String name, Path root) {
            try {
                DirectoryStream<Path> ds = Files.newDirectoryStream(root);
                if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
                    ds.close();
                    unreadable.add(name + ": " + root + ": this platform cannot walk it without following links");
                    return;
                }
                walk(name, "", sds, root);
            } catch (IOException e) {
                unreadable.add(name + ": " + root + ": cannot list it: " + e.getMessage());
            }
        }

        private void walk(String root, String rel, SecureDirectoryStream<Path> dir, Path shownDir) throws IOException {
            boolean keep = false;
            try {
                for (Path entry : dir) {
                    Path name = entry.getFileName();
                    String path = rel + name;
                    PosixFileAttributes a;
                    try {
                        a = dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .readAttributes();
                    } catch (IOException e) {
                        continue; // gone meanwhile
                    }
                    if (a.isDirectory()) {
                        SecureDirectoryStream<Path> sub;
                        try {
                            sub = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
                        } catch (AccessDeniedException e) {
                            note(root + ":" + path + "/: cannot list it (mode " + mode(a.permissions()) + ")");
                            continue;
                        } catch (IOException e) {
                            continue; // replaced meanwhile (by a link: not ours to walk)
                        }
                        walk(root, path + "/", sub, shownDir.resolve(name));
                    } else if (a.isRegularFile()) {
                        files++;
                        if (isJunk(name.toString(), a)) {
                            if (junkFound++ < MAX_JUNK) {
                                junk.add(new Junk(root + ":" + path, dir, name));
                                keep = true;
                            }
                        } else if (!Files.isReadable(shownDir.resolve(name))) {
                            note(root + ":" + path + ": cannot read it (mode " + mode(a.permissions()) + ")");
                        }
                    }
                }
            } catch (java.nio.file.DirectoryIteratorException e) {
                note(root + ":" + rel + ": cannot list it: " + e.getCause().getMessage());
            } finally {
                if (keep) {
                    held.add(dir);
                } else {
                    dir.close();
                }
            }
        }

        private void note(String problem) {
            if (unreadable.size() < LIST) {
                unreadable.add(problem);
            } else if (unreadable.size() == LIST) {
                unreadable.add("and more");
            }
        }

        void close() {
            for (SecureDirectoryStream<Path> d : held) {
                try {
                    d.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }

    /** Closes what the walk holds open. */
    void close() {
        if (walk != null) {
            walk.close();
        }
    }

    // ------------------------------------------------------------------ configuration values

    // (read through the configuration classes: the agent reads the same values with the same defaults)

    private String nodeId() {
        return keepalive.nodeId();
    }

    private String peerNodeId() {
        return keepalive.peerNodeId();
    }

    private boolean insecure() {
        return keepalive.insecure();
    }

    /** The certificate directory; only called with TLS on, where it is required. */
    private Path certDir() {
        return keepalive.certDir().orElseThrow();
    }

    private Path stateDir() {
        return keepalive.stateDir();
    }

    private String agentLog() {
        return agentConfig.logToStandardError() ? "the agent's standard error" : agentConfig.logFile(stateDir())
                .toString();
    }

    private Duration expiringWithin() {
        return keepalive.certExpiringWithin();
    }

    /**
     * The words of the command that {@code key} (a {@link ConfigOption.Type#COMMAND} key of
     * {@link KeepaliveConfig#OPTIONS}) sets, if it is set.
     *
     * @throws IllegalStateException for a command key this doctor does not know (its notify check then says so)
     */
    private Optional<List<String>> command(String key) {
        if (key.equals(KeepaliveConfig.HEALTH_SCRIPT)) {
            return keepalive.healthScript();
        }
        for (Role r : Role.values()) {
            if (key.equals(KeepaliveConfig.NOTIFY + r.name().toLowerCase(Locale.ROOT))) {
                return Optional.ofNullable(keepalive.notifyCommands().get(r));
            }
        }
        throw new IllegalStateException("no getter of KeepaliveConfig known for the command key " + key);
    }

    // ------------------------------------------------------------------ helpers

    private static Optional<ConfigOption> option(List<ConfigOption> options, String key) {
        return options.stream().filter(o -> o.key().equals(key)).findFirst();
    }

    private interface Check {
        Finding run() throws IOException;
    }

    /** A check that throws is a FAIL naming the exception, not the end of the doctor. */
    private static Finding guard(String name, Check c) {
        try {
            return c.run();
        } catch (IOException | RuntimeException e) {
            return fail(name, "the check itself failed: " + e, "report it; the other checks still ran");
        }
    }

    private static Finding pass(String check, String detail) {
        return new Finding(check, Level.PASS, detail, "-");
    }

    private static Finding warn(String check, String detail, String fix) {
        return new Finding(check, Level.WARN, detail, fix);
    }

    private static Finding fail(String check, String detail, String fix) {
        return new Finding(check, Level.FAIL, detail, fix);
    }

    /** CertificateChecker's detail without its renewal sentence (the fix column has the command). */
    private static String shortDetail(String detail) {
        int at = detail.indexOf("; renew it from the CA");
        return at < 0 ? detail : detail.substring(0, at);
    }

    private static String list(List<String> items) {
        return items.size() <= LIST ? String.join(", ", items)
                : String.join(", ", items.subList(0, LIST)) + " and " + (items.size() - LIST) + " more";
    }

    private static String mode(Set<PosixFilePermission> p) {
        int m = 0;
        for (PosixFilePermission x : p) {
            m |= 1 << (8 - x.ordinal());
        }
        return String.format(Locale.ROOT, "%03o", m);
    }

    private static String modeOf(Path p) {
        try {
            return " (mode " + mode(Files.getPosixFilePermissions(p)) + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private Path onPath(String command) {
        for (String d : searchPath.split(":")) {
            if (!d.isEmpty() && Files.exists(Path.of(d, command))) {
                return Path.of(d, command);
            }
        }
        return null;
    }

    private static Instant parse(String instant) {
        try {
            return Instant.parse(instant);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** " 12 s ago (at 2026-12-03T08:43:54Z)" for an instant, "" when it is none. */
    private String ago(String instant) {
        Instant at = parse(instant);
        return at == null ? "" : " " + Duration.between(at, clock.instant()).toSeconds() + " s ago (at "
                + at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")";
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
