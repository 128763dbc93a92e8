package io.hakit.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * {@code hakit doctor [--config FILE] [--fix]}: runs {@link Doctor}'s checks on this node and, through its agent and
 * its own connections, on the peer; prints one row per check (PASS, WARN or FAIL, what was seen, the fix) and exits
 * with the worst: 0 PASS, 1 WARN, 2 FAIL.
 */
final class DoctorCommand {

    /** Where the operator's guide puts a node's file. */
    static final Path DEFAULT_CONFIG = Path.of("/etc/hakit/node.yaml");

    static final String USAGE = String.join("\n",
            "usage: hakit doctor [--config FILE] [--fix]",
            "",
            "Checks this node and its link to the peer, one row per check: PASS, WARN or FAIL, what was seen",
            "(naming each failing path, step or alarm) and the fix in one line. FILE defaults to",
            DEFAULT_CONFIG + ". Checks: config (the file as the agent reads it); agent (is it running:",
            "asked through its control socket); certificate (this node's: valid, names this node, expiry);",
            "peer keepalive, peer sync (a TCP connect and a mutual TLS handshake to each of the peer's ports,",
            "naming the step that fails: TCP connect, TLS handshake, certificate trust, name or expiry, and",
            "the peer's certificate expiry); peer state (the peer as the agent last heard it); clock (this",
            "node's clock synchronized); clock offset (the peer's clock against this node's, as the agent's",
            "heartbeats measure it: WARN from 1 s or unknown, FAIL from 5 s); roots (exist, listable and",
            "writable, naming each failing path); free space (each root's file system against",
            "sync.disk-reserve); junk (zero-size files without permissions under the roots); conflicts",
            "(conflict copies); sync (the last clean round and the lag); notify (notify and health commands",
            "present and executable); floating ip (ip and its interface present; WARN without arping);",
            "restarts (the agent's starts, unclean ends and restart loops); alarms",
            "(active ones, and flapping since the agent started). Without a running agent, agent, peer state,",
            "clock offset, sync and alarms are WARN 'agent not running'; the rest run. Run it on both nodes.",
            "",
            "--fix   removes the zero-size files without permissions under the roots, printing each, only",
            "        while the agent reports this node STANDBY (on an active node such a file may be a user's).",
            "",
            "Exit 0 when every check passes, 1 when the worst is WARN, 2 when any check FAILs (2 also for bad",
            "usage).",
            "");

    private final PrintStream out;
    private final PrintStream err;

    DoctorCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        Path config = DEFAULT_CONFIG;
        boolean fix = false;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--help":
                case "-h":
                    out.print(USAGE);
                    return 0;
                case "--fix":
                    fix = true;
                    break;
                case "--config":
                    if (i + 1 == args.size()) {
                        err.println("hakit doctor: --config needs a file");
                        err.print(USAGE);
                        return 2;
                    }
                    config = Path.of(args.get(++i));
                    break;
                default:
                    err.println("hakit doctor: unknown option '" + args.get(i) + "'");
                    err.print(USAGE);
                    return 2;
            }
        }
        Doctor doctor = new Doctor(config, Doctor.CONTROL_SOCKET, Clock.systemUTC(), Doctor.PROBE_TIMEOUT);
        List<Doctor.Finding> findings;
        try {
            findings = doctor.all(fix);
        } finally {
            doctor.close();
        }
        for (String r : doctor.removed()) {
            out.println("removed " + r);
        }
        Table t = new Table("check", "level", "detail", "fix");
        for (Doctor.Finding f : findings) {
            t.row(f.check(), f.level(), f.detail(), f.fix());
        }
        t.print(out);
        out.println("doctor: " + Doctor.summary(findings));
        return Doctor.worst(findings).ordinal();
    }
}
