package io.hakit.keepalive.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AnnouncementOrderTest {

    private final AnnouncementOrder order = new AnnouncementOrder();

    @Test
    void whatThePeerSaidBeforeWhatWasAlreadyTakenIsDropped() {
        // the peer's heartbeat (3, "active") and role change (4, "standby") went out on both connections; the role
        // change came first on one, the heartbeat after it on the other
        assertThat(order.take(7, 4)).isTrue();
        assertThat(order.take(7, 3)).as("the heartbeat said before the role change").isFalse();
        assertThat(order.take(7, 4)).as("the role change again, from the other connection").isFalse();
        assertThat(order.take(7, 5)).isTrue();
    }

    @Test
    void aRestartedPeerStartsOverAndAnOlderPeerIsAlwaysTaken() {
        assertThat(order.take(7, 100)).isTrue();
        assertThat(order.take(9, 1)).as("a new incarnation: the peer restarted").isTrue();
        assertThat(order.take(9, 2)).isTrue();
        assertThat(order.take(9, 2)).isFalse();
        assertThat(order.take(0, 0)).as("a peer that does not number its announcements").isTrue();
        assertThat(order.take(0, 0)).isTrue();
    }

    @Test
    void ordersAreComparedAsUnsignedNumbers() {
        assertThat(order.take(7, Long.MAX_VALUE)).isTrue();
        assertThat(order.take(7, Long.MIN_VALUE)).as("2^63, above 2^63 - 1").isTrue();
        assertThat(order.take(7, Long.MAX_VALUE)).isFalse();
    }
}
