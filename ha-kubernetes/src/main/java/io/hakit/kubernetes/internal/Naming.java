package io.hakit.kubernetes.internal;

import io.hakit.api.CorruptValueException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Names, labels, annotations and the entry format of the objects this backend writes.
 *
 * <p>Objects of cluster {@code c} (all labelled {@value #LABEL_CLUSTER}={@code label(c)} and
 * {@value #LABEL_MANAGED_BY}=hakit):
 * <ul>
 *   <li>Lease {@code hakit-<c>-leader}: the election; annotation {@value #EPOCH} is its epoch.</li>
 *   <li>ConfigMap {@code hakit-<c>-leaders}: one entry per component's leader information.</li>
 *   <li>ConfigMap {@code hakit-<c>-ns-<namespace>}: one per state-store namespace, one {@code binaryData} entry per
 *   key.</li>
 * </ul>
 * Every ConfigMap carries annotation {@value #FENCE}: the highest fence epoch it has accepted. Names that do not fit
 * Kubernetes' rules (lower case, 253 characters) are cut and get a hash of the real name; the real names are kept in
 * annotations {@value #ANNOTATION_CLUSTER} and {@value #ANNOTATION_NAMESPACE}.
 */
public final class Naming {

    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_CLUSTER = "hakit.io/cluster";
    public static final String LABEL_KIND = "hakit.io/kind";
    public static final String ANNOTATION_CLUSTER = "hakit.io/cluster-id";
    public static final String ANNOTATION_NAMESPACE = "hakit.io/namespace";
    public static final String EPOCH = "hakit.io/epoch";
    public static final String FENCE = "hakit.io/fence";
    public static final String KIND_STORE = "store";
    public static final String KIND_LEADERS = "leaders";
    public static final String KIND_ELECTION = "election";

    private static final Pattern DNS_SUBDOMAIN_PART = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern PLAIN_KEY = Pattern.compile("[-.A-Za-z0-9]+");
    /** A ConfigMap key: at most 253 characters of {@code [-._a-zA-Z0-9]}, not "." or "..". */
    static final int MAX_ENTRY_NAME = 253;
    private static final byte ENTRY_MAGIC = 'H';

    private Naming() {
    }

    /** The Lease of the cluster's election. */
    public static String leaseName(String clusterId) {
        return objectName("hakit-" + clusterId, "-leader");
    }

    /** The ConfigMap of the cluster's leader information. */
    public static String leadersName(String clusterId) {
        return objectName("hakit-" + clusterId, "-leaders");
    }

    /** The ConfigMap of one store namespace. */
    public static String storeName(String clusterId, String namespace) {
        return objectName("hakit-" + clusterId + "-ns-" + namespace, "");
    }

    /** The value of the cluster label: the cluster id if it is a valid label value, else a cut plus a hash. */
    public static String clusterLabel(String clusterId) {
        if (LABEL_VALUE.matcher(clusterId).matches()) {
            return clusterId;
        }
        String cut = clusterId.replaceAll("[^-A-Za-z0-9_.]", "-");
        cut = cut.substring(0, Math.min(cut.length(), 50)).replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
        return (cut.isEmpty() ? "c" : cut) + "-" + hash(clusterId, 10);
    }

    /**
     * A DNS-subdomain object name for {@code base + suffix}: lower case, '_' as '-', at most 253 characters; when the
     * base had to be changed, a hash of it is appended so two ids never share a name.
     */
    static String objectName(String base, String suffix) {
        String lower = base.toLowerCase(Locale.ROOT).replace('_', '-');
        boolean changed = !lower.equals(base) || !dnsSubdomain(lower + suffix) || (lower + suffix).length() > 200;
        if (!changed) {
            return lower + suffix;
        }
        String cut = lower.replaceAll("[^-a-z0-9.]", "-").replaceAll("\\.\\.+", ".");
        cut = cut.substring(0, Math.min(cut.length(), 180)).replaceAll("[^a-z0-9]+$", "");
        return cut + "-" + hash(base, 12) + suffix;
    }

    private static boolean dnsSubdomain(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String part : s.split("\\.", -1)) {
            if (!DNS_SUBDOMAIN_PART.matcher(part).matches()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The ConfigMap entry name of a HAKit key: {@code [-.A-Za-z0-9]} kept, '_' as "_u", '/' as "_s", a leading '.'
     * as "_d"; a name longer than 253 characters becomes "_h" and the SHA-256 of the key (the entry's value always
     * carries the real key, so reading never depends on the name).
     */
    public static String entryName(String key) {
        StringBuilder b = new StringBuilder(key.length() + 8);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '_') {
                b.append("_u");
            } else if (c == '/') {
                b.append("_s");
            } else if (c == '.' && i == 0) {
                b.append("_d");
            } else if (PLAIN_KEY.matcher(String.valueOf(c)).matches()) {
                b.append(c);
            } else {
                b.append("_x").append(HexFormat.of().toHexDigits((byte) c));
            }
        }
        return b.length() <= MAX_ENTRY_NAME ? b.toString() : "_h" + hash(key, 64);
    }

    /** An entry's value: a magic byte, the version (8 bytes), the key's length (2) and UTF-8 bytes, the record. */
    public static byte[] entry(String key, long version, byte[] record) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 2 + k.length + record.length);
        b.put(ENTRY_MAGIC).putLong(version).putShort((short) k.length).put(k).put(record);
        return b.array();
    }

    /** A decoded entry. */
    public static final class Entry {
        public final String key;
        public final long version;
        public final byte[] record;

        Entry(String key, long version, byte[] record) {
            this.key = key;
            this.version = version;
            this.record = record;
        }
    }

    /**
     * Decodes an entry's value.
     *
     * @throws CorruptValueException if it is not in this format (someone edited the ConfigMap by hand)
     */
    public static Entry parseEntry(String entryName, byte[] value) {
        if (value == null || value.length < 11 || value[0] != ENTRY_MAGIC) {
            throw new CorruptValueException("ConfigMap entry '" + entryName + "' is not in HAKit's format");
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        b.get();
        long version = b.getLong();
        int keyLength = b.getShort() & 0xffff;
        if (version < 0 || keyLength > b.remaining()) {
            throw new CorruptValueException("ConfigMap entry '" + entryName + "' has a bad header");
        }
        byte[] k = new byte[keyLength];
        b.get(k);
        byte[] record = new byte[b.remaining()];
        b.get(record);
        return new Entry(new String(k, StandardCharsets.UTF_8), version, record);
    }

    /** Parses an epoch/fence annotation; empty if absent or not a positive number. */
    public static OptionalLong parseEpoch(String value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            long v = Long.parseLong(value.trim());
            return v >= 0 ? OptionalLong.of(v) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static String hash(String s, int hexChars) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
