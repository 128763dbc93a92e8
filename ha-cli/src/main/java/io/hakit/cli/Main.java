package io.hakit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Properties;

/**
 * The {@code hakit} command: dispatches to a subcommand.
 *
 * <p>Exit codes: 0 success, 1 the command ran and failed, 2 bad usage (unknown command or option).
 *
 * <p>Creates no logger: subcommands configure slf4j-simple first (it reads its settings when the first logger is
 * created).
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage: hakit <command> [options]",
            "",
            "commands:",
            "  demo [--backend B] [--nodes N] [--verbose]",
            "                                leader election, retrieval, fencing and failover on the embedded",
            "                                backend or a real in-process ZooKeeper ensemble, step by step",
            "  cert generate|check           create the keepalive pair's CA and certificates; check a directory",
            "  agent --config FILE           run a keepalive node (active/standby, floating IP) until stopped",
            "  status --config FILE          role, epoch, peer, last heartbeat and alarms of a running agent",
            "  sync verify|conflicts --config FILE",
            "                                compare active and standby by content; list conflict copies",
            "  switchover --config FILE [--force]",
            "                                hand the active role over to the standby cleanly",
            "  maintenance on|off --config FILE",
            "                                keep this node from taking the active role (kept across restarts)",
            "  config check|reference ...    validate a configuration file; print every key",
            "  doctor [--config FILE] [--fix]",
            "                                check this node and its link to the peer: PASS/WARN/FAIL per check",
            "                                with the fix; exit 0 PASS, 1 WARN, 2 FAIL",
            "  help [command]                this text, or a command's options",
            "  --version                     the version of hakit",
            "");

    private static final String POM_PROPERTIES = "/META-INF/maven/io.hakit/ha-cli/pom.properties";

    private Main() {
    }

    /**
     * Runs one {@code hakit} command line on standard output and standard error, then exits the JVM with the
     * command's exit code (it does not return).
     *
     * @param args the command and its options, e.g. {@code demo --nodes 3}; none prints the usage and exits with 2
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String command = args[0];
        switch (command) {
            case "demo":
                return new DemoCommand(out, err).run(Arrays.asList(args).subList(1, args.length));
            case "cert":
                return new CertCommand(out, err, java.time.Clock.systemUTC())
                        .run(Arrays.asList(args).subList(1, args.length));
            case "agent":
                return new AgentCommand(out, err).agent(Arrays.asList(args).subList(1, args.length));
            case "status":
                return new AgentCommand(out, err).status(Arrays.asList(args).subList(1, args.length));
            case "sync":
                return new SyncCommand(out, err).run(Arrays.asList(args).subList(1, args.length));
            case "switchover":
                return new OperatorCommand(out, err).switchover(Arrays.asList(args).subList(1, args.length));
            case "maintenance":
                return new OperatorCommand(out, err).maintenance(Arrays.asList(args).subList(1, args.length));
            case "config":
                return new ConfigCommand(out, err).run(Arrays.asList(args).subList(1, args.length));
            case "doctor":
                return new DoctorCommand(out, err).run(Arrays.asList(args).subList(1, args.length));
            case "help":
            case "--help":
            case "-h":
                return help(Arrays.copyOfRange(args, 1, args.length), out, err);
            case "--version":
            case "version":
                out.println("hakit " + version());
                return 0;
            default:
                err.println("hakit: unknown command '" + command + "'");
                err.print(USAGE);
                return 2;
        }
    }

    private static int help(String[] topics, PrintStream out, PrintStream err) {
        if (topics.length == 0) {
            out.print(USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("demo")) {
            out.print(DemoCommand.USAGE);
            return 0;
        }
        if (topics.length == 1 && (topics[0].equals("agent") || topics[0].equals("status"))) {
            out.print(AgentCommand.USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("sync")) {
            out.print(SyncCommand.USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("switchover")) {
            out.print(OperatorCommand.SWITCHOVER_USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("maintenance")) {
            out.print(OperatorCommand.MAINTENANCE_USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("config")) {
            out.print(ConfigCommand.USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("doctor")) {
            out.print(DoctorCommand.USAGE);
            return 0;
        }
        if (topics.length == 1 && topics[0].equals("cert")) {
            out.print(CertCommand.USAGE);
            return 0;
        }
        err.println("hakit help: no help for '" + String.join(" ", topics) + "'");
        err.print(USAGE);
        return 2;
    }

    /** The version from the Maven descriptor packaged into the jar. */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "(version unknown: not running from the packaged jar)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(version unknown: no version in " + POM_PROPERTIES + ")");
        } catch (IOException e) {
            return "(version unknown: " + POM_PROPERTIES + " unreadable: " + e.getMessage() + ")";
        }
    }
}
