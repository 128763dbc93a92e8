package io.hakit.cli;

import io.hakit.api.alarm.AlarmEvent;
import io.hakit.keepalive.KeepaliveAgent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What a running agent knows that {@code hakit doctor} needs: its status (role, epoch, the peer as it last heard it,
 * heartbeat, TLS problem, active alarms, the synchronizer's figures: the properties of its status file, fresh) and
 * its alarm history since it started ({@code alarm-history.<n>}, oldest first, at most {@value #HISTORY}), plus
 * {@code agent.pid}. Asked for through the control socket ({@code doctor}: one {@code key=value} line each), or taken
 * in the agent's own process. Immutable.
 */
final class AgentView {

    /** The control socket command that answers with the view. */
    static final String COMMAND = "doctor";
    /** How many alarm events the view carries (the latest). */
    static final int HISTORY = 50;

    private final Properties p;

    private AgentView(Properties p) {
        this.p = p;
    }

    /** A view of these properties (the agent's status properties, as {@link #ask} and {@link #of} gather them). */
    static AgentView of(Properties p) {
        Properties copy = new Properties();
        copy.putAll(p);
        return new AgentView(copy);
    }

    /** The view of the agent running in this process. */
    static AgentView of(KeepaliveAgent agent) {
        Properties p = agent.statusProperties();
        p.setProperty("agent.pid", Long.toString(ProcessHandle.current().pid()));
        List<AlarmEvent> history = agent.node().alarms().history();
        List<AlarmEvent> last = history.subList(Math.max(0, history.size() - HISTORY), history.size());
        for (int i = 0; i < last.size(); i++) {
            AlarmEvent e = last.get(i);
            p.setProperty("alarm-history." + i, e.time() + " " + e.kind() + " " + e.type().id() + " " + e.type()
                    + " " + e.source() + ": " + e.alarm().detail());
        }
        p.setProperty("alarm-history", Integer.toString(last.size()));
        return new AgentView(p);
    }

    /**
     * Asks the agent whose state directory is {@code stateDir}.
     *
     * @throws IOException when no agent answers there (not running)
     */
    static AgentView ask(Path stateDir) throws IOException {
        Properties p = new Properties();
        List<String> errors = new ArrayList<>();
        int code = ControlServer.request(stateDir, COMMAND, line -> {
            int eq = line.indexOf('=');
            if (line.startsWith("ERROR ") || eq < 0) {
                errors.add(line);
            } else {
                p.setProperty(line.substring(0, eq), line.substring(eq + 1));
            }
        });
        if (code != 0) {
            throw new IOException("the agent answered '" + COMMAND + "' with exit " + code + ": " + errors
                    + " (an agent older than this hakit?)");
        }
        return new AgentView(p);
    }

    /** The view as the control socket's answer lines. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(p.stringPropertyNames())) {
            out.add(k + "=" + p.getProperty(k).replace('\n', ' '));
        }
        return out;
    }

    String get(String key, String otherwise) {
        return p.getProperty(key, otherwise);
    }

    String get(String key) {
        return p.getProperty(key);
    }

    int count(String key) {
        try {
            return Integer.parseInt(p.getProperty(key, "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
