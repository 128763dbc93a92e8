package io.hakit.keepalive;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.testkit.contract.ConfigKeysContractTest;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static io.hakit.keepalive.KeepaliveConfig.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every key of {@link KeepaliveConfig#OPTIONS} (the node's and the agent's), from a table: read from a map, refused
 * when misspelt or bad; the builder and the keys agree.
 */
class KeepaliveConfigKeysTest extends ConfigKeysContractTest<KeepaliveConfig, KeepaliveConfig.Builder> {

    /** The builder gets a lease backend: the arbiter keys' cases build a lease arbiter, and the others ignore it. */
    KeepaliveConfigKeysTest() {
        super(OPTIONS, KeepaliveConfig::fromMap,
                keys -> KeepaliveConfig.builder().options(keys).leaseBackend(HaConfig.defaults()),
                KeepaliveConfig.Builder::options, KeepaliveConfig.Builder::build);
    }

    private static final Function<KeepaliveConfig, Object> VIP_SHOWN = c -> c.floatingIp().orElseThrow().toString();

    private static final List<Case<KeepaliveConfig>> CASES = List.of(
            new Case<>(CLUSTER_ID, "pair-1", KeepaliveConfig::clusterId, "pair-1", "a b"),
            new Case<>(NODE_ID, "node-x", KeepaliveConfig::nodeId, "node-x", "a b"),
            new Case<>(PRIORITY, "150", KeepaliveConfig::priority, 150, "256"),
            new Case<>(PREEMPT, "false", KeepaliveConfig::preempt, false, "maybe"),
            new Case<>(BIND, "10.0.0.1:7655", KeepaliveConfig::bind,
                    InetSocketAddress.createUnresolved("10.0.0.1", 7655), "10.0.0.1"),
            new Case<>(PEER_ADDRESS, "[::1]:7655", KeepaliveConfig::peerAddress,
                    InetSocketAddress.createUnresolved("::1", 7655), "x:99999"),
            new Case<>(PEER_NODE_ID, "node-y", KeepaliveConfig::peerNodeId, "node-y", "b/c"),
            new Case<>(HEARTBEAT_INTERVAL, "500 ms", KeepaliveConfig::heartbeatInterval, Duration.ofMillis(500), "5 ms"),
            new Case<>(DEAD_INTERVAL, "5 s", KeepaliveConfig::deadInterval, Duration.ofSeconds(5), "0 s"),
            new Case<>(HEARTBEAT_ALARM_AFTER, "1 min", KeepaliveConfig::heartbeatAlarmAfter, Duration.ofMinutes(1),
                    "-"),
            new Case<>(DETECTOR, "phi", KeepaliveConfig::phiAccrualDetector, true, "adaptive"),
            new Case<>(CERT_DIR, "/etc/hakit/certs", c -> c.certDir().orElseThrow(), Path.of("/etc/hakit/certs"),
                    "a\0b"),
            new Case<>(INSECURE, "true", KeepaliveConfig::insecure, true, "maybe"),
            new Case<>(PROMOTE_ON_HANDSHAKE_FAILURE, "true", KeepaliveConfig::promoteOnHandshakeFailure, true, "often"),
            new Case<>(STATE_DIR, "/var/lib/ka", KeepaliveConfig::stateDir, Path.of("/var/lib/ka"), "a\0b"),
            new Case<>(HEALTH_FALL, "5", KeepaliveConfig::healthFall, 5, "0"),
            new Case<>(HEALTH_RISE, "4", KeepaliveConfig::healthRise, 4, "0"),
            new Case<>(HEALTH_TIMEOUT, "2 s", KeepaliveConfig::healthTimeout, Duration.ofSeconds(2), "0 s"),
            new Case<>(CERT_CHECK_TIME, "02:30", KeepaliveConfig::certCheckTime, LocalTime.of(2, 30), "2am"),
            new Case<>(CERT_EXPIRING_WITHIN, "10 d", KeepaliveConfig::certExpiringWithin, Duration.ofDays(10), "soon"),
            new Case<>(MAX_FRAME, "128 kb", KeepaliveConfig::maxFrameSize, 128 << 10, "2 mb"),
            new Case<>(ARBITER, "lease", c -> c.leaseComponent().orElseThrow(), "keepalive-default", "hope"),
            new Case<>(ARBITER_ADDRESSES, "10.0.0.1:22, 10.0.0.9:53", c -> c.arbiter().orElseThrow().describe(),
                    "reachability of [/10.0.0.1:22, /10.0.0.9:53]", "10.0.0.1"),
            new Case<>(ARBITER_COMPONENT, "ka", c -> c.leaseComponent().orElseThrow(), "ka", " "),
            new Case<>(ARBITER_TIMEOUT, "700 ms", KeepaliveConfig::arbiterTimeout, Duration.ofMillis(700), "0 s"),
            new Case<>(VIP, "10.0.0.100/24", VIP_SHOWN, "10.0.0.100/24 on eth0", "10.0.0.999/24"),
            new Case<>(VIP_DEVICE, "eth1", VIP_SHOWN, "10.0.0.100/24 on eth1", "eth 0"),
            new Case<>(VIP_NETNS, "ns1", VIP_SHOWN, "10.0.0.100/24 on eth0 in ns1", "ns 1"),
            notify(Role.ACTIVE), notify(Role.STANDBY), notify(Role.FAULT), notify(Role.STOPPED),
            new Case<>(NOTIFY_TIMEOUT, "30 s", KeepaliveConfig::notifyTimeout, Duration.ofSeconds(30), "0 s"),
            new Case<>(HEALTH_SCRIPT, "/usr/bin/curl -fsS 'http://h/x y'", c -> c.healthScript().orElseThrow(),
                    List.of("/usr/bin/curl", "-fsS", "http://h/x y"), " "),
            new Case<>(STATUS_FILE, "/run/ka.status", KeepaliveConfig::statusFile, Path.of("/run/ka.status"), "a\0b"));

    private static Case<KeepaliveConfig> notify(Role role) {
        return new Case<>(NOTIFY + role.name().toLowerCase(java.util.Locale.ROOT), "/bin/sh -c 'echo " + role + "'",
                c -> c.notifyCommands().get(role), List.of("/bin/sh", "-c", "echo " + role), "'unclosed");
    }

    /** What the case's key needs besides the required keys: the key it depends on. */
    private static Map<String, String> needs(String key) {
        return switch (key) {
            case ARBITER_ADDRESSES -> Map.of(ARBITER, "reachability");
            case ARBITER_COMPONENT -> Map.of(ARBITER, "lease");
            case VIP -> Map.of(VIP_DEVICE, "eth0");
            case VIP_DEVICE -> Map.of(VIP, "10.0.0.100/24");
            case VIP_NETNS -> Map.of(VIP, "10.0.0.100/24", VIP_DEVICE, "eth0");
            case NOTIFY_TIMEOUT -> Map.of(NOTIFY + "active", "/bin/true");
            default -> Map.of();
        };
    }

    @Override
    protected Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>();
        m.put(NODE_ID, "node-a");
        m.put(PEER_NODE_ID, "node-b");
        m.put(BIND, "127.0.0.1:7000");
        m.put(PEER_ADDRESS, "127.0.0.1:7002");
        m.put(STATE_DIR, "/tmp/ka");
        m.put(ARBITER, "none");
        if (!key.equals(CERT_DIR)) {
            m.put(INSECURE, "true");
        }
        m.putAll(needs(key));
        m.put(key, value);
        return m;
    }

    @Override
    protected List<Case<KeepaliveConfig>> cases() {
        return CASES;
    }

    /** A bad value comes with the key it needs, so that it is the value that is refused. */
    @Override
    protected Map<String, String> withBad(String key, String bad) {
        Map<String, String> m = new HashMap<>(needs(key));
        m.put(key, bad);
        return m;
    }

    @Test
    void otherNamespacesAreTheirOwners() {
        // the synchronizer's, the agent's, the lease's backend
        Map<String, String> m = with("sync.period", "10 s");
        m.put("agent.log.level", "debug");
        m.put("high-availability.type", "embedded");
        assertThat(KeepaliveConfig.fromMap(m).nodeId()).isEqualTo("node-a");
    }

    @Test
    void aKeyWithoutTheKeyItNeedsIsRefused() {
        Map<String, String> noVip = with(NODE_ID, "node-a");
        noVip.put(VIP_DEVICE, "eth0");
        assertThatThrownBy(() -> KeepaliveConfig.fromMap(noVip)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("keepalive.vip.device without keepalive.vip");
        Map<String, String> noDevice = with(VIP, "10.0.0.1/24");
        noDevice.remove(VIP_DEVICE);
        assertThatThrownBy(() -> KeepaliveConfig.fromMap(noDevice)).hasMessageContaining("keepalive.vip needs "
                + "keepalive.vip.device");
        assertThatThrownBy(() -> KeepaliveConfig.fromMap(with(ARBITER, "reachability")))
                .hasMessageContaining(ARBITER_ADDRESSES);
        assertThatThrownBy(() -> KeepaliveConfig.fromMap(with(ARBITER_COMPONENT + "x", "c")))
                .hasMessageContaining("did you mean " + ARBITER_COMPONENT);
        Map<String, String> wrongArbiter = with(ARBITER_COMPONENT, "c");
        wrongArbiter.put(ARBITER, "none");
        assertThatThrownBy(() -> KeepaliveConfig.fromMap(wrongArbiter))
                .hasMessageContaining("keepalive.arbiter.component is used only with keepalive.arbiter=lease");
        Map<String, String> noCommand = with(NODE_ID, "node-a");
        noCommand.put(NOTIFY_TIMEOUT, "5 s");
        assertThatThrownBy(() -> KeepaliveConfig.fromMap(noCommand))
                .hasMessageContaining("keepalive.notify.timeout without keepalive.notify.active");
    }

    /** Every value but the TLS directory (insecure here) and the lease arbiter's (reachability here). */
    @Override
    protected Map<String, String> everyValue() {
        Map<String, String> m = new HashMap<>();
        for (Case<KeepaliveConfig> c : CASES) {
            if (!List.of(CERT_DIR, ARBITER, ARBITER_COMPONENT).contains(c.key())) {
                m.put(c.key(), c.value());
            }
        }
        m.put(ARBITER, "reachability");
        return m;
    }

    @Override
    protected KeepaliveConfig builtInJava() {
        KeepaliveConfig.Builder b = KeepaliveConfig.builder().clusterId("pair-1").nodeId("node-x").priority(150)
                .preempt(false).bind(InetSocketAddress.createUnresolved("10.0.0.1", 7655))
                .peer("node-y", InetSocketAddress.createUnresolved("::1", 7655))
                .heartbeatInterval(Duration.ofMillis(500)).deadInterval(Duration.ofSeconds(5))
                .heartbeatAlarmAfter(Duration.ofMinutes(1)).phiAccrualDetector(true).insecure()
                .promoteOnHandshakeFailure(true).stateDir(Path.of("/var/lib/ka")).healthCounts(5, 4)
                .healthTimeout(Duration.ofSeconds(2)).certCheckTime(LocalTime.of(2, 30))
                .certExpiringWithin(Duration.ofDays(10)).maxFrameSize(128 << 10).arbiter("reachability")
                .arbiterAddresses(List.of(InetSocketAddress.createUnresolved("10.0.0.1", 22),
                        InetSocketAddress.createUnresolved("10.0.0.9", 53)))
                .arbiterTimeout(Duration.ofMillis(700))
                .floatingIp(new FloatingIp("10.0.0.100", 24, "eth1", 3, Duration.ofSeconds(5), "ns1"))
                .notifyTimeout(Duration.ofSeconds(30)).healthScript(List.of("/usr/bin/curl", "-fsS", "http://h/x y"))
                .statusFile(Path.of("/run/ka.status"));
        for (Role r : Role.values()) {
            b.notifyCommand(r, List.of("/bin/sh", "-c", "echo " + r));
        }
        return b.build();
    }

    @Override
    protected void alsoAgree(KeepaliveConfig fromMap, KeepaliveConfig built) {
        assertThat(fromMap.toString()).isEqualTo(built.toString());
        assertThat(fromMap.healthChecks()).hasSameSizeAs(built.healthChecks()).hasSize(1);
    }
}
