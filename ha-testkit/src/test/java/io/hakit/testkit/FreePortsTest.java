package io.hakit.testkit;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.FileReader;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FreePortsTest {

    /** The kernel's ephemeral range, as {@code cat} shows it. */
    private static int[] ephemeralRange() throws Exception {
        try (BufferedReader r = new BufferedReader(new FileReader("/proc/sys/net/ipv4/ip_local_port_range"))) {
            return Arrays.stream(r.readLine().trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        }
    }

    @Test
    void portsAreBelowTheEphemeralRangeAndNeverHandedOutTwice() throws Exception {
        int low = ephemeralRange()[0];
        assertThat(FreePorts.ephemeralLow()).isEqualTo(low);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            for (int p : FreePorts.loopback(5)) {
                assertThat(p).isBetween(1024, low - 1);
                assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue();
            }
        }
        assertThat(FreePorts.loopback()).isBetween(1024, low - 1).isNotIn(seen);
    }

    @Test
    void aCountOutOfRangeIsRefused() {
        assertThatThrownBy(() -> FreePorts.loopback(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 64");
        assertThatThrownBy(() -> FreePorts.loopback(65)).isInstanceOf(IllegalArgumentException.class);
    }
}
