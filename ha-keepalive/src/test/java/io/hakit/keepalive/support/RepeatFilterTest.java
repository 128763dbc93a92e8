package io.hakit.keepalive.support;

import io.hakit.testkit.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** One log line per cause per minute, on the node's ticker. */
class RepeatFilterTest {

    private final ManualTicker ticker = new ManualTicker();
    private final RepeatFilter filter = new RepeatFilter(Duration.ofMinutes(1).toNanos(),
            ticker);

    @Test
    void eachCauseIsLoggedOnceAMinuteAndTheRepeatsAreCounted() {
        assertThat(filter.shouldLog("unknown CA")).isTrue();
        assertThat(filter.suppressedNote("unknown CA")).isEmpty();
        // a peer retrying every 100 ms for a minute: 599 more attempts, none logged
        for (int i = 0; i < 599; i++) {
            ticker.advance(Duration.ofMillis(100));
            assertThat(filter.shouldLog("unknown CA")).isFalse();
        }
        // another cause in between is its own line, and does not reset the first one's minute
        assertThat(filter.shouldLog("the peer refused the handshake with the TLS alert unknown_ca")).isTrue();
        assertThat(filter.shouldLog("unknown CA")).isFalse();
        ticker.advance(Duration.ofMillis(100));
        assertThat(filter.shouldLog("unknown CA")).isTrue();
        assertThat(filter.suppressedNote("unknown CA")).isEqualTo(" (600 more times since the last line)");
        assertThat(filter.suppressedNote("unknown CA")).isEmpty();
    }
}
