package io.hakit.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's starts and ends, one line each in {@code <state-dir>/agent-starts}: {@code <instant> start pid=N},
 * {@code <instant> stop pid=N} (a clean stop: SIGTERM or SIGINT) and {@code <instant> exit pid=N <why>} (a start that
 * failed). A start of a process that is gone and wrote no end was killed or crashed. {@code hakit doctor} reads it
 * for the restart history and restart loops (systemd restarts a failing agent; its own journal may be elsewhere).
 * Appends only; the file is cut to its last {@value #KEEP} bytes when it passes {@value #LIMIT}. Never throws:
 * a history that cannot be written is logged and the agent runs on.
 */
final class StartHistory {

    private static final Logger LOG = LoggerFactory.getLogger(StartHistory.class);
    static final String FILE = "agent-starts";
    static final int LIMIT = 64 * 1024;
    static final int KEEP = 32 * 1024;

    /** What happened. */
    enum Kind { START, STOP, EXIT }

    /** One line of the history; {@code detail} is the reason of an EXIT, else "". */
    record Entry(Instant at, Kind kind, long pid, String detail) {
    }

    private StartHistory() {
    }

    /** This process starts an agent on {@code stateDir}. */
    static void started(Path stateDir) {
        trim(stateDir.resolve(FILE));
        append(stateDir, Instant.now() + " start pid=" + ProcessHandle.current().pid());
    }

    /** This process's agent stopped cleanly. */
    static void stopped(Path stateDir) {
        append(stateDir, Instant.now() + " stop pid=" + ProcessHandle.current().pid());
    }

    /** This process's agent could not start, for {@code why}. */
    static void failed(Path stateDir, String why) {
        append(stateDir, Instant.now() + " exit pid=" + ProcessHandle.current().pid() + " "
                + String.valueOf(why).replace('\n', ' '));
    }

    /** The history, oldest first; empty when there is none. Lines it cannot read are skipped. */
    static List<Entry> read(Path stateDir) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(stateDir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.split(" ", 4);
            if (f.length < 3 || !f[2].startsWith("pid=")) {
                continue; // the first line after a cut, or a line being written
            }
            try {
                Kind k = Kind.valueOf(f[1].toUpperCase(java.util.Locale.ROOT));
                out.add(new Entry(Instant.parse(f[0]), k, Long.parseLong(f[2].substring(4)),
                        f.length > 3 ? f[3] : ""));
            } catch (IllegalArgumentException | DateTimeParseException e) {
                // not a line of ours
            }
        }
        return out;
    }

    private static void append(Path stateDir, String line) {
        try {
            Files.writeString(stateDir.resolve(FILE), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot record the agent's {} in {}: {}", line.split(" ")[1], stateDir.resolve(FILE),
                    e.toString());
        }
    }

    private static void trim(Path file) {
        try {
            if (!Files.exists(file) || Files.size(file) <= LIMIT) {
                return;
            }
            byte[] all = Files.readAllBytes(file);
            Path tmp = file.resolveSibling("." + FILE + ".tmp");
            Files.write(tmp, java.util.Arrays.copyOfRange(all, all.length - KEEP, all.length));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot shorten {}: {}", file, e.toString());
        }
    }
}
