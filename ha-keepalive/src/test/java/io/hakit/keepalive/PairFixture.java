package io.hakit.keepalive;

import io.hakit.testkit.FreePorts;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Two keepalive nodes on loopback. With {@code viaProxies}, each node reaches the other through a
 * {@link FaultInjectingProxy}, so a test can cut the link both ways.
 */
final class PairFixture implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofMillis(50);

    final int portA = FreePorts.loopback();
    final int portB = FreePorts.loopback();
    final FaultInjectingProxy toA;
    final FaultInjectingProxy toB;
    private final Path dir;
    private final List<KeepaliveNode> nodes = new ArrayList<>();

    PairFixture(Path dir, boolean viaProxies) {
        this.dir = dir;
        this.toA = viaProxies ? FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", portA)) : null;
        this.toB = viaProxies ? FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", portB)) : null;
    }

    KeepaliveConfig.Builder config(String node, int priority) {
        boolean a = node.equals("node-a");
        int peerPort = a ? (toB != null ? toB.localPort() : portB) : (toA != null ? toA.localPort() : portA);
        return KeepaliveConfig.builder()
                .clusterId("pair")
                .nodeId(node)
                .priority(priority)
                .bind(new InetSocketAddress("127.0.0.1", a ? portA : portB))
                .peer(a ? "node-b" : "node-a", new InetSocketAddress("127.0.0.1", peerPort))
                .heartbeatInterval(INTERVAL)
                .heartbeatAlarmAfter(Duration.ofMillis(400))
                .stateDir(dir.resolve(node))
                .arbiter(Arbiter.none())
                .insecure();
    }

    KeepaliveNode start(String node, int priority, UnaryOperator<KeepaliveConfig.Builder> custom,
            RoleListener... listeners) {
        KeepaliveNode n = KeepaliveNode.start(custom.apply(config(node, priority)).build(), listeners);
        nodes.add(n);
        return n;
    }

    void cut() {
        toA.fault(Fault.blackhole());
        toB.fault(Fault.blackhole());
        toA.disconnectAll();
        toB.disconnectAll();
    }

    void heal() {
        toA.fault(Fault.pass());
        toB.fault(Fault.pass());
    }

    @Override
    public void close() {
        nodes.forEach(KeepaliveNode::close);
        if (toA != null) {
            toA.close();
            toB.close();
        }
    }
}
