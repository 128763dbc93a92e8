package io.hakit.api.internal;

import io.hakit.api.CorruptValueException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * HAKit's stored record format: one header byte, then either the value itself ({@link #INLINE}) or a pointer to a
 * blob ({@link #BLOB}: "sha256-hex length ref" in UTF-8).
 */
final class Records {

    static final byte INLINE = 1;
    static final byte BLOB = 2;
    private static final int MAX_POINTER = 1024;

    private Records() {
    }

    static byte[] inline(byte[] value) {
        byte[] r = new byte[value.length + 1];
        r[0] = INLINE;
        System.arraycopy(value, 0, r, 1, value.length);
        return r;
    }

    static byte[] pointer(Pointer p) {
        byte[] text = (p.sha256 + " " + p.length + " " + p.ref).getBytes(StandardCharsets.UTF_8);
        byte[] r = new byte[text.length + 1];
        r[0] = BLOB;
        System.arraycopy(text, 0, r, 1, text.length);
        return r;
    }

    /** Whether the record is a blob pointer. */
    static boolean isPointer(byte[] record) {
        return record.length > 0 && record[0] == BLOB;
    }

    static byte[] inlineValue(String key, byte[] record) {
        if (record.length == 0 || record[0] != INLINE) {
            throw new CorruptValueException("record of key '" + key + "' is not in HAKit's format (header "
                    + (record.length == 0 ? "missing" : String.valueOf(record[0])) + ")");
        }
        byte[] v = new byte[record.length - 1];
        System.arraycopy(record, 1, v, 0, v.length);
        return v;
    }

    static Pointer parsePointer(String key, byte[] record) {
        if (record.length < 2 || record.length > MAX_POINTER || record[0] != BLOB) {
            throw new CorruptValueException("record of key '" + key + "' is not a valid blob pointer");
        }
        String[] parts = new String(record, 1, record.length - 1, StandardCharsets.UTF_8).split(" ");
        if (parts.length != 3 || parts[0].length() != 64) {
            throw new CorruptValueException("blob pointer of key '" + key + "' is malformed");
        }
        try {
            return new Pointer(parts[0], Long.parseLong(parts[1]), parts[2]);
        } catch (NumberFormatException e) {
            throw new CorruptValueException("blob pointer of key '" + key + "' has a bad length '" + parts[1] + "'");
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** A blob pointer: the value's SHA-256 (hex), its length and the blob store ref. */
    static final class Pointer {
        final String sha256;
        final long length;
        final String ref;

        Pointer(String sha256, long length, String ref) {
            this.sha256 = sha256;
            this.length = length;
            this.ref = ref;
        }
    }
}
