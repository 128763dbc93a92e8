package io.hakit.sync;

import io.hakit.testkit.ChildJvm;
import io.hakit.testkit.FreePorts;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * SIGKILLs the source or the sink ({@link SyncNodeMain} child processes) while a round moves file data, again and
 * again, and checks after every kill that each file on the sink is absent or exactly one complete version (never a
 * partial or empty file), and after the restart that the replica converges and no temp file is left.
 *
 * <p>Every file is one of a few versions, each fully determined by (name, version): the checker knows the digest of
 * every version written so far and accepts nothing else.
 */
class CrashTest {

    private static final String[] NAMES = {"f0.bin", "f1.bin", "f2.bin", "sub/f3.bin", "sub/deeper/f4.bin"};
    private static final int ITERATIONS = Integer.getInteger("crash.iterations", 8);
    private static final Duration CONVERGE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    private Path rootA;
    private Path rootB;
    private Path staging;
    private int portA;
    private int portB;
    private ChildJvm a;
    private ChildJvm b;
    /** name to (hex digest to version) of every version written so far. */
    private final Map<String, Map<String, Integer>> versions = new HashMap<>();

    @AfterEach
    void stop() {
        for (ChildJvm n : new ChildJvm[] {a, b}) {
            if (n != null) {
                n.close();
            }
        }
    }

    @Test
    void killingEitherSideMidTransferNeverLeavesAPartialFileAndTheReplicaConverges() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String context = "seed " + seed;
        long t0 = System.nanoTime();
        rootA = Files.createDirectories(tmp.resolve("a/data"));
        rootB = Files.createDirectories(tmp.resolve("b/data"));
        staging = Files.createDirectories(tmp.resolve("staging"));
        portA = FreePorts.loopback();
        portB = FreePorts.loopback();

        writeVersion(0);
        b = start("node-b", "node-a", rootB, portB, portA, false);
        a = start("node-a", "node-b", rootA, portA, portB, true);
        awaitConverged(context + ", initial copy");

        int midRound = 0;
        for (int i = 1; i <= ITERATIONS; i++) {
            boolean killSink = i % 2 == 1;
            String what = context + ", iteration " + i + " (killing the " + (killSink ? "sink" : "source") + ")";
            writeVersion(i);
            // wait until the round writes data on the sink (bounded), then a little more (0-150 ms) so that the
            // kill lands at different points of the transfer
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (tempFiles().isEmpty()) {
                if (System.nanoTime() - deadline > 0) {
                    fail(what + ": no temp file appeared on the sink within 10 s; sink log:\n" + b.output()
                            + "\nsource log:\n" + a.output());
                }
                Thread.sleep(2);
            }
            Thread.sleep(random.nextInt(150));
            if (!tempFiles().isEmpty()) {
                midRound++;
            }
            ChildJvm victim = killSink ? b : a;
            victim.kill();
            checkComplete(what + ", after the kill");

            if (killSink) {
                b = start("node-b", "node-a", rootB, portB, portA, false);
            } else {
                a = start("node-a", "node-b", rootA, portA, portB, true);
            }
            awaitConverged(what);
            assertThat(tempFiles()).as(what + ": temp files left on the sink after it converged").isEmpty();
            checkComplete(what + ", after converging");
        }
        assertThat(midRound).as(context + ": kills that landed while the sink held temp files").isGreaterThan(0);

        // the clean ways out: end of stdin (the parent went away) and SIGTERM
        b.process().getOutputStream().close();
        a.stop(Duration.ofSeconds(10)); // SIGTERM
        b.awaitExit(Duration.ofSeconds(10));
        for (ChildJvm n : new ChildJvm[] {a, b}) {
            assertThat(n.lines()).as(n.output()).contains("CLOSED");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("CrashTest: " + ITERATIONS + " kills (" + midRound + " with a transfer in progress) in "
                + ms + " ms");
    }

    // ------------------------------------------------------------------ versions

    private static long size(int file, int version) {
        return ((2L + (file + version) % 3) << 20) + file * 4099L + version * 13L;
    }

    /** Writes version {@code v} of every file into the source root, each with one atomic rename. */
    private void writeVersion(int v) throws Exception {
        for (int f = 0; f < NAMES.length; f++) {
            String name = NAMES[f];
            byte[] content = new byte[(int) size(f, v)];
            new SplittableRandom(name.hashCode() * 1_000_003L + v).nextBytes(content);
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            versions.computeIfAbsent(name, k -> new HashMap<>()).put(hex, v);
            Path s = staging.resolve("v" + v + "-" + f);
            Files.write(s, content);
            Path target = rootA.resolve(name);
            Files.createDirectories(target.getParent());
            Files.move(s, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Every file on the sink (conflict copies included, temp files not) is one complete version of its name. */
    private void checkComplete(String what) throws Exception {
        List<String> bad = new ArrayList<>();
        for (Path p : regularFiles()) {
            if (p.getFileName().toString().startsWith(".hakit-tmp-")) {
                continue;
            }
            String rel = rootB.relativize(p).toString();
            int conflict = rel.indexOf(".hakit-conflict-");
            String name = conflict < 0 ? rel : rel.substring(0, conflict);
            Map<String, Integer> known = versions.get(name);
            if (known == null) {
                bad.add(rel + ": not a file of the source");
                continue;
            }
            long size = Files.size(p);
            String hex = HexFormat.of().formatHex(digest(p));
            if (!known.containsKey(hex)) {
                bad.add(rel + ": " + size + " bytes, not a complete version");
            }
        }
        assertThat(bad).as(what).isEmpty();
    }

    /** The regular files on the sink; a temp file removed during the walk (a round aborted) is left out. */
    private List<Path> regularFiles() throws IOException {
        List<Path> l = new ArrayList<>();
        Files.walkFileTree(rootB, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    l.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return l;
    }

    private static byte[] digest(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        try (var in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    private List<Path> tempFiles() throws IOException {
        return regularFiles().stream().filter(p -> p.getFileName().toString().startsWith(".hakit-tmp-")).toList();
    }

    private void awaitConverged(String what) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        List<String> d;
        while (!(d = differences()).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what + ": no convergence within " + CONVERGE.toSeconds() + " s: " + d + "\nsink log:\n"
                        + b.log() + "\nsource log:\n" + a.log());
            }
            Thread.sleep(20);
        }
    }

    /** The differences, or the error when a file vanished during the comparison (the sink is mid-round). */
    private List<String> differences() throws IOException {
        try {
            return TreeAssert.differences(rootA, rootB);
        } catch (NoSuchFileException | UncheckedIOException e) {
            return List.of(e.toString());
        }
    }

    // ------------------------------------------------------------------ child processes

    private ChildJvm start(String self, String peer, Path root, int bind, int peerPort, boolean active)
            throws IOException {
        Map<String, String> s = new HashMap<>();
        s.put("keepalive.cluster-id", "c1");
        s.put("keepalive.node-id", self);
        s.put("keepalive.peer.node-id", peer);
        s.put("keepalive.tls.insecure", "true");
        s.put("keepalive.bind", "127.0.0.1:1"); // never bound: the child runs the synchronizer alone
        s.put("keepalive.peer.address", "127.0.0.1:2");
        s.put("keepalive.state-dir", tmp.resolve(self + "-state").toString());
        s.put("keepalive.arbiter", "none");
        s.put("sync.bind", "127.0.0.1:" + bind);
        s.put("sync.peer.address", "127.0.0.1:" + peerPort);
        s.put("sync.state-dir", tmp.resolve(self + "-state").toString());
        s.put("sync.root.data", root.toString());
        s.put("sync.period", "1 h");
        s.put("sync.timeout", "10 s");
        s.put("sync.disk-reserve", "0");
        // slow enough that a round of ~15 MiB takes about half a second: the kill lands mid-transfer
        s.put("sync.bandwidth-limit", "32 mb");
        s.put("role", active ? "active" : "standby");
        s.put("epoch", "1");
        Properties p = new Properties();
        p.putAll(s);
        Path file = tmp.resolve(self + ".properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        ChildJvm n = ChildJvm.builder(self, SyncNodeMain.class.getName())
                .jvmOptions(ChildJvm.SMALL).jvmOptions("-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                        "-Dorg.slf4j.simpleLogger.showDateTime=true")
                .args(file.toString()).log(tmp.resolve(self + ".log")).start();
        n.awaitLine(l -> l.startsWith("READY "), Duration.ofSeconds(20));
        return n;
    }
}
