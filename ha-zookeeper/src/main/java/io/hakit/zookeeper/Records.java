package io.hakit.zookeeper;

import io.hakit.api.LeaderInformation;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/** Encodings of the znodes this backend writes; parsing is bounded and never throws on foreign data. */
final class Records {

    private static final int MAX_LEADER_RECORD = 8192;

    private Records() {
    }

    static byte[] leader(LeaderInformation info) {
        String text = "hakit-leader-v1\n" + info.epoch() + "\n" + info.sessionId().orElseThrow() + "\n"
                + info.address().orElseThrow();
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a leader record; empty if it is not one of ours. */
    static Optional<LeaderInformation> leader(byte[] data) {
        if (data == null || data.length == 0 || data.length > MAX_LEADER_RECORD) {
            return Optional.empty();
        }
        String[] parts = new String(data, StandardCharsets.UTF_8).split("\n", 4);
        if (parts.length != 4 || !parts[0].equals("hakit-leader-v1")) {
            return Optional.empty();
        }
        try {
            long epoch = Long.parseLong(parts[1]);
            UUID session = UUID.fromString(parts[2]);
            return epoch > 0 && !parts[3].isEmpty()
                    ? Optional.of(LeaderInformation.known(session, epoch, parts[3])) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static final int MAX_FENCE_RECORD = 1024;

    private static final String FENCE_MAGIC = "hakit-fence-v1";

    static byte[] namespaceFence(long epoch) {
        return (FENCE_MAGIC + "\n" + epoch).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a namespace znode's data: the highest fence epoch the namespace accepted (0 for empty data); empty if
     * it is not one of ours.
     */
    static java.util.OptionalLong namespaceFence(byte[] data) {
        if (data == null || data.length == 0) {
            return java.util.OptionalLong.of(0);
        }
        if (data.length > MAX_FENCE_RECORD) {
            return java.util.OptionalLong.empty();
        }
        String[] parts = new String(data, StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != 2 || !parts[0].equals(FENCE_MAGIC)) {
            return java.util.OptionalLong.empty();
        }
        try {
            long epoch = Long.parseLong(parts[1]);
            return epoch >= 0 ? java.util.OptionalLong.of(epoch) : java.util.OptionalLong.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** A state-store key as a znode name: keys never contain '%', so '/' maps to it reversibly. */
    static String encodeKey(String key) {
        return key.replace('/', '%');
    }

    static String decodeKey(String name) {
        return name.replace('%', '/');
    }

    /** The sequence number at the end of a sequential znode's name, or -1. */
    static long sequence(String name) {
        int n = name.length();
        if (n < 10) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(n - 10));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
