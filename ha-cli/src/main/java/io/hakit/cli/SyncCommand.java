package io.hakit.cli;

import io.hakit.sync.RoundResult;
import io.hakit.api.InvalidConfigException;
import io.hakit.sync.ConflictCopy;
import io.hakit.sync.SyncConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * {@code hakit sync verify|conflicts --config FILE}: the file synchronizer's operator tools. {@code verify} asks the
 * running agent (through its control socket) for a verification round: both sides compared by content digests read
 * now, as {@code rsync -c --dry-run} would; {@code conflicts} lists the conflict copies in this node's roots.
 */
final class SyncCommand {

    static final String USAGE = String.join("\n",
            "usage: hakit sync verify --config FILE",
            "       hakit sync conflicts --config FILE",
            "",
            "verify     compares the active's and the standby's files by content (SHA-256 read now on both",
            "           nodes, as rsync -c --dry-run would), and their type, link target, mode and mtime; changes",
            "           nothing. Run it on the active node while its agent runs. Prints each path that differs",
            "           and what differs; exit 0 when none does, 1 when some does or verification failed.",
            "conflicts  lists the conflict copies in this node's roots (a file changed on both nodes: this node's",
            "           version kept as <name>.hakit-conflict-<time>-<node>-<n>), with both versions' size and",
            "           mtime. Resolve each (keep the right content, delete or rename the copy): SYNC_CONFLICT",
            "           (45694) clears when none is left. Exit 0 when there is none, 1 otherwise.",
            "");

    private final PrintStream out;
    private final PrintStream err;

    SyncCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            out.print(USAGE);
            return 0;
        }
        if (args.size() != 3 || !args.get(1).equals("--config")) {
            err.print(USAGE);
            return 2;
        }
        Path file = Paths.get(args.get(2));
        Map<String, String> settings;
        try {
            settings = AgentCommand.load(file);
        } catch (InvalidConfigException e) {
            err.println("hakit sync: " + e.getMessage());
            return 1;
        }
        if (!SyncConfig.wanted(settings)) {
            err.println("hakit sync: " + file + " has no sync.* keys: this node synchronizes no files");
            return 1;
        }
        switch (args.get(0)) {
            case "verify":
                return ControlServer.ask(file, "sync verify", out, err, "hakit sync verify");
            case "conflicts":
                return conflicts(file, settings);
            default:
                err.println("hakit sync: unknown command '" + args.get(0) + "'");
                err.print(USAGE);
                return 2;
        }
    }

    private int conflicts(Path file, Map<String, String> settings) {
        List<ConflictCopy> copies;
        try {
            copies = ConflictCopy.find(SyncConfig.fromMap(settings));
        } catch (InvalidConfigException e) {
            err.println("hakit sync conflicts: " + file + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("hakit sync conflicts: " + e.getMessage());
            return 1;
        }
        if (copies.isEmpty()) {
            out.println("no conflict copies");
            return 0;
        }
        Table t = new Table("conflict copy (this node's version)", "size", "mtime", "current file", "size",
                "mtime", "kept by", "at");
        for (ConflictCopy c : copies) {
            t.row(c.shown(), c.copySize(), c.copyMtime(), c.originalShown(), c.currentSize() < 0 ? "-"
                    : Long.toString(c.currentSize()), c.currentMtime() == null ? "(none)" : c.currentMtime(),
                    c.node(), c.madeAtShown());
        }
        t.print(out);
        out.println(copies.size() + " conflict cop" + (copies.size() == 1 ? "y" : "ies") + ": compare each with the "
                + "current file, keep the right content, then delete or rename the copy");
        return 1;
    }

    /** The agent's answer to "sync verify": runs a verification round and prints each difference. */
    static int answerVerify(io.hakit.sync.FileSync sync, java.util.function.Consumer<String> out) {
        io.hakit.sync.RoundResult r;
        try {
            r = sync.verify(java.time.Duration.ofMinutes(30));
        } catch (IllegalStateException notSource) {
            out.accept("ERROR " + notSource.getMessage() + ": run 'hakit sync verify' on the active node");
            return 1;
        } catch (Exception e) {
            out.accept("ERROR verification failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
        r.differences().forEach(d -> out.accept("DIFF " + d));
        if (!r.errors().isEmpty() || !r.refused().isEmpty()) {
            r.errors().forEach(e -> out.accept("ERROR " + e));
            r.refused().forEach(e -> out.accept("ERROR refused: " + e));
            return 1;
        }
        out.accept(r.differences().isEmpty() ? "no differences: " + r.entries() + " paths compared by content"
                : r.differences().size() + " difference(s) in " + r.entries() + " paths");
        return r.differences().isEmpty() ? 0 : 1;
    }
}
