package io.hakit.api.internal;

import io.hakit.api.StateStore;

import java.util.regex.Pattern;

/** Validation of ids, namespaces and keys; every message names the offending value. */
public final class Names {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern KEY_CHARS = Pattern.compile("[A-Za-z0-9._/-]+");
    /** The longest address a leader may publish. */
    public static final int MAX_ADDRESS_LENGTH = 4096;

    private Names() {
    }

    /** Checks a component id, namespace or counter name: 1-128 of {@code [A-Za-z0-9._-]}. */
    public static String id(String what, String value) {
        if (value == null || !ID.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(what + " must be 1-128 characters of [A-Za-z0-9._-], was '"
                    + abbreviate(value) + "'");
        }
        return value;
    }

    /** Checks a state-store key (see {@link StateStore}). */
    public static String key(String key) {
        if (key == null || key.isEmpty() || key.length() > StateStore.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key must be 1-" + StateStore.MAX_KEY_LENGTH + " characters, was '"
                    + abbreviate(key) + "'");
        }
        if (!KEY_CHARS.matcher(key).matches()) {
            throw new IllegalArgumentException("key '" + abbreviate(key) + "' has a character outside [A-Za-z0-9._/-]");
        }
        if (key.startsWith("/") || key.endsWith("/") || key.contains("//")) {
            throw new IllegalArgumentException("key '" + key + "' must not start or end with '/' or contain '//'");
        }
        for (String segment : key.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("key '" + key + "' must not contain '.' or '..' segments");
            }
        }
        return key;
    }

    /** Checks a key prefix for list and watch: "" or a key-like string that may end with '/'. */
    public static String prefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null (use \"\" for every key)");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        key(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) + "/x" : prefix);
        return prefix;
    }

    /** Checks an expected version. */
    public static long expectedVersion(long expectedVersion) {
        if (expectedVersion < 0 && expectedVersion != StateStore.NEW && expectedVersion != StateStore.ANY) {
            throw new IllegalArgumentException("expectedVersion must be >= 0, StateStore.NEW or StateStore.ANY, was "
                    + expectedVersion);
        }
        return expectedVersion;
    }

    /** Checks a leader address. */
    public static String address(String address) {
        if (address == null || address.isEmpty() || address.length() > MAX_ADDRESS_LENGTH) {
            throw new IllegalArgumentException("address must be 1-" + MAX_ADDRESS_LENGTH + " characters, was '"
                    + abbreviate(address) + "'");
        }
        return address;
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
