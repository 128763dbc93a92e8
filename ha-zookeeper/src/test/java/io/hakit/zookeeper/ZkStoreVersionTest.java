package io.hakit.zookeeper;

import io.hakit.api.CorruptValueException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ZooKeeper keeps a znode's version in 32 bits and wraps it after {@link Integer#MAX_VALUE}; the store's versions are
 * 64-bit. No version is cut to fewer bits: what a znode cannot hold is refused, a write that would wrap is refused,
 * and a wrapped version read back is reported corrupt. (A znode cannot be brought to version 2^31 - 1 in a test, so
 * the wrap rules are checked on the conversions the store sends and reads through.)
 */
class ZkStoreVersionTest {

    @Test
    void anExpectedVersionAboveThirtyOneBitsIsRefusedNotCut() {
        assertThat(ZkStore.expectedVersion("k", 0)).isZero();
        assertThat(ZkStore.expectedVersion("k", Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        for (long v : new long[] {1L << 32, (1L << 32) + 5, Integer.MAX_VALUE + 1L, Long.MAX_VALUE}) {
            assertThatThrownBy(() -> ZkStore.expectedVersion("k", v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'k'").hasMessageContaining(Long.toString(v))
                    .hasMessageContaining(Integer.toString(Integer.MAX_VALUE));
        }
    }

    @Test
    void aWriteThatWouldWrapAVersionIsRefused() {
        assertThat(ZkStore.writableVersion("k", Integer.MAX_VALUE - 1L)).isEqualTo(Integer.MAX_VALUE - 1);
        assertThatThrownBy(() -> ZkStore.writableVersion("k", Integer.MAX_VALUE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("wrap")
                .hasMessageContaining("Delete the key");
        assertThatThrownBy(() -> ZkStore.writableVersion("k", 1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWrappedVersionReadBackIsCorrupt() {
        Stat stat = new Stat();
        stat.setVersion(Integer.MAX_VALUE);
        assertThat(ZkStore.readVersion("k", stat)).isEqualTo(Integer.MAX_VALUE);
        stat.setVersion(Integer.MIN_VALUE);
        assertThatThrownBy(() -> ZkStore.readVersion("k", stat)).isInstanceOf(CorruptValueException.class)
                .hasMessageContaining("wrapped");
    }
}
