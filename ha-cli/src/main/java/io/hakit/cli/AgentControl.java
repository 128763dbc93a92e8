package io.hakit.cli;

import io.hakit.sync.RoundResult;
import io.hakit.keepalive.KeepaliveAgent;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.Role;
import io.hakit.sync.FileSync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What the running agent does for the commands that reach it through its control socket ({@link ControlServer}):
 * {@code sync verify}, {@code switchover [--force]}, {@code maintenance on|off}, and {@code doctor} (what
 * {@code hakit doctor} needs of the agent: {@link AgentView}). Each answers with lines and an exit
 * code; each is logged. Called on the control socket's thread, one request at a time.
 */
final class AgentControl implements ControlServer.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(AgentControl.class);
    /** How long a switchover's final sync round and the peer's takeover may take. */
    static final Duration SWITCHOVER_LIMIT = Duration.ofSeconds(60);

    private final KeepaliveAgent agent;
    private final FileSync sync;

    AgentControl(KeepaliveAgent agent, FileSync sync) {
        this.agent = agent;
        this.sync = sync;
    }

    @Override
    public int handle(String command, Consumer<String> out) {
        if (command.equals(AgentView.COMMAND)) {
            LOG.debug("control: {}", command); // read-only, and an operator may run it often
            AgentView.of(agent).lines().forEach(out);
            return 0;
        }
        LOG.info("control: {}", command);
        switch (command) {
            case "sync verify":
                if (sync == null) {
                    out.accept("ERROR this agent synchronizes no files (no sync.root.<name> keys)");
                    return 1;
                }
                return SyncCommand.answerVerify(sync, out);
            case "switchover":
                return switchover(false, out);
            case "switchover --force":
                return switchover(true, out);
            case "maintenance on":
            case "maintenance off":
                return maintenance(command.endsWith("on"), out);
            default:
                out.accept("ERROR unknown command '" + command + "'");
                return 2;
        }
    }

    /**
     * Hands over to the standby: first a full sync round that must come out clean (the standby then holds this node's
     * files; {@code force} skips it), then the keepalive handover; waits (bounded) until the peer is active.
     */
    private int switchover(boolean force, Consumer<String> out) {
        KeepaliveNode node = agent.node();
        if (node.role() != Role.ACTIVE) {
            out.accept("ERROR " + node.config().nodeId() + " is " + node.role() + ": run 'hakit switchover' on the "
                    + "active node");
            return 1;
        }
        if (sync != null && !force) {
            out.accept("bringing the standby's files up to date first (a full sync round)...");
            RoundResult r;
            try {
                r = sync.syncNow(SWITCHOVER_LIMIT);
            } catch (Exception e) {
                out.accept("ERROR the final sync round failed: " + (e.getMessage() == null ? e.toString()
                        : e.getMessage()) + "; nothing changed (--force hands over anyway: what the standby lacks "
                        + "comes back from it as conflict copies)");
                return 1;
            }
            if (!r.clean()) {
                out.accept("ERROR the final sync round was not clean (" + (!r.errors().isEmpty() ? r.errors().get(0)
                        : !r.refused().isEmpty() ? r.refused().get(0) : r.pending().get(0)) + "); nothing changed "
                        + "(--force hands over anyway)");
                return 1;
            }
            out.accept("the standby holds this node's files (" + r.entries() + " paths)");
        }
        String why = node.switchover("hakit switchover" + (force ? " --force" : ""));
        if (why != null) {
            out.accept("ERROR " + why + "; nothing changed");
            return 1;
        }
        out.accept("handing over: " + node.config().nodeId() + " is now a standby that will not take the role back");
        long deadline = System.nanoTime() + SWITCHOVER_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            String peer = node.status().peer();
            if (peer.contains(" ACTIVE ")) {
                out.accept("done: " + peer);
                return 0;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        out.accept("ERROR the peer did not become active within " + SWITCHOVER_LIMIT.toSeconds() + " s ("
                + node.status().peer() + "); this node stays a standby");
        return 1;
    }

    private int maintenance(boolean on, Consumer<String> out) {
        KeepaliveNode node = agent.node();
        if (on && node.role() == Role.ACTIVE && sync != null) {
            out.accept("this node is active: bringing the standby's files up to date first (a full sync round)...");
            try {
                RoundResult r = sync.syncNow(SWITCHOVER_LIMIT);
                if (!r.clean()) {
                    out.accept("ERROR the final sync round was not clean; nothing changed (use 'hakit switchover "
                            + "--force' first if the standby must take over anyway)");
                    return 1;
                }
            } catch (Exception e) {
                out.accept("ERROR the final sync round failed: " + e.getMessage() + "; nothing changed");
                return 1;
            }
        }
        try {
            node.maintenance(on, "hakit maintenance " + (on ? "on" : "off"));
        } catch (IOException e) {
            out.accept("ERROR cannot record maintenance in " + node.config().stateDir() + ": " + e.getMessage());
            return 1;
        }
        out.accept(on ? "maintenance on: " + node.config().nodeId() + " will not take the active role (kept across "
                + "restarts; 'hakit maintenance off' ends it)"
                : "maintenance off: " + node.config().nodeId() + " may take the active role again");
        return 0;
    }
}
