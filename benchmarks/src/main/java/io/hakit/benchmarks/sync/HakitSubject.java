package io.hakit.benchmarks.sync;

import io.hakit.sync.RoundResult;
import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.sync.FileSync;
import io.hakit.sync.SyncConfig;
import io.hakit.testkit.FreePorts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * HAKit's file synchronizer as a {@link SyncSubject}: two in-process nodes on loopback with mutual TLS (certificates
 * made for the run), node-a active with {@code src} as its root, node-b standby with {@code dst}. One-shot sessions
 * turn the watch off and run {@link FileSync#syncNow}; continuous ones keep the watch on (debounce 5 ms, the
 * default) and the periodic full round out of the way (an hour). Without TLS ({@code keepalive.tls.insecure}, the
 * subject {@value #PLAIN}) it moves data on the terms of rsync's daemon, which does not encrypt either: the figure that
 * separates what TLS costs from what the rest of the synchronizer does.
 */
public final class HakitSubject implements SyncSubject {

    /** The name of the subject without TLS. */
    public static final String PLAIN = "hakit_plain";

    private final boolean tls;

    /** HAKit as it runs by default: mutual TLS. */
    public HakitSubject() {
        this(true);
    }

    /** @param tls false for plain TCP ({@code keepalive.tls.insecure}) */
    public HakitSubject(boolean tls) {
        this.tls = tls;
    }

    @Override
    public String name() {
        return tls ? SyncBench.HAKIT : PLAIN;
    }

    @Override
    public Session open(Path src, Path dst, boolean continuous) throws Exception {
        Path work = Files.createTempDirectory("hakit-sync-bench");
        Instant now = Instant.now();
        CertificateGenerator.Issued ca = CertificateGenerator.certificateAuthority("HAKit bench CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        for (String node : List.of("node-a", "node-b")) {
            CertificateGenerator.writeNode(work.resolve(node + "-certs"), CertificateGenerator.node(ca, node,
                    List.of("127.0.0.1", "localhost"), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))),
                    ca);
        }
        int portA = FreePorts.loopback();
        int portB = FreePorts.loopback();
        FileSync b = FileSync.start(config(work, "node-b", "node-a", dst, portB, portA, continuous, tls), alarms());
        FileSync a;
        try {
            a = FileSync.start(config(work, "node-a", "node-b", src, portA, portB, continuous, tls), alarms());
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        a.roleChanged(Role.ACTIVE, 1);
        Session s = new Session() {
            @Override
            public Transfer syncOnce() throws Exception {
                RoundResult r = a.syncNow(Duration.ofMinutes(5));
                if (!r.ok()) {
                    throw new IOException("HAKit round failed: " + r.errors() + " " + r.refused());
                }
                return new Transfer(r.bytesSent(), r.files());
            }

            @Override
            public void close() throws IOException {
                a.close();
                b.close();
                try (Stream<Path> w = Files.walk(work)) {
                    for (Path p : (Iterable<Path>) w.sorted(Comparator.reverseOrder())::iterator) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        };
        if (continuous) {
            s.syncOnce(); // the initial round; later changes travel with the watch
        }
        return s;
    }

    private static SyncConfig config(Path work, String self, String peer, Path root, int bind, int peerPort,
                                     boolean continuous, boolean tls) {
        // the pair as its keepalive node knows it; its keepalive ports are never bound here
        KeepaliveConfig.Builder node = KeepaliveConfig.builder().clusterId("bench").nodeId(self)
                .stateDir(work.resolve(self + "-state"))
                .bind(InetSocketAddress.createUnresolved("127.0.0.1", 1))
                .peer(peer, InetSocketAddress.createUnresolved("127.0.0.1", 2)).arbiter(Arbiter.none());
        if (tls) {
            node.tls(work.resolve(self + "-certs"));
        } else {
            node.insecure();
        }
        return SyncConfig.builder().keepalive(node.build())
                .bind(new InetSocketAddress("127.0.0.1", bind)).peer(new InetSocketAddress("127.0.0.1", peerPort))
                .root("data", root).period(Duration.ofHours(1)).watch(continuous).build();
    }

    private static AlarmRegistry alarms() {
        return AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system());
    }

}
