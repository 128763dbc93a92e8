package io.hakit.sync;

import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.Role;
import io.hakit.testkit.FreePorts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** Two synchronizers on loopback, each with its own root "data" and state directory; a is the source at first. */
final class SyncPair implements AutoCloseable {

    final Path base;
    final Path rootA;
    final Path rootB;
    final AlarmRegistry alarmsA = AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system());
    final AlarmRegistry alarmsB = AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system());
    final int portA;
    final int portB;
    private final UnaryOperator<SyncConfig.Builder> tweak;
    FileSync a;
    FileSync b;

    SyncPair(Path base, UnaryOperator<SyncConfig.Builder> tweak) throws IOException {
        this(base, base.resolve("a/data"), base.resolve("b/data"), tweak);
    }

    /** A pair whose roots are the given directories (created when missing), e.g. a mount point for b. */
    SyncPair(Path base, Path rootA, Path rootB, UnaryOperator<SyncConfig.Builder> tweak) throws IOException {
        this.base = base;
        this.tweak = tweak;
        this.rootA = Files.createDirectories(rootA);
        this.rootB = Files.createDirectories(rootB);
        portA = FreePorts.loopback();
        portB = FreePorts.loopback();
    }

    static SyncPair started(Path base, UnaryOperator<SyncConfig.Builder> tweak) throws IOException {
        return started(new SyncPair(base, tweak));
    }

    static SyncPair started(Path base, Path rootA, Path rootB, UnaryOperator<SyncConfig.Builder> tweak)
            throws IOException {
        return started(new SyncPair(base, rootA, rootB, tweak));
    }

    private static SyncPair started(SyncPair p) {
        p.startB();
        p.startA();
        p.a.roleChanged(Role.ACTIVE, 1);
        return p;
    }

    SyncConfig.Builder config(String self, String peer, Path root, int bind, int peerPort) {
        SyncConfig.Builder c = SyncConfig.builder().keepalive(node(self, peer, base.resolve(self + "-state")))
                .bind(new InetSocketAddress("127.0.0.1", bind)).peer(new InetSocketAddress("127.0.0.1", peerPort))
                .root("data", root).period(Duration.ofHours(1)).timeout(Duration.ofSeconds(10));
        return tweak.apply(c);
    }

    /**
     * The pair's keepalive side of node {@code self}: cluster c1, no TLS, its state directory. Its keepalive ports
     * are never bound here (the synchronizers' ports are set explicitly).
     */
    static KeepaliveConfig node(String self, String peer, Path stateDir) {
        return KeepaliveConfig.builder().clusterId("c1").nodeId(self).insecure().stateDir(stateDir)
                .bind(InetSocketAddress.createUnresolved("127.0.0.1", 1))
                .peer(peer, InetSocketAddress.createUnresolved("127.0.0.1", 2)).arbiter(Arbiter.none()).build();
    }

    void startA() {
        a = FileSync.start(config("node-a", "node-b", rootA, portA, portB).build(), alarmsA);
    }

    void startB() {
        b = FileSync.start(config("node-b", "node-a", rootB, portB, portA).build(), alarmsB);
    }

    @Override
    public void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }
}
