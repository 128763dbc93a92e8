package io.hakit.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code hakit switchover} and {@code hakit maintenance}: operator actions carried out by the running agent, through
 * its control socket ({@link AgentControl} does the work).
 */
final class OperatorCommand {

    static final String SWITCHOVER_USAGE = String.join("\n",
            "usage: hakit switchover --config FILE [--force]",
            "",
            "Run on the active node: hands the active role over to the standby cleanly. First a full sync round",
            "must come out clean (the standby then holds this node's files; --force skips it, and what the",
            "standby lacks comes back from it as conflict copies), then this node steps down and the standby",
            "takes over at once. This node does not take the role back (even with preempt and a higher",
            "priority) until the new active stops being active. Exit 0 once the peer is active.",
            "");

    static final String MAINTENANCE_USAGE = String.join("\n",
            "usage: hakit maintenance on|off --config FILE",
            "",
            "on   this node will not take the active role, whatever happens to its peer (an active node first",
            "     brings the standby's files up to date, then hands over); kept across restarts; shown by",
            "     'hakit status' and in the logs.",
            "off  an ordinary node again.",
            "");

    private final PrintStream out;
    private final PrintStream err;

    OperatorCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int switchover(List<String> args) {
        boolean force = args.contains("--force");
        List<String> rest = args.stream().filter(a -> !a.equals("--force")).toList();
        if (rest.equals(List.of("--help")) || rest.equals(List.of("-h"))) {
            out.print(SWITCHOVER_USAGE);
            return 0;
        }
        if (rest.size() != 2 || !rest.get(0).equals("--config")) {
            err.print(SWITCHOVER_USAGE);
            return 2;
        }
        return ControlServer.ask(Path.of(rest.get(1)), force ? "switchover --force" : "switchover", out, err,
                "hakit switchover");
    }

    int maintenance(List<String> args) {
        if (args.equals(List.of("--help")) || args.equals(List.of("-h"))) {
            out.print(MAINTENANCE_USAGE);
            return 0;
        }
        if (args.size() != 3 || !(args.get(0).equals("on") || args.get(0).equals("off"))
                || !args.get(1).equals("--config")) {
            err.print(MAINTENANCE_USAGE);
            return 2;
        }
        return ControlServer.ask(Path.of(args.get(2)), "maintenance " + args.get(0), out, err, "hakit maintenance");
    }
}
