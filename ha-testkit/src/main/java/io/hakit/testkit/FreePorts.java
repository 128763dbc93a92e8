package io.hakit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP ports on the loopback address that were free a moment ago, for a test that must tell a server (often a child
 * JVM) which port to bind before it starts.
 *
 * <p>The ports are taken below the kernel's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}, 32768
 * when it cannot be read): a port the system hands out, as {@code new ServerSocket(0)} would, can be taken by the
 * next outgoing connection of this test, or of a module tested beside it, before the server binds it ("Address
 * already in use", seen under load). A port is checked by binding it without {@code SO_REUSEADDR}, as strictly as a
 * server binds, and released before it is returned; this JVM never hands out the same port twice, so two fixtures of
 * one JVM cannot be given the same port.
 *
 * <p>Hazard: another process can still take a returned port before the server binds it (rare, not impossible).
 *
 * <p>Thread-safe.
 */
public final class FreePorts {

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {
    }

    /**
     * One port on 127.0.0.1 free now and not handed out before by this JVM.
     *
     * @return the port
     * @throws UncheckedIOException when no free port was found in 500 tries nor by the system
     */
    public static int loopback() {
        return loopback(1)[0];
    }

    /**
     * Distinct ports on 127.0.0.1, each free now and not handed out before by this JVM.
     *
     * @param n how many, 1 to 64
     * @return the ports
     * @throws IllegalArgumentException when {@code n} is out of range
     * @throws UncheckedIOException     when no free port was found in 500 tries nor by the system
     */
    public static int[] loopback(int n) {
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException("n must be 1 to 64, not " + n);
        }
        int low = ephemeralLow();
        int from = Math.max(1024, low - 12000);
        int[] ports = new int[n];
        synchronized (HANDED_OUT) {
            for (int i = 0; i < n; i++) {
                ports[i] = one(from, low);
                HANDED_OUT.add(ports[i]);
            }
        }
        return ports;
    }

    private static int one(int from, int low) {
        for (int attempt = 0; attempt < 500 && low > from; attempt++) {
            int port = from + ThreadLocalRandom.current().nextInt(low - from);
            if (!HANDED_OUT.contains(port) && bindable(port)) {
                return port;
            }
        }
        for (int attempt = 0; attempt < 50; attempt++) { // the range below is full: what the system hands out
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (!HANDED_OUT.contains(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free TCP port on the loopback address", e);
            }
        }
        throw new UncheckedIOException(new IOException("no free TCP port on the loopback address"));
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range; 32768 when it cannot be read. */
    static int ephemeralLow() {
        try {
            // Files.readString (readAllBytes) returns only the first byte of this sysctl file ("3" of "32768", seen
            // on Linux 6.x with Java 17 and 25), which made every port come from the ephemeral range; lines read whole
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
                    .trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException unknown) {
            return 32768; // the kernel's default
        }
    }
}
