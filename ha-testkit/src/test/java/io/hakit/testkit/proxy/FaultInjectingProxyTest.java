package io.hakit.testkit.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultInjectingProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private EchoServer echo;
    private FaultInjectingProxy proxy;
    private final List<Socket> clients = new ArrayList<>();
    private final List<Thread> helpers = new ArrayList<>();

    @BeforeEach
    void startEchoAndProxy() throws IOException {
        echo = new EchoServer();
        proxy = FaultInjectingProxy.start(echo.address());
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (Socket s : clients) {
            s.close();
        }
        proxy.close();
        echo.close();
        for (Thread t : helpers) {
            t.join(5_000);
        }
    }

    @Test
    void passForwardsBytesBothWays() throws IOException {
        Socket client = connect();

        send(client, "hello");

        assertThat(readText(client, 5)).isEqualTo("hello");
        assertThat(echo.receivedText()).isEqualTo("hello");
        assertThat(proxy.fault(Direction.UPSTREAM)).isEqualTo(Fault.pass());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(proxy.bytesForwarded(Direction.UPSTREAM)).isEqualTo(5);
            assertThat(proxy.bytesForwarded(Direction.DOWNSTREAM)).isEqualTo(5);
        });
        assertThat(proxy.connectionCount()).isEqualTo(1);
        assertThat(proxy.localAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(proxy.localPort()).isPositive().isNotEqualTo(echo.address().getPort());
    }

    @Test
    void upstreamLocalAddressesAreWhatTheTargetSeesAsRemote() throws IOException {
        Socket first = connect();
        Socket second = connect();
        roundTrip(first, "one");
        roundTrip(second, "two");

        assertThat(proxy.upstreamLocalAddresses()).containsExactlyInAnyOrderElementsOf(echo.remoteAddresses());

        first.close();
        await().atMost(WAIT).until(() -> proxy.connectionCount() == 1);
        assertThat(proxy.upstreamLocalAddresses()).hasSize(1);
    }

    @Test
    void passForwardsALargeStreamIntact() throws Exception {
        Socket client = connect();
        int size = 4 * 1024 * 1024;
        AtomicLong echoed = new AtomicLong();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        startHelper("reader", () -> verifyPattern(client, size, echoed, readerFailure));

        writePattern(client, size, new AtomicLong());

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(readerFailure.get()).isNull();
            assertThat(echoed.get()).isEqualTo(size);
        });
        assertThat(echo.receivedBytes()).isEqualTo(size);
    }

    @Test
    void delayAddsAtLeastTheDelayPerDirection() throws IOException {
        Socket client = connect();
        roundTrip(client, "warm");

        proxy.fault(Direction.UPSTREAM, Fault.delay(Duration.ofMillis(200)));
        long upstreamOnly = timeRoundTripNanos(client, "up");

        proxy.fault(Fault.delay(Duration.ofMillis(150)));
        long bothWays = timeRoundTripNanos(client, "both");

        assertThat(Duration.ofNanos(upstreamOnly)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(Duration.ofNanos(bothWays)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(proxy.fault(Direction.DOWNSTREAM)).isEqualTo(Fault.delay(Duration.ofMillis(150)));
    }

    @Test
    void delayPreservesOrder() throws IOException {
        Socket client = connect();
        proxy.fault(Fault.delay(Duration.ofMillis(20)));
        StringBuilder expected = new StringBuilder();

        for (int i = 0; i < 50; i++) {
            String message = String.format("m%02d;", i);
            expected.append(message);
            send(client, message);
        }

        assertThat(readText(client, expected.length())).isEqualTo(expected.toString());
    }

    @Test
    void dropLosesBytesButKeepsTheConnectionOpen() throws IOException {
        Socket client = connect();
        roundTrip(client, "first");

        proxy.fault(Direction.UPSTREAM, Fault.drop());
        send(client, "lost");
        await().atMost(WAIT).until(() -> proxy.bytesDropped(Direction.UPSTREAM) == 4);
        proxy.fault(Fault.pass());
        send(client, "kept");

        assertThat(readText(client, 4)).isEqualTo("kept");
        assertThat(echo.receivedText()).isEqualTo("firstkept");
        assertThat(echo.acceptedCount()).isEqualTo(1);
        assertThat(proxy.connectionCount()).isEqualTo(1);
    }

    @Test
    void downstreamDropWhileUpstreamPasses() throws IOException {
        Socket client = connect();
        proxy.fault(Direction.DOWNSTREAM, Fault.drop());

        send(client, "hello");

        await().atMost(WAIT).until(() -> echo.receivedText().equals("hello"));
        await().atMost(WAIT).until(() -> proxy.bytesDropped(Direction.DOWNSTREAM) == 5);
        assertThat(proxy.bytesForwarded(Direction.DOWNSTREAM)).isZero();
        assertThat(proxy.fault(Direction.UPSTREAM)).isEqualTo(Fault.pass());

        proxy.fault(Direction.DOWNSTREAM, Fault.pass());
        send(client, "again");
        // Had "hello" been delivered, it would be read first.
        assertThat(readText(client, 5)).isEqualTo("again");
    }

    @Test
    void blackholeBlocksTheSenderUntilPassThenDataFlowsAgain() throws Exception {
        Socket client = connect();
        roundTrip(client, "hello");
        proxy.fault(Fault.blackhole());

        int size = 16 * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        AtomicBoolean writeDone = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        AtomicLong echoed = new AtomicLong();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        startHelper("reader", () -> verifyPattern(client, size, echoed, readerFailure));
        startHelper("writer", () -> {
            try {
                writePattern(client, size, written);
                writeDone.set(true);
            } catch (IOException e) {
                writerFailure.set(e);
            }
        });

        // Several MB cannot fit in the socket buffers: the writer stays blocked and nothing reaches the server.
        await().atMost(WAIT).until(() -> written.get() > 0);
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> !writeDone.get()
                && echo.receivedBytes() == 5
                && echoed.get() == 0
                && writerFailure.get() == null);
        assertThat(proxy.connectionCount()).isEqualTo(1);
        assertThat(echo.openCount()).isEqualTo(1);

        proxy.fault(Fault.pass());

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(writerFailure.get()).isNull();
            assertThat(readerFailure.get()).isNull();
            assertThat(writeDone.get()).isTrue();
            assertThat(echoed.get()).isEqualTo(size);
        });
        assertThat(echo.receivedBytes()).isEqualTo(5 + size);
        assertThat(echo.acceptedCount()).isEqualTo(1);
    }

    @Test
    void resetClosesCurrentConnectionsAndResetsNewOnesUntilHealed() throws IOException {
        Socket client = connect();
        roundTrip(client, "hello");

        proxy.fault(Fault.reset());

        await().atMost(WAIT).until(() -> echo.openCount() == 0);
        assertThat(proxy.connectionCount()).isZero();
        assertResetOrEof(client);

        assertNewConnectionIsReset(proxy.localAddress());
        assertThat(echo.acceptedCount()).isEqualTo(1);
        assertThat(proxy.connectionCount()).isZero();

        proxy.fault(Fault.pass());
        roundTrip(connect(), "healed");
        assertThat(echo.acceptedCount()).isEqualTo(2);
    }

    @Test
    void resetOnOneDirectionKeepsResetModeUntilBothAreHealed() throws IOException {
        proxy.fault(Direction.DOWNSTREAM, Fault.reset());
        proxy.fault(Direction.UPSTREAM, Fault.pass());

        assertNewConnectionIsReset(proxy.localAddress());

        proxy.fault(Direction.DOWNSTREAM, Fault.pass());
        roundTrip(connect(), "healed");
    }

    @Test
    void disconnectAllResetsCurrentConnectionsOnly() throws IOException {
        Socket first = connect();
        roundTrip(first, "hello");

        proxy.disconnectAll();

        await().atMost(WAIT).until(() -> echo.openCount() == 0);
        assertResetOrEof(first);
        assertThat(proxy.fault(Direction.UPSTREAM)).isEqualTo(Fault.pass());
        roundTrip(connect(), "again");
    }

    @Test
    void refuseNewConnectionsLeavesCurrentOnesAlone() throws IOException {
        Socket existing = connect();
        roundTrip(existing, "hello");

        proxy.refuseNewConnections(true);

        assertNewConnectionIsReset(proxy.localAddress());
        roundTrip(existing, "still");
        assertThat(echo.acceptedCount()).isEqualTo(1);

        proxy.refuseNewConnections(false);
        roundTrip(connect(), "welcome");
        assertThat(echo.acceptedCount()).isEqualTo(2);
    }

    @Test
    void halfCloseIsForwardedAndTheConnectionEnds() throws IOException {
        Socket client = connect();
        send(client, "bye");

        client.shutdownOutput();

        assertThat(readText(client, 3)).isEqualTo("bye");
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        await().atMost(WAIT).until(() -> proxy.connectionCount() == 0);
    }

    @Test
    void unreachableTargetResetsTheClient() throws IOException {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        try (FaultInjectingProxy dead = FaultInjectingProxy.builder()
                .target(new InetSocketAddress(InetAddress.getLoopbackAddress(), deadPort))
                .build()
                .start()) {
            assertNewConnectionIsReset(dead.localAddress());
            await().atMost(WAIT).until(() -> dead.connectionCount() == 0);
        }
    }

    @Test
    void faultsSetBeforeStartApplyFromTheFirstConnection() throws IOException {
        FaultInjectingProxy unstarted = FaultInjectingProxy.builder().target(echo.address()).build();
        unstarted.fault(Direction.DOWNSTREAM, Fault.drop());
        try (FaultInjectingProxy started = unstarted.start()) {
            Socket client = track(new Socket());
            client.connect(started.localAddress(), 5_000);

            send(client, "x");

            await().atMost(WAIT).until(() -> started.bytesDropped(Direction.DOWNSTREAM) == 1);
        }
    }

    @Test
    void closeReleasesThePortAndStopsEveryThread() throws Exception {
        Socket client = connect();
        roundTrip(client, "hello");
        int port = proxy.localPort();
        // The acceptor plus a reader and a writer per direction of the one connection.
        await().atMost(WAIT).until(() -> proxyThreadCount(port) == 5);

        proxy.close();
        proxy.close();

        await().atMost(WAIT).until(() -> proxyThreadCount(port) == 0);
        assertResetOrEof(client);
        await().atMost(WAIT).until(() -> echo.openCount() == 0);
        assertThat(proxy.connectionCount()).isZero();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
        try (ServerSocket rebound = new ServerSocket()) {
            rebound.setReuseAddress(true);
            rebound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(rebound.getLocalPort()).isEqualTo(port);
        }
        assertThatThrownBy(proxy::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void builderValidatesItsSettings() {
        assertThatThrownBy(() -> FaultInjectingProxy.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("target");
        assertThatThrownBy(() -> FaultInjectingProxy.builder().target(echo.address()).bufferSize(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bufferSize");
        assertThatThrownBy(() -> FaultInjectingProxy.builder().target(echo.address()).listenPort(70_000).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listenPort");
        assertThatThrownBy(() -> FaultInjectingProxy.builder().target(echo.address())
                .connectTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> FaultInjectingProxy.builder().target(echo.address()).build().localPort())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
        assertThatThrownBy(proxy::start).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Fault.delay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFixedListenPortIsUsed() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (FaultInjectingProxy fixed = FaultInjectingProxy.builder()
                .target(echo.address()).listenPort(port).build().start()) {
            assertThat(fixed.localPort()).isEqualTo(port);
            Socket client = track(new Socket());
            client.connect(fixed.localAddress(), 5_000);
            client.setSoTimeout(10_000);
            roundTrip(client, "fixed");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private Socket connect() throws IOException {
        Socket socket = track(new Socket());
        socket.connect(proxy.localAddress(), 5_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private Socket track(Socket socket) {
        clients.add(socket);
        return socket;
    }

    private void startHelper(String name, Runnable body) {
        Thread t = new Thread(body, "test-" + name);
        t.setDaemon(true);
        helpers.add(t);
        t.start();
    }

    /** Live threads of the proxy listening on {@code port}; other proxies in this JVM do not count. */
    private static long proxyThreadCount(int port) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("hakit-proxy-" + port + "-") && t.isAlive())
                .count();
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readText(Socket socket, int length) throws IOException {
        byte[] bytes = new byte[length];
        InputStream in = socket.getInputStream();
        int read = 0;
        while (read < length) {
            int n = in.read(bytes, read, length - read);
            if (n < 0) {
                throw new EOFException("EOF after " + read + " of " + length + " bytes");
            }
            read += n;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void roundTrip(Socket socket, String text) throws IOException {
        send(socket, text);
        assertThat(readText(socket, text.length())).isEqualTo(text);
    }

    private static long timeRoundTripNanos(Socket socket, String text) throws IOException {
        long start = System.nanoTime();
        roundTrip(socket, text);
        return System.nanoTime() - start;
    }

    /**
     * A new connection to {@code address} must be reset: the kernel completes the handshake, so connect() normally
     * succeeds and the RST shows on the first read or write, but the RST may also beat connect()'s completion.
     */
    private void assertNewConnectionIsReset(InetSocketAddress address) throws IOException {
        Socket socket = track(new Socket());
        try {
            socket.connect(address, 5_000);
        } catch (SocketException e) {
            assertThat(e).isNotInstanceOf(ConnectException.class);
            assertThat(e.getMessage()).contains("reset");
            return;
        }
        socket.setSoTimeout(10_000);
        assertResetOrEof(socket);
    }

    /**
     * Without sending anything, the peer must see the connection gone: an RST (SocketException) or an EOF, never a
     * read timeout.
     */
    private static void assertResetOrEof(Socket socket) throws IOException {
        try {
            int read = socket.getInputStream().read();
            assertThat(read).as("read on a connection the proxy closed").isEqualTo(-1);
        } catch (SocketException e) {
            assertThat(e.getMessage()).containsAnyOf("reset", "Broken pipe");
        }
    }

    private static void writePattern(Socket socket, int size, AtomicLong written) throws IOException {
        OutputStream out = socket.getOutputStream();
        byte[] chunk = new byte[64 * 1024];
        long offset = 0;
        while (offset < size) {
            int n = (int) Math.min(chunk.length, size - offset);
            for (int i = 0; i < n; i++) {
                chunk[i] = pattern(offset + i);
            }
            out.write(chunk, 0, n);
            offset += n;
            written.set(offset);
        }
        out.flush();
    }

    private static void verifyPattern(Socket socket, int size, AtomicLong echoed, AtomicReference<Throwable> failure) {
        byte[] buffer = new byte[64 * 1024];
        long offset = 0;
        try {
            socket.setSoTimeout(0);
            InputStream in = socket.getInputStream();
            while (offset < size) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new EOFException("EOF after " + offset + " of " + size + " bytes");
                }
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != pattern(offset + i)) {
                        throw new AssertionError("byte " + (offset + i) + " corrupted");
                    }
                }
                offset += n;
                echoed.set(offset);
            }
        } catch (IOException | AssertionError e) {
            failure.set(e);
        }
    }

    private static byte pattern(long position) {
        return (byte) (position % 251);
    }
}
