package io.hakit.keepalive;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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

    /**
     * @param address an IPv4 address
     * @param prefix its prefix length (1-32)
     * @param device the interface
     * @throws IllegalArgumentException naming the bad value
     */
    public FloatingIp(String address, int prefix, String device) {
        this(address, prefix, device, 3, Duration.ofSeconds(5));
    }

    public FloatingIp(String address, int prefix, String device, int arpCount, Duration timeout) {
        this(address, prefix, device, arpCount, timeout, null);
    }

    /**
     * A floating IP on {@code device} inside the network namespace {@code netns} ({@code ip -n}); null for the
     * process's own namespace. For tests and for agents that manage a namespace they do not run in.
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

    /** Adds the address (if missing) and announces it with gratuitous ARP. */
    public void acquire() {
        if (!present()) {
            Result r = exec(ip("addr", "add", address + "/" + prefix, "dev", device));
            if (r.exit != 0 && !r.output.contains("File exists")) {
                throw new IllegalStateException("ip addr add " + address + "/" + prefix + " dev " + device
                        + " failed (" + r.exit + "): " + r.output);
            }
            LOG.info("floating IP {}/{} added on {}", address, prefix, device);
        }
        announce();
    }

    /** Sends gratuitous ARP for the address again (after a split brain heals, the winner re-announces). */
    public void announce() {
        if (arpCount == 0) {
            return;
        }
        List<String> arping = new ArrayList<>();
        if (netns != null) {
            arping.addAll(List.of("ip", "netns", "exec", netns));
        }
        arping.addAll(List.of("arping", "-U", "-c", Integer.toString(arpCount), "-w", "1", "-I", device, address));
        Result r = exec(arping);
        if (r.exit != 0 && r.exit != 1) {
            LOG.warn("gratuitous ARP for {} on {} failed ({}): {}", address, device, r.exit, r.output);
        }
    }

    /** Removes the address if present. */
    public void release() {
        if (!present()) {
            return;
        }
        Result r = exec(ip("addr", "del", address + "/" + prefix, "dev", device));
        if (r.exit != 0 && !r.output.contains("Cannot assign requested address")) {
            throw new IllegalStateException("ip addr del " + address + "/" + prefix + " dev " + device + " failed ("
                    + r.exit + "): " + r.output);
        }
        LOG.info("floating IP {}/{} removed from {}", address, prefix, device);
    }

    /** Whether the interface holds the address now. */
    public boolean present() {
        Result r = exec(ip("-o", "-4", "addr", "show", "dev", device));
        if (r.exit != 0) {
            throw new IllegalStateException("ip addr show dev " + device + " failed (" + r.exit + "): " + r.output);
        }
        return r.output.contains(" " + address + "/");
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
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            p.getOutputStream().close();
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
            return new Result(-3, "interrupted");
        }
    }
}
