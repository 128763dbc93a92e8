package io.hakit.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The running agent's local control socket, for commands that need the agent itself ({@code hakit sync verify}): a
 * Unix domain socket {@code <state-dir>/control/agent.sock} in a directory of mode 0700, so only the agent's user
 * (and root) can connect. One request line (at most 1 KiB, within 5 s), answered with lines, the last being
 * {@code EXIT <code>}; one request at a time.
 */
final class ControlServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final String SOCKET = "control/agent.sock";

    /** Handles one request: the command line and where its answer lines go; returns the exit code. */
    interface Handler {
        int handle(String command, Consumer<String> out);
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hakit-control-watchdog");
        t.setDaemon(true);
        return t;
    });

    private ControlServer(Path socket, ServerSocketChannel server, Handler handler) {
        this.socket = socket;
        this.server = server;
        this.thread = new Thread(() -> serve(handler), "hakit-control");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Listens in {@code stateDir}; a socket left by a previous run (not in use: this agent holds the lock) goes. */
    static ControlServer start(Path stateDir, Handler handler) throws IOException {
        Path dir = stateDir.resolve("control");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path socket = dir.resolve("agent.sock");
        Files.deleteIfExists(socket);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw new IOException("cannot open the control socket " + socket + ": " + e.getMessage()
                    + (socket.toString().length() > 100 ? " (a Unix socket path must be under 108 bytes: choose a "
                    + "shorter keepalive.state-dir)" : ""), e);
        }
        return new ControlServer(socket, s, handler);
    }

    private void serve(Handler handler) {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                ScheduledFuture<?> stuck = watchdog.schedule(() -> closeQuietly(c), 5, TimeUnit.SECONDS);
                String command = readLine(c);
                stuck.cancel(false);
                if (command == null) {
                    continue;
                }
                BiConsumer<SocketChannel, String> send = ControlServer::write;
                int code;
                try {
                    code = handler.handle(command.trim(), line -> send.accept(c, line));
                } catch (RuntimeException e) {
                    write(c, "ERROR " + e.getMessage());
                    code = 1;
                }
                write(c, "EXIT " + code);
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.debug("control connection: {}", e.toString());
                }
            }
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) == '\n') {
                    return new String(b.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        return null; // closed, timed out by the watchdog, or longer than 1 KiB
    }

    private static void write(SocketChannel c, String line) {
        ByteBuffer b = ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (b.hasRemaining()) {
                c.write(b);
            }
        } catch (IOException e) {
            LOG.debug("control client went away: {}", e.toString());
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a silent client
        }
    }

    /**
     * Sends {@code command} to the agent whose state directory is {@code stateDir} and prints each answer line to
     * {@code out}; returns the agent's exit code.
     *
     * @throws IOException when no agent listens there (not running, or another state directory)
     */
    static int request(Path stateDir, String command, Consumer<String> out) throws IOException {
        Path socket = stateDir.resolve(SOCKET);
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("no agent answers on " + socket + " (is 'hakit agent' running with this "
                        + "configuration?): " + e.getMessage(), e);
            }
            c.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            StringBuilder line = new StringBuilder();
            java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
            while (c.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) {
                    byte x = b.get();
                    if (x == '\n') {
                        line.append(pending.toString(StandardCharsets.UTF_8));
                        pending.reset();
                        String l = line.toString();
                        line.setLength(0);
                        if (l.startsWith("EXIT ")) {
                            return Integer.parseInt(l.substring(5).trim());
                        }
                        out.accept(l);
                    } else {
                        pending.write(x);
                    }
                }
                b.clear();
            }
            throw new IOException("the agent closed the control connection before answering (it may have stopped)");
        }
    }

    /**
     * Sends {@code command} to the agent that runs with {@code configFile} (its keepalive.state-dir), printing its
     * answer; returns its exit code, or 1 with the reason on {@code err} when no agent answers.
     */
    static int ask(Path configFile, String command, java.io.PrintStream out, java.io.PrintStream err, String who) {
        Path state;
        ConfigFile c = null;
        try {
            c = ConfigFile.read(configFile);
            state = io.hakit.keepalive.KeepaliveConfig.fromMap(c.values()).stateDir(); // where the agent listens
        } catch (io.hakit.api.InvalidConfigException e) {
            err.println(who + ": " + (c == null ? e.getMessage() : c.explain(e)));
            return 1;
        }
        try {
            return request(state, command, out::println);
        } catch (IOException e) {
            err.println(who + ": " + e.getMessage());
            return 1;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.interrupt();
        watchdog.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
