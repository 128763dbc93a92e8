package io.hakit.cli;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveAgent;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.tls.CertificateChecker;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.kubernetes.KubernetesOptions;
import io.hakit.sync.SyncConfig;
import io.hakit.zookeeper.ZooKeeperOptions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code hakit config check FILE}: everything {@code hakit agent} would refuse, found without starting anything (no
 * lock, port, thread or connection); {@code hakit config reference}: every key an agent file takes, generated from
 * the configuration classes (docs/config-reference.md is this output).
 */
final class ConfigCommand {

    static final String USAGE = String.join("\n",
            "usage: hakit config check FILE",
            "       hakit config reference",
            "",
            "check      reads FILE as 'hakit agent' would and reports the first problem with its file, line, key",
            "           and fix (unknown or misspelt keys, a key set twice, values, units, cross-field rules,",
            "           notify commands, this node's certificate); starts nothing. Exit 0 when the agent would",
            "           start with it, 1 otherwise.",
            "reference  prints every key of an agent file: type, default, what it does and its hazard.",
            "");

    private final PrintStream out;
    private final PrintStream err;

    ConfigCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            out.print(USAGE);
            return 0;
        }
        if (args.size() == 2 && args.get(0).equals("check")) {
            return check(Path.of(args.get(1)));
        }
        if (args.size() == 1 && args.get(0).equals("reference")) {
            out.print(reference());
            return 0;
        }
        err.print(USAGE);
        return 2;
    }

    private int check(Path file) {
        ConfigFile c;
        try {
            c = ConfigFile.read(file);
        } catch (InvalidConfigException e) {
            err.println("hakit config check: " + e.getMessage());
            return 1;
        }
        Map<String, String> settings = c.values();
        KeepaliveConfig node;
        SyncConfig sync;
        try {
            KeepaliveAgent.validate(settings);
            node = KeepaliveConfig.fromMap(settings);
            AgentConfig.fromMap(settings);
            sync = SyncConfig.wanted(settings) ? SyncConfig.builder().keepalive(node).options(settings)
                    .requireDirectories(false).build() : null;
        } catch (InvalidConfigException e) {
            err.println("hakit config check: " + c.explain(e));
            return 1;
        }
        // what the file names and the node must have: reported, not a fault of the file (it may be checked elsewhere)
        List<String> missing = new java.util.ArrayList<>();
        if (node.certDir().isPresent()) {
            Path certDir = node.certDir().get();
            if (!java.nio.file.Files.isDirectory(certDir)) {
                missing.add(c.where(KeepaliveConfig.CERT_DIR) + ": " + certDir + " does not exist here");
            } else {
                CertificateChecker.Verdict v = new CertificateChecker(Duration.ofDays(30), Clock.systemUTC())
                        .check(new PemLayout(certDir), node.nodeId());
                if (v.status() == CertificateChecker.Status.INVALID
                        || v.status() == CertificateChecker.Status.EXPIRED) {
                    err.println("hakit config check: " + c.where(KeepaliveConfig.CERT_DIR) + ": " + v.detail());
                    return 1;
                }
                if (v.status() == CertificateChecker.Status.EXPIRING) {
                    out.println("warning: " + v.detail());
                }
            }
        }
        if (sync != null) {
            sync.roots().forEach((name, dir) -> {
                if (!java.nio.file.Files.isDirectory(dir)) {
                    missing.add(c.where(SyncConfig.ROOT + name) + ": " + dir + " does not exist here");
                }
            });
        }
        out.println(file + ": OK: node " + node.nodeId() + ", peer " + node.peerNodeId() + " at "
                + node.peerAddress().getHostString() + ":" + node.peerAddress().getPort() + ", arbiter "
                + node.arbiter().map(Arbiter::describe).orElse("lease of " + node.leaseComponent().orElse("-"))
                + (sync == null ? ", no file sync" : ", file sync of " + sync.roots()));
        for (String m : missing) {
            out.println("warning: " + m + " (the agent needs it on its node)");
        }
        return 0;
    }

    /** The reference page: one table per namespace, from the configuration classes' option lists. */
    static String reference() {
        StringBuilder b = new StringBuilder();
        b.append("# Agent configuration reference\n\n");
        b.append("Generated by `hakit config reference` from the configuration classes (a test fails when this page and "
                + "the code disagree).\nAn agent file is YAML (nested keys join with dots) or Java properties. "
                + "Durations and sizes need a unit (but in Flink's high-availability.* keys, where a number alone is "
                + "milliseconds).\nEvery key not listed here is refused, with the nearest valid key (a backend's own "
                + "keys, high-availability.<type>.*, when the lease arbiter connects to it). `hakit config check "
                + "FILE` checks a file without starting anything.\n");
        section(b, "keepalive.*: the node and its agent (arbiter, floating IP, notify scripts, health script, status)",
                KeepaliveConfig.OPTIONS);
        section(b, "sync.*: the file synchronizer (present when any sync key is)", SyncConfig.OPTIONS);
        section(b, "agent.*: logging and HTTP endpoints", AgentConfig.OPTIONS);
        section(b, "high-availability.*: the lease arbiter's backend (only with `keepalive.arbiter: lease`)",
                HaConfig.OPTIONS);
        section(b, "high-availability.zookeeper.*: high-availability.type zookeeper", ZooKeeperOptions.OPTIONS);
        section(b, "high-availability.kubernetes.* and three of Flink's kubernetes.* keys: high-availability.type "
                + "kubernetes", KubernetesOptions.OPTIONS);
        section(b, "high-availability.embedded.*: high-availability.type embedded (one JVM only)",
                EmbeddedHaBackend.OPTIONS);
        return b.toString();
    }

    private static void section(StringBuilder b, String title, List<ConfigOption> options) {
        b.append("\n## ").append(title).append("\n\n");
        b.append("| key | value | default | what it does |\n|---|---|---|---|\n");
        for (ConfigOption o : options) {
            b.append("| `").append(o.key()).append("` | ").append(o.type().shown()).append(" | ")
                    .append(o.defaultValue()).append(" | ").append(o.description().replace("|", "\\|"))
                    .append(" |\n");
        }
    }
}
