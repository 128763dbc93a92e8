package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Runner.BenchmarkFailure;
import io.hakit.testkit.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * rsync over ssh to 127.0.0.1, the encrypted transfer people use between hosts: one private {@code sshd} per session
 * ({@code -D} as a child of this JVM, on a free port, with a host key, a client key and a config made in its own
 * temporary directory; public-key login as the current user only). {@code syncOnce} runs
 * {@code rsync -a --delete --stats -e "ssh -p PORT -i KEY ..." src/ USER@127.0.0.1:dst/} with ssh's default cipher
 * (chacha20-poly1305 in OpenSSH 9) and reads the same statistics as {@link RsyncDaemonSubject}. No {@code --fsync}:
 * like {@code rsync_daemon} it returns with the data in the page cache.
 */
public final class RsyncSshSubject implements SyncSubject {

    static final String SSHD = "/usr/sbin/sshd";
    static final String INSTALL = "apt-get install openssh-server openssh-client rsync";

    @Override
    public String name() {
        return "rsync_ssh";
    }

    /** "rsync 3.5.0 protocol 32 over OpenSSH_9.2p1", or a failure naming the packages to install. */
    static String version() {
        Procs.require("rsync");
        Procs.require("ssh");
        Procs.require("ssh-keygen");
        if (!Files.isExecutable(Path.of(SSHD))) {
            throw new BenchmarkFailure("no " + SSHD + " for rsync over ssh: " + INSTALL);
        }
        String ssh = Procs.run(List.of("ssh", "-V"), Duration.ofSeconds(10), null).output().trim();
        return RsyncDaemonSubject.version(false) + " over " + ssh.split("[ ,]")[0];
    }

    @Override
    public Session open(Path src, Path dst, boolean continuous) throws IOException {
        if (continuous) {
            throw new UnsupportedOperationException(name() + " has no continuous mode");
        }
        version();
        return new SshSession(src, dst);
    }

    private static final class SshSession implements Session {
        private final Path src;
        private final Path tmp;
        private final Path log;
        private final Process sshd;
        private final List<String> command;

        SshSession(Path src, Path dst) throws IOException {
            this.src = src;
            tmp = Files.createTempDirectory("hakit-rsync-ssh");
            log = tmp.resolve("sshd.out");
            Process started = null;
            List<String> ssh = null;
            try {
                // sshd refuses to start without its privilege separation directory (the service makes it at boot)
                Files.createDirectories(Path.of("/run/sshd"));
                Path host = tmp.resolve("host_key");
                Path key = tmp.resolve("client_key");
                for (Path k : List.of(host, key)) {
                    Procs.check(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k.toString()),
                            Duration.ofSeconds(30));
                }
                Files.copy(tmp.resolve("client_key.pub"), tmp.resolve("authorized_keys"));
                String user = System.getProperty("user.name");
                for (int attempt = 1; attempt <= 3 && started == null; attempt++) {
                    int port = FreePorts.loopback();
                    Path conf = tmp.resolve("sshd_config");
                    Files.writeString(conf, "Port " + port + "\n"
                            + "ListenAddress 127.0.0.1\n"
                            + "HostKey " + host + "\n"
                            + "PidFile " + tmp.resolve("sshd.pid") + "\n"
                            + "AuthorizedKeysFile " + tmp.resolve("authorized_keys") + "\n"
                            + "AllowUsers " + user + "\n"
                            + "PermitRootLogin prohibit-password\n"
                            + "PasswordAuthentication no\n"
                            + "KbdInteractiveAuthentication no\n"
                            + "UsePAM no\n"
                            + "StrictModes no\n"
                            + "LogLevel ERROR\n");
                    Process p = Procs.startDaemon(List.of(SSHD, "-D", "-e", "-f", conf.toString()), log);
                    List<String> candidate = List.of("ssh", "-p", Integer.toString(port), "-i", key.toString(),
                            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                            "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR");
                    if (awaitListening(p, candidate, user)) {
                        started = p;
                        ssh = candidate;
                    } else {
                        Procs.stop(p, Duration.ofSeconds(2));
                    }
                }
                if (started == null) {
                    throw new BenchmarkFailure("sshd did not accept a login on 127.0.0.1 (3 ports tried, "
                            + RsyncDaemonSubject.START_BOUND.toSeconds() + " s each):\n" + Procs.tail(log, 20));
                }
            } catch (RuntimeException | Error | IOException e) {
                if (started != null) {
                    Procs.stop(started, Duration.ofSeconds(2));
                }
                SyncDatasets.deleteTree(tmp);
                throw e;
            }
            sshd = started;
            command = new ArrayList<>(List.of("rsync", "-a", "--delete", "--stats", "-e", String.join(" ", ssh),
                    src.toAbsolutePath() + "/", System.getProperty("user.name") + "@127.0.0.1:"
                            + dst.toAbsolutePath() + "/"));
        }

        /** Tries a login every 100 ms up to the daemon subject's start bound; false if sshd died. */
        private static boolean awaitListening(Process p, List<String> ssh, String user) {
            long deadline = System.nanoTime() + RsyncDaemonSubject.START_BOUND.toNanos();
            List<String> probe = new ArrayList<>(ssh);
            probe.add(user + "@127.0.0.1");
            probe.add("true");
            while (System.nanoTime() < deadline && p.isAlive()) {
                if (Procs.run(probe, Duration.ofSeconds(5), null).exit() == 0) {
                    return true;
                }
                RsyncDaemonSubject.sleep(100);
            }
            return false;
        }

        @Override
        public Transfer syncOnce() {
            if (!sshd.isAlive()) {
                throw new BenchmarkFailure("sshd exited (" + sshd.exitValue() + "):\n" + Procs.tail(log, 20));
            }
            Procs.Result r = Procs.run(command, RsyncDaemonSubject.SYNC_BOUND, null);
            if (r.exit() != 0) {
                throw new BenchmarkFailure(String.join(" ", command) + " exited with " + r.exit() + ":\n"
                        + Procs.lastLines(r.output(), 20) + "\n--- sshd:\n" + Procs.tail(log, 10));
            }
            return RsyncDaemonSubject.parseStats(r.output());
        }

        @Override
        public void close() {
            try {
                Procs.stop(sshd, Duration.ofSeconds(5));
            } finally {
                SyncDatasets.deleteTree(tmp);
            }
        }

        @Override
        public String toString() {
            return "sshd pid " + sshd.pid() + " for rsync from " + src;
        }
    }
}
