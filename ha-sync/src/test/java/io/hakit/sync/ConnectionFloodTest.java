package io.hakit.sync;

import io.hakit.keepalive.support.ConnectionLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections that never speak cannot exhaust the standby: only {@link ConnectionLimiter#DEFAULT_MAX_PENDING} may be
 * in their handshake at once ({@link ConnectionLimiter#DEFAULT_MAX_PER_ADDRESS} per address), the rest are closed at
 * once, those held are closed at the handshake deadline, and the real source still gets in and syncs meanwhile.
 */
class ConnectionFloodTest {

    @TempDir
    Path tmp;
    private SyncPair pair;
    private final List<Socket> flood = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (Socket s : flood) {
            s.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    /** Whether the server closed the socket (reads end of stream) within {@code ms}. */
    private static boolean closedWithin(Socket s, int ms) throws IOException {
        s.setSoTimeout(ms);
        try {
            InputStream in = s.getInputStream(); // not closed here: that would close the socket
            return in.read() < 0;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void idleConnectionsAreBoundedAndTheRealPeerStillSyncs() throws Exception {
        pair = SyncPair.started(tmp, b -> b.timeout(Duration.ofSeconds(2)).watch(false));
        Files.writeString(pair.rootA.resolve("before.txt"), "x");
        assertThat(pair.a.syncNow(Duration.ofSeconds(20)).clean()).isTrue();
        for (int i = 0; i < 200; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", pair.portB), 2000);
            flood.add(s);
        }
        // all from one address: no more than the per-address limit is held, the rest are closed at once
        List<Socket> held = new ArrayList<>();
        for (Socket s : flood) {
            if (!closedWithin(s, 50)) {
                held.add(s);
            }
        }
        assertThat(held).hasSizeLessThanOrEqualTo(ConnectionLimiter.DEFAULT_MAX_PER_ADDRESS);
        // the real source (its connection is admitted, so it does not count) goes on, and reconnects fine
        Files.writeString(pair.rootA.resolve("during.txt"), "y");
        assertThat(pair.a.syncNow(Duration.ofSeconds(20)).clean()).isTrue();
        assertThat(pair.rootB.resolve("during.txt")).hasContent("y");
        // those held are closed once their handshake deadline (the 2 s timeout here) has passed
        assertThat(held).isNotEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (Socket s : held) {
                if (!closedWithin(s, 10)) {
                    return false;
                }
            }
            return true;
        });
    }
}
