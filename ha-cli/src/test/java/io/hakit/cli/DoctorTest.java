package io.hakit.cli;

import io.hakit.keepalive.ClockOffset;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.keepalive.tls.TlsContexts;
import io.hakit.testkit.FreePorts;
import io.hakit.testkit.Tmpfs;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hakit doctor}'s checks that need no running agent, each driven to FAIL by a real fault and back to PASS once
 * it is repaired: a broken file, this node's certificate naming another node or expired, the peer's ports (nothing
 * listening, a TLS endpoint with another node's certificate, an expired one, one of another CA, one that refuses this
 * node), a root of mode 000 and a missing one, a full file system (a 2 MiB tmpfs), zero-size junk and conflict
 * copies, a notify script that is missing, not executable or written with CRLF line ends. The peer's ports are real
 * TLS servers in this JVM made from real certificate directories (a real agent refuses to start with most of these
 * certificates). Without an agent, the checks that need one say "agent not running".
 */
class DoctorTest {

    @TempDir
    Path dir;

    private CertificateGenerator.Issued ca;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private Path config;
    private Path data;
    private final Instant now = Instant.now();

    @BeforeEach
    void node() throws Exception {
        ca = CertificateGenerator.certificateAuthority("test CA", now.minus(Duration.ofMinutes(5)),
                now.plus(Duration.ofDays(400)));
        CertificateGenerator.writeCa(dir.resolve("certs"), ca);
        Path own = issue("node-a", "node-a", now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(300)));
        data = Files.createDirectories(dir.resolve("data"));
        int[] ports = FreePorts.loopback(4);
        settings.put("keepalive.cluster-id", "c1");
        settings.put("keepalive.node-id", "node-a");
        settings.put("keepalive.priority", "150");
        settings.put("keepalive.bind", "127.0.0.1:" + ports[0]);
        settings.put("keepalive.peer.address", "127.0.0.1:" + ports[1]);
        settings.put("keepalive.peer.node-id", "node-b");
        settings.put("keepalive.tls.cert-dir", own.toString());
        settings.put("keepalive.state-dir", dir.resolve("state").toString());
        settings.put("keepalive.arbiter", "none");
        settings.put("sync.bind", "127.0.0.1:" + ports[2]);
        settings.put("sync.peer.address", "127.0.0.1:" + ports[3]);
        settings.put("sync.root.data", data.toString());
        config = dir.resolve("node-a.properties");
    }

    @Test
    void aBrokenFileFailsAloneWithItsLineAndExit2ThenPasses() throws Exception {
        settings.put("keepalive.priorty", "100");
        String out = hakit(2, "doctor", "--config", write().toString());
        assertThat(out).containsPattern("(?m)^config +FAIL +.*node-a.properties:\\d+: unknown key keepalive.priorty "
                + "\\(did you mean keepalive.priority\\?\\)").contains("doctor: 1 FAIL, 0 WARN: config: ");
        assertThat(out.lines().filter(l -> l.matches("^[a-z]+( [a-z]+)? +(PASS|WARN|FAIL) .*"))).hasSize(1);

        settings.remove("keepalive.priorty");
        // each value is right, but not together: the agent would not start, and the doctor checks nothing further
        // with values the agent would not run with
        settings.put("keepalive.heartbeat.interval", "1 s");
        settings.put("keepalive.heartbeat.dead-interval", "500 ms");
        out = hakit(2, "doctor", "--config", write().toString());
        assertThat(out).containsPattern("(?m)^config +FAIL +.*node-a.properties:\\d+: "
                + ".*keepalive.heartbeat.dead-interval")
                .contains("nothing else can be checked without it");
        assertThat(out.lines().filter(l -> l.matches("^[a-z]+( [a-z]+)? +(PASS|WARN|FAIL) .*"))).hasSize(1);

        settings.remove("keepalive.heartbeat.dead-interval");
        out = hakit(2, "doctor", "--config", write().toString()); // the peer is down: FAIL further on
        assertThat(out).containsPattern("(?m)^config +PASS +.*node node-a, peer node-b at 127.0.0.1:\\d+, arbiter none"
                + ", file sync of \\[data\\]");
    }

    @Test
    void thisNodesCertificateNamingAnotherNodeOrExpiredFailsThenPasses() throws Exception {
        settings.put("keepalive.tls.cert-dir", issue("a-named-b", "node-b", now.minus(Duration.ofMinutes(5)),
                now.plus(Duration.ofDays(300))).toString());
        Doctor.Finding f = check("certificate");
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).contains("(CN=node-b) does not name this node node-a: it names [node-b]");
        assertThat(f.fix()).contains("hakit cert renew").contains("--node node-a");

        Path expired = issue("a-expired", "node-a", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        settings.put("keepalive.tls.cert-dir", expired.toString());
        f = check("certificate");
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).contains("the HA certificate (CN=node-a) expired at ");

        settings.put("keepalive.tls.cert-dir", issue("a-expiring", "node-a", now.minus(Duration.ofMinutes(5)),
                now.plus(Duration.ofDays(10))).toString());
        f = check("certificate");
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).contains("expires at").contains("in 9 days");

        settings.put("keepalive.tls.cert-dir", dir.resolve("certs/node-a").toString());
        f = check("certificate");
        assertThat(f.level()).as(f.toString()).isEqualTo(Doctor.Level.PASS);
        assertThat(f.detail()).contains("CN=node-a names node-a, valid until");
    }

    @Test
    void thePeersPortNamesTheStepThatFailsThenPasses() throws Exception {
        InetSocketAddress peer = InetSocketAddress.createUnresolved("127.0.0.1",
                Integer.parseInt(settings.get("keepalive.peer.address").split(":")[1]));
        // nothing listens: the TCP connect fails
        Doctor.Finding f = check("peer keepalive");
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).isEqualTo("TCP connect failed: cannot connect to 127.0.0.1:" + peer.getPort()
                + ": Connection refused");
        assertThat(f.fix()).contains("start node-b's agent").contains("keepalive.peer.address (" + config + ":");

        Instant from = now.minus(Duration.ofMinutes(5));
        Instant to = now.plus(Duration.ofDays(300));
        // a TLS endpoint there presenting another node's certificate (of the pair's CA)
        try (TlsPeer p = new TlsPeer(peer, issue("b-named-x", "node-x", from, to), "node-a")) {
            f = check("peer keepalive");
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail()).startsWith("certificate name failed: peer name node-x where node-b was expected");
            assertThat(f.fix()).contains("reissue node-b's certificate for node-b, or correct keepalive.peer.node-id");
        }
        // an expired one
        try (TlsPeer p = new TlsPeer(peer, issue("b-expired", "node-b", now.minus(Duration.ofDays(10)),
                now.minus(Duration.ofDays(1))), "node-a")) {
            f = check("peer keepalive");
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail())
                    .startsWith("certificate expiry failed: the peer's certificate (CN=node-b) expired at ");
        }
        // one of another CA
        try (TlsPeer p = new TlsPeer(peer, ofAnotherCa("b-other-ca", "node-b"), "node-a")) {
            f = check("peer keepalive");
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail()).startsWith("certificate trust failed: unknown CA: the peer's certificate "
                    + "(CN=node-b) is not signed by our CA (CN=test CA)");
        }
        // a peer that refuses this node's certificate (it expects another node)
        try (TlsPeer p = new TlsPeer(peer, issue("node-b", "node-b", from, to), "node-z")) {
            f = check("peer keepalive");
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail())
                    .startsWith("TLS handshake failed: the peer refused the handshake with the TLS alert ");
            assertThat(f.fix()).contains("read node-b's agent log");
        }
        // repaired: the peer's own valid certificate, expecting node-a
        try (TlsPeer p = new TlsPeer(peer, dir.resolve("certs/node-b"), "node-a")) {
            f = check("peer keepalive");
            assertThat(f.level()).as(f.toString()).isEqualTo(Doctor.Level.PASS);
            assertThat(f.detail()).startsWith("TCP connect and TLS handshake (TLSv1.2) with 127.0.0.1:"
                    + peer.getPort() + " in ").contains("the peer's certificate (CN=node-b) names node-b, valid until");
        }
    }

    @Test
    void aRootOfMode000AndAMissingRootAreEachNamedThenPass() throws Exception {
        Path jobs = dir.resolve("jobs");
        settings.put("sync.root.jobs", jobs.toString());
        Files.setPosixFilePermissions(data, Set.of());
        try {
            Doctor.Finding f = check("roots");
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail()).contains("data: " + data + ": mode 000 (---------), owner ")
                    .contains("its owner cannot list it").contains("jobs: " + jobs + " does not exist");
            assertThat(f.fix()).isEqualTo("chmod u+rwx " + data + "; likewise for the others named");
        } finally {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createDirectories(jobs);
        Doctor.Finding f = check("roots");
        assertThat(f.level()).as(f.toString()).isEqualTo(Doctor.Level.PASS);
        assertThat(f.detail()).contains("data: " + data + " (755, owner ").contains("jobs: " + jobs + " (755, owner ");
    }

    @Test
    void aFullFileSystemFailsAgainstTheReserveThenPasses() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(dir.resolve("disk"), "2m")) {
            Path root = Files.createDirectories(disk.dir().resolve("data"));
            settings.put("sync.root.data", root.toString());
            settings.put("sync.disk-reserve", "512 kb");
            assertThat(check("free space").level()).isEqualTo(Doctor.Level.PASS);

            Path filler = root.resolve("filler.bin");
            try (OutputStream out = Files.newOutputStream(filler)) {
                out.write(new byte[1800 * 1024]);
            }
            Doctor.Finding f = check("free space");
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail()).startsWith("data: ").contains(" free on " + disk.dir() + " (tmpfs), below")
                    .contains("below sync.disk-reserve 512.0 KiB");

            Files.delete(filler);
            f = check("free space");
            assertThat(f.level()).as(f.toString()).isEqualTo(Doctor.Level.PASS);
        }
    }

    @Test
    void junkAndConflictCopiesAreListedAndNothingIsRemovedWithoutAnAgentThenPass() throws Exception {
        Path junk = Files.createDirectories(data.resolve("sub")).resolve("junk.bin");
        Files.createFile(junk);
        Files.setPosixFilePermissions(junk, Set.of());
        Path userEmpty = Files.createFile(data.resolve("empty-but-readable"));
        Path copy = Files.writeString(data.resolve("app.conf.hakit-conflict-20261202-193001-node-b-1"), "x=1\n");

        Map<String, Doctor.Finding> all = doctor(true);
        Doctor.Finding f = all.get("junk");
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).startsWith("1 zero-size file(s) without permissions (the junk an interrupted copy "
                + "leaves): data:sub/junk.bin; this node's role is unknown (agent not running)")
                .endsWith("(--fix removed nothing: agent not running)");
        assertThat(junk).exists();
        assertThat(userEmpty).exists();
        f = all.get("conflicts");
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).contains("1 conflict copy(ies)").contains("data:app.conf.hakit-conflict-20261202-193001-"
                + "node-b-1");
        assertThat(f.fix()).contains("hakit sync conflicts --config " + config);
        // what needs the agent says so; the rest ran
        for (String check : List.of("agent", "peer state", "clock offset", "sync", "alarms")) {
            assertThat(all.get(check).level()).as(check).isEqualTo(Doctor.Level.WARN);
            assertThat(all.get(check).detail()).as(check).startsWith("agent not running");
        }

        Files.delete(junk);
        Files.delete(copy);
        all = doctor(false);
        assertThat(all.get("junk").level()).as(all.get("junk").toString()).isEqualTo(Doctor.Level.PASS);
        assertThat(all.get("conflicts").level()).isEqualTo(Doctor.Level.PASS);
    }

    @Test
    void aNotifyScriptMissingNotExecutableOrWithCrlfFailsThenPasses() throws Exception {
        Path script = dir.resolve("bin/start-service.sh");
        settings.put("keepalive.notify.active", script + " --now");
        settings.put("keepalive.notify.standby", "true");
        Map<String, Doctor.Finding> all = doctor(false);
        assertThat(all.get("notify").level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(all.get("notify").detail()).isEqualTo("keepalive.notify.active: " + script + " does not exist");
        assertThat(all.get("notify").fix()).contains("correct keepalive.notify.active at " + config + ":");
        assertThat(all.get("config").level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(all.get("config").detail()).contains("the agent would refuse this file at its next start: "
                + "keepalive.notify.active's program cannot be run (the notify check says why)");

        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\r\nexit 0\r\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Doctor.Finding f = check("notify");
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).contains("first line ends with a carriage return (CRLF line ends): the kernel runs "
                + "'/bin/sh\\r'");

        Files.writeString(script, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        f = check("notify");
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).isEqualTo("keepalive.notify.active: " + script + " is not executable (mode 644)");
        assertThat(f.fix()).isEqualTo("chmod +x " + script);

        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        all = doctor(false);
        assertThat(all.get("notify").level()).as(all.get("notify").toString()).isEqualTo(Doctor.Level.PASS);
        assertThat(all.get("notify").detail()).contains("notify.active " + script).contains("notify.standby /")
                .endsWith("present and executable");
        assertThat(all.get("config").level()).isEqualTo(Doctor.Level.PASS);
    }

    @Test
    void anOffsetTheAgentCannotMeasureIsAWarningThatSaysWhy() throws Exception {
        // (what the agents of DoctorAgentTest say, here from status properties: an older agent, an older peer)
        Properties status = new Properties();
        status.setProperty("node", "node-a");
        status.setProperty("role", "ACTIVE");
        Doctor.Finding f = clockOffset(status);
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).isEqualTo("the running agent does not measure the offset to node-b (it was started from "
                + "a hakit older than this one)");
        assertThat(f.fix()).startsWith("restart the agent with this hakit");

        status.setProperty("clock-offset", "unknown: " + ClockOffset.PEER_SENDS_NO_TIME);
        f = clockOffset(status);
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).isEqualTo("the offset to node-b is unknown: " + ClockOffset.PEER_SENDS_NO_TIME);
        assertThat(f.fix()).startsWith("upgrade node-b to this hakit");

        status.setProperty("clock-offset", "unknown: " + ClockOffset.IMPLAUSIBLE + " (1970-01-01T00:00:03Z ...)");
        f = clockOffset(status);
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.fix()).startsWith("set node-b's clock: enable NTP on both nodes: timedatectl set-ntp true");

        // measured: the thresholds apply to the offset and its uncertainty together
        status.setProperty("clock-offset", "+999.000 ms ± 2.000 ms");
        status.setProperty("clock-offset-ms", "999.000");
        status.setProperty("clock-offset-uncertainty-ms", "2.000");
        f = clockOffset(status);
        assertThat(f.level()).as("999 ms, but perhaps 1001 ms").isEqualTo(Doctor.Level.WARN);
        status.setProperty("clock-offset-ms", "-5001.000");
        f = clockOffset(status);
        assertThat(f.level()).as("-5001 ms, but perhaps -4999 ms").isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).startsWith("node-b's clock is 5.001 s behind this node's (± 2.000 ms");
        status.setProperty("clock-offset-ms", "-5002.000");
        f = clockOffset(status);
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.fix()).isEqualTo("enable NTP on both nodes: timedatectl set-ntp true (chronyc tracking shows "
                + "each node's offset)");
        status.setProperty("clock-offset-ms", "0.250");
        f = clockOffset(status);
        assertThat(f.level()).isEqualTo(Doctor.Level.PASS);
        assertThat(f.detail()).isEqualTo("node-b's clock is 0.250 ms ahead of this node's (± 2.000 ms, half the "
                + "heartbeat's round trip), below 1 s");
    }

    @Test
    void helpAndUsage() throws Exception {
        assertThat(hakit(0, "help", "doctor")).contains("usage: hakit doctor [--config FILE] [--fix]")
                .contains("Exit 0 when every check passes, 1 when the worst is WARN, 2 when any check FAILs");
        assertThat(hakit(0, "help")).contains("doctor [--config FILE] [--fix]");
        assertThat(hakit(2, "doctor", "--frobnicate")).contains("unknown option '--frobnicate'");
    }

    @Test
    void aFloatingIpWithoutIpOrItsInterfaceFailsWithoutArpingWarnsThenPasses() throws Exception {
        settings.put("keepalive.vip", "10.9.9.9/24");
        settings.put("keepalive.vip.device", "hk-test0");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path net = Files.createDirectories(dir.resolve("net"));

        Doctor.Finding f = floatingIp(bin, net);
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).contains("'ip' is not found on the PATH")
                .contains("cannot add or remove 10.9.9.9/24 on hk-test0");
        assertThat(f.fix()).contains("apt-get install iproute2");

        executable(bin.resolve("ip"));
        f = floatingIp(bin, net);
        assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
        assertThat(f.detail()).contains("there is no network interface hk-test0 on this host");
        assertThat(f.fix()).containsPattern("correct keepalive.vip.device at .*node-a.properties:\\d+");

        Files.createDirectories(net.resolve("hk-test0"));
        f = floatingIp(bin, net);
        assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(f.detail()).contains("'arping' is not found").contains("until their ARP caches expire");
        assertThat(f.fix()).contains("apt-get install iputils-arping");

        executable(bin.resolve("arping"));
        f = floatingIp(bin, net);
        assertThat(f.level()).isEqualTo(Doctor.Level.PASS);
        assertThat(f.detail()).isEqualTo("10.9.9.9/24 on hk-test0: ip and arping present");

        settings.remove("keepalive.vip");
        settings.remove("keepalive.vip.device");
        assertThat(floatingIp(Files.createDirectories(dir.resolve("empty")), net).level())
                .as("nothing to check without a floating IP").isEqualTo(Doctor.Level.PASS);
    }

    // ------------------------------------------------------------------ helpers

    private Doctor.Finding check(String name) throws Exception {
        Doctor.Finding f = doctor(false).get(name);
        assertThat(f).as("a finding named " + name).isNotNull();
        return f;
    }

    /** The clock offset check with an agent whose status is {@code status}. */
    private Doctor.Finding clockOffset(Properties status) throws Exception {
        Doctor d = new Doctor(write(), state -> AgentView.of(status), Clock.systemUTC(), Duration.ofSeconds(2));
        try {
            return d.local().stream().filter(f -> f.check().equals("clock offset")).findFirst().orElseThrow();
        } finally {
            d.close();
        }
    }

    /** The floating IP check with commands looked up in {@code bin} and interfaces listed in {@code net}. */
    private Doctor.Finding floatingIp(Path bin, Path net) throws Exception {
        Doctor d = new Doctor(write(), Doctor.CONTROL_SOCKET, Clock.systemUTC(), Duration.ofSeconds(2));
        d.searchPath = bin.toString();
        d.sysClassNet = net;
        try {
            return d.local().stream().filter(f -> f.check().equals("floating ip")).findFirst().orElseThrow();
        } finally {
            d.close();
        }
    }

    private static void executable(Path p) throws Exception {
        Files.writeString(p, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Map<String, Doctor.Finding> doctor(boolean fix) throws Exception {
        Doctor d = new Doctor(write(), Doctor.CONTROL_SOCKET, Clock.systemUTC(), Duration.ofSeconds(2));
        try {
            return d.all(fix).stream().collect(Collectors.toMap(Doctor.Finding::check, f -> f, (a, b) -> a,
                    LinkedHashMap::new));
        } finally {
            d.close();
        }
    }

    private Path write() throws Exception {
        Files.writeString(config, settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        return config;
    }

    private String hakit(int expectedExit, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = Main.run(args, out, out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isEqualTo(expectedExit);
        return text;
    }

    private Path issue(String name, String cn, Instant from, Instant to) {
        Path d = dir.resolve("certs").resolve(name);
        CertificateGenerator.writeNode(d, CertificateGenerator.node(ca, cn, List.of(), from, to), ca);
        return d;
    }

    private Path ofAnotherCa(String name, String cn) {
        CertificateGenerator.Issued other = CertificateGenerator.certificateAuthority("other CA",
                now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30)));
        Path d = dir.resolve("certs").resolve(name);
        CertificateGenerator.writeNode(d, CertificateGenerator.node(other, cn, List.of(),
                now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30))), other);
        return d;
    }

    /**
     * A TLS endpoint at the peer's address, as the peer's agent listens: mutual TLS from a certificate directory,
     * requiring a client certificate that names {@code expectsClient}. It says nothing after the handshake.
     */
    private static final class TlsPeer implements AutoCloseable {
        private final EventLoopGroup group = new NioEventLoopGroup(1);
        private final Channel server;

        TlsPeer(InetSocketAddress at, Path certDir, String expectsClient) throws Exception {
            TlsContexts tls = TlsContexts.load(new PemLayout(certDir), expectsClient);
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls.server().newHandler(ch.alloc()));
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    ctx.close();
                                }
                            });
                        }
                    }).bind(new InetSocketAddress(at.getHostString(), at.getPort())).sync().channel();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
