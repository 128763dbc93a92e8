package io.hakit.testkit.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A tiny echo server on 127.0.0.1 for the proxy tests: one thread per connection, records what it received. */
final class EchoServer implements AutoCloseable {

    private static final int RECORDED_LIMIT = 1 << 20;

    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();

    EchoServer() throws IOException {
        serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), serverSocket.getLocalPort());
    }

    /** Connections accepted so far. */
    int acceptedCount() {
        return accepted.get();
    }

    /** The remote addresses of the connections accepted so far, in order. */
    List<InetSocketAddress> remoteAddresses() {
        return sockets.stream().map(s -> (InetSocketAddress) s.getRemoteSocketAddress()).toList();
    }

    /** Connections currently open. */
    int openCount() {
        return open.get();
    }

    /** Bytes received over all connections. */
    long receivedBytes() {
        return received.get();
    }

    /** The first MiB received over all connections, as text. */
    String receivedText() {
        synchronized (recorded) {
            return recorded.toString(StandardCharsets.UTF_8);
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.incrementAndGet();
            sockets.add(socket);
            Thread t = new Thread(() -> echo(socket), "echo-conn");
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void echo(Socket socket) {
        byte[] buffer = new byte[16 * 1024];
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                received.addAndGet(n);
                synchronized (recorded) {
                    if (recorded.size() < RECORDED_LIMIT) {
                        recorded.write(buffer, 0, Math.min(n, RECORDED_LIMIT - recorded.size()));
                    }
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // The peer (the proxy) reset or closed the connection: this connection is over.
        } finally {
            open.decrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(5_000);
            for (Thread t : threads) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
