package io.hakit.keepalive;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The floating (virtual) IP that follows the active node: {@code ip addr add VIP/PREFIX dev IF} plus gratuitous
 * ARP ({@code arping -U}) when the node becomes active, {@code ip addr del} when it stops being active. Both are
 * idempotent: adding an address the interface already has, or removing one it does not, is not an error. Needs
 * root (CAP_NET_ADMIN) and iproute2; gratuitous ARP needs {@code arping} (Debian: iputils-arping), and its absence is
 * logged, not fatal.
 */
public final class FloatingIp {

    private static final Logger LOG = LoggerFactory.getLogger(FloatingIp.class);
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9._@-]{1,15}");

    private final String address;
    private final int prefix;
    private final String device;
    private final int arpCount;
    private final Duration timeout;
    private final String netns;
    private final Object announceLock = new Object();
    /** Set by {@link #release()}, cleared by {@link #add()}: no announcement starts while set. @GuardedBy("announceLock") */
    @GuardedBy("announceLock")
    private boolean released;
    /** The running arping, if any. @GuardedBy("announceLock") */
    @GuardedBy("announceLock")
    private Process announcing;

    /**
     * A floating IP on {@code device} in the process's own network namespace, announced with 3 gratuitous ARPs, each
     * {@code ip} and {@code arping} command given 5 s. Nothing is run until {@link #acquire()} or {@link #add()}.
     *
     * @param address an IPv4 address
     * @param prefix its prefix length (1-32)
     * @param device the interface
     * @throws IllegalArgumentException naming the bad value
     */
    public FloatingIp(String address, int prefix, String device) {
        this(address, prefix, device, 3, Duration.ofSeconds(5));
    }

    /**
     * A floating IP on {@code device} in the process's own network namespace, with its own announcement and command
     * timeout. Nothing is run until {@link #acquire()} or {@link #add()}.
     *
     * @param address  an IPv4 address, {@code A.B.C.D}
     * @param prefix   its prefix length (1-32)
     * @param device   the interface, 1-15 characters of {@code [A-Za-z0-9._@-]}
     * @param arpCount how many gratuitous ARPs {@link #announce()} asks {@code arping} for (0-100; it stops after a
     *                 second either way); 0 announces nothing
     * @param timeout  how long each {@code ip} or {@code arping} command may run before it is killed
     * @throws IllegalArgumentException naming the bad value
     * @throws NullPointerException     if {@code timeout} is null
     */
    public FloatingIp(String address, int prefix, String device, int arpCount, Duration timeout) {
        this(address, prefix, device, arpCount, timeout, null);
    }

    /**
     * A floating IP on {@code device} inside the network namespace {@code netns} ({@code ip -n}); null for the
     * process's own namespace. For tests and for agents that manage a namespace they do not run in.
     *
     * @param address  an IPv4 address, {@code A.B.C.D}
     * @param prefix   its prefix length (1-32)
     * @param device   the interface, 1-15 characters of {@code [A-Za-z0-9._@-]}
     * @param arpCount how many gratuitous ARPs {@link #announce()} asks {@code arping} for (0-100; it stops after a
     *                 second either way); 0 announces nothing
     * @param timeout  how long each {@code ip} or {@code arping} command may run before it is killed
     * @param netns    the namespace's name, as {@code ip netns} lists it (the same characters as a device); null for
     *                 the process's own
     * @throws IllegalArgumentException naming the bad value
     * @throws NullPointerException     if {@code timeout} is null
     */
    public FloatingIp(String address, int prefix, String device, int arpCount, Duration timeout, String netns) {
        if (address == null || !IPV4.matcher(address).matches() || !validOctets(address)) {
            throw new IllegalArgumentException("floating IP '" + address + "' is not an IPv4 address");
        }
        if (prefix < 1 || prefix > 32) {
            throw new IllegalArgumentException("floating IP prefix must be 1-32, was " + prefix);
        }
        if (device == null || !IFACE.matcher(device).matches()) {
            throw new IllegalArgumentException("floating IP device '" + device + "' is not an interface name");
        }
        if (arpCount < 0 || arpCount > 100) {
            throw new IllegalArgumentException("gratuitous ARP count must be 0-100, was " + arpCount);
        }
        this.address = address;
        this.prefix = prefix;
        this.device = device;
        this.arpCount = arpCount;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (netns != null && !IFACE.matcher(netns).matches()) {
            throw new IllegalArgumentException("network namespace '" + netns + "' is not a valid name");
        }
        this.netns = netns;
    }

    private static boolean validOctets(String a) {
        for (String o : a.split("\\.")) {
            if (Integer.parseInt(o) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Adds the address (if missing) and announces it with gratuitous ARP; returns when both are done. */
    public void acquire() {
        add();
        announce();
    }

    /**
     * Adds the address if missing, without announcing it. One {@code ip addr add}; only when it fails is the
     * interface asked whether it already holds the address (iproute2's wording of "already there" differs between
     * versions), so taking over costs a single process.
     *
     * @throws IllegalStateException if the address could not be added and is not there
     */
    public void add() {
        synchronized (announceLock) {
            released = false;
        }
        Result r = exec(ip("addr", "add", address + "/" + prefix, "dev", device));
        if (r.exit == 0) {
            LOG.info("floating IP {}/{} added on {}", address, prefix, device);
        } else if (!present()) {
            throw new IllegalStateException("ip addr add " + address + "/" + prefix + " dev " + device
                    + " failed (" + r.exit + "): " + r.output);
        }
    }

    /**
     * Sends gratuitous ARP for the address ({@code arping -U}, up to a second), e.g. again after a split brain heals.
     * Does nothing after {@link #release()} until the next {@link #add()}, and {@link #release()} stops an
     * announcement that is running: a node never announces an address it gave up. May run on another thread than
     * {@link #add()} and {@link #release()}.
     */
    public void announce() {
        if (arpCount == 0) {
            return;
        }
        List<String> arping = new ArrayList<>();
        if (netns != null) {
            arping.addAll(List.of("ip", "netns", "exec", netns));
        }
        arping.addAll(List.of("arping", "-U", "-c", Integer.toString(arpCount), "-w", "1", "-I", device, address));
        Process p;
        synchronized (announceLock) {
            if (released) {
                return;
            }
            try {
                p = start(arping);
            } catch (IOException e) {
                LOG.warn("gratuitous ARP for {} on {} failed: {}", address, device, e.getMessage());
                return;
            }
            announcing = p;
        }
        Result r = await(p, arping);
        boolean stopped;
        synchronized (announceLock) {
            if (announcing == p) {
                announcing = null;
            }
            stopped = released;
        }
        if (r.exit != 0 && r.exit != 1 && !stopped) {
            LOG.warn("gratuitous ARP for {} on {} failed ({}): {}", address, device, r.exit, r.output);
        }
    }

    /**
     * Stops a running announcement, then removes the address if present: one {@code ip addr del}, and a look at the
     * interface only when that fails.
     *
     * @throws IllegalStateException if the address could not be removed and is still there
     */
    public void release() {
        synchronized (announceLock) {
            released = true;
            if (announcing != null) {
                announcing.destroyForcibly();
                announcing = null;
            }
        }
        Result r = exec(ip("addr", "del", address + "/" + prefix, "dev", device));
        if (r.exit == 0) {
            LOG.info("floating IP {}/{} removed from {}", address, prefix, device);
        } else if (present()) {
            throw new IllegalStateException("ip addr del " + address + "/" + prefix + " dev " + device + " failed ("
                    + r.exit + "): " + r.output);
        }
    }

    /**
     * Whether the interface holds the address now: one {@code ip -o -4 addr show dev}, blocking up to the command
     * timeout.
     *
     * @return true if the interface lists the address (with any prefix length)
     * @throws IllegalStateException if {@code ip} failed, for instance because the device does not exist
     */
    public boolean present() {
        Result r = exec(ip("-o", "-4", "addr", "show", "dev", device));
        if (r.exit != 0) {
            throw new IllegalStateException("ip addr show dev " + device + " failed (" + r.exit + "): " + r.output);
        }
        return r.output.contains(" " + address + "/");
    }

    /**
     * The interface the address goes on.
     *
     * @return the device name, as configured
     */
    public String device() {
        return device;
    }

    /**
     * The network namespace the interface is in, if not the process's own.
     *
     * @return the namespace's name, or empty for the process's own
     */
    public Optional<String> netns() {
        return Optional.ofNullable(netns);
    }

    /**
     * How many gratuitous ARPs announce the address when this node takes it.
     *
     * @return 0-100; 0 announces nothing
     */
    public int arpCount() {
        return arpCount;
    }

    @Override
    public String toString() {
        return address + "/" + prefix + " on " + device + (netns == null ? "" : " in " + netns);
    }

    private static final class Result {
        final int exit;
        final String output;

        Result(int exit, String output) {
            this.exit = exit;
            this.output = output;
        }
    }

    private List<String> ip(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        if (netns != null) {
            cmd.add("-n");
            cmd.add(netns);
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Result exec(List<String> command) {
        try {
            return await(start(command), command);
        } catch (IOException e) {
            return new Result(-2, e.getMessage());
        }
    }

    private static Process start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return p;
    }

    /** Waits for {@code p} within the timeout; the commands print a few lines, far below a pipe's buffer. */
    private Result await(Process p, List<String> command) {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", command) + " timed out");
            }
            String out = new String(p.getInputStream().readNBytes(8192), StandardCharsets.UTF_8);
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-2, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Result(-3, "interrupted");
        }
    }
}
