package io.hakit.sync;

import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.testkit.FreePorts;
import io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files over the default transport, mutual TLS, on the engine {@code hakit agent} runs (netty-tcnative's BoringSSL,
 * on this module's test class path): a file of many data frames, each encrypted in several passes of at most 256 KiB
 * and records of at most 16 KiB, arrives byte for byte; the other tests run without TLS.
 */
class TlsTransferTest {

    @TempDir
    Path tmp;
    private FileSync a;
    private FileSync b;

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aLargeFileAndSmallOnesArriveByteForByteOverTls() throws Exception {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative on the test class path").isTrue();
        Instant now = Instant.now();
        CertificateGenerator.Issued ca = CertificateGenerator.certificateAuthority("test CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)));
        for (String node : List.of("node-a", "node-b")) {
            CertificateGenerator.writeNode(tmp.resolve(node + "-certs"), CertificateGenerator.node(ca, node,
                    List.of("127.0.0.1", "localhost"), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1))), ca);
        }
        Path rootA = Files.createDirectories(tmp.resolve("a/data"));
        Path rootB = Files.createDirectories(tmp.resolve("b/data"));
        byte[] big = new byte[(5 << 20) + 12_345]; // 21 data frames, the last one short
        new Random(18).nextBytes(big);
        Files.write(rootA.resolve("big.bin"), big);
        Files.writeString(rootA.resolve("small.txt"), "over TLS");
        Files.write(rootA.resolve("empty"), new byte[0]);

        int portA = FreePorts.loopback();
        int portB = FreePorts.loopback();
        b = FileSync.start(config("node-b", "node-a", rootB, portB, portA), alarms());
        a = FileSync.start(config("node-a", "node-b", rootA, portA, portB), alarms());
        a.roleChanged(Role.ACTIVE, 1);
        RoundResult r = a.syncNow(Duration.ofSeconds(60));

        assertThat(r.ok()).as("%s %s", r.errors(), r.refused()).isTrue();
        assertThat(Files.readAllBytes(rootB.resolve("big.bin"))).isEqualTo(big);
        assertThat(Files.readString(rootB.resolve("small.txt"))).isEqualTo("over TLS");
        assertThat(Files.size(rootB.resolve("empty"))).isZero();
        assertThat(TreeAssert.differences(rootA, rootB)).isEmpty();
    }

    private SyncConfig config(String self, String peer, Path root, int bind, int peerPort) {
        KeepaliveConfig node = KeepaliveConfig.builder().clusterId("c1").nodeId(self)
                .tls(tmp.resolve(self + "-certs")).stateDir(tmp.resolve(self + "-state"))
                .bind(InetSocketAddress.createUnresolved("127.0.0.1", 1))
                .peer(peer, InetSocketAddress.createUnresolved("127.0.0.1", 2)).arbiter(Arbiter.none()).build();
        return SyncConfig.builder().keepalive(node).bind(new InetSocketAddress("127.0.0.1", bind))
                .peer(new InetSocketAddress("127.0.0.1", peerPort)).root("data", root).period(Duration.ofHours(1))
                .timeout(Duration.ofSeconds(10)).watch(false).build();
    }

    private static AlarmRegistry alarms() {
        return AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system());
    }
}
