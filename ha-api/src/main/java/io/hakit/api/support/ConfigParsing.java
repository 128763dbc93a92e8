package io.hakit.api.support;

import io.hakit.api.InvalidConfigException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of configuration values in Flink's notation ("15 s", "500ms", "1 min", "PT15S", plain millis). */
public final class ConfigParsing {

    private static final Pattern DURATION = Pattern.compile("^(\\d{1,18})\\s*([a-zA-Zµ]*)$");
    private static final Pattern SIZE = Pattern.compile("^(\\d{1,18})\\s*([a-zA-Z]*)$");

    private ConfigParsing() {
    }

    /**
     * Parses a duration: a whole number with an optional unit (ns, us, ms, s, min, h, d and their long forms; none
     * means milliseconds, as in Flink), or an ISO-8601 duration such as {@code PT15S}.
     *
     * @throws InvalidConfigException naming {@code key} if the value is not a duration
     */
    public static Duration duration(String key, String raw) {
        String value = raw == null ? "" : raw.trim();
        if (value.startsWith("P") || value.startsWith("p")) {
            try {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new InvalidConfigException(key + ": '" + raw + "' is not a duration", key);
            }
        }
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new InvalidConfigException(key + ": '" + raw
                    + "' is not a duration (expected a number with a unit such as 500 ms, 15 s, 1 min)", key);
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        try {
            switch (unit) {
                case "":
                case "ms":
                case "milli":
                case "millis":
                case "millisecond":
                case "milliseconds":
                    return Duration.ofMillis(amount);
                case "ns":
                case "nano":
                case "nanos":
                case "nanosecond":
                case "nanoseconds":
                    return Duration.ofNanos(amount);
                case "us":
                case "µs":
                case "micro":
                case "micros":
                case "microsecond":
                case "microseconds":
                    return Duration.ofNanos(Math.multiplyExact(amount, 1000L));
                case "s":
                case "sec":
                case "secs":
                case "second":
                case "seconds":
                    return Duration.ofSeconds(amount);
                case "m":
                case "min":
                case "mins":
                case "minute":
                case "minutes":
                    return Duration.ofMinutes(amount);
                case "h":
                case "hour":
                case "hours":
                    return Duration.ofHours(amount);
                case "d":
                case "day":
                case "days":
                    return Duration.ofDays(amount);
                default:
                    throw new InvalidConfigException(key + ": unknown time unit '" + m.group(2) + "' in '" + raw
                            + "' (use ns, us, ms, s, min, h or d)", key);
            }
        } catch (ArithmeticException e) {
            throw new InvalidConfigException(key + ": '" + raw + "' is too large", key);
        }
    }

    /**
     * Parses a size in bytes: a whole number with an optional unit (b, kb/k, mb/m, gb/g; binary multiples, as in
     * Flink's MemorySize).
     *
     * @throws InvalidConfigException naming {@code key} if the value is not a size
     */
    public static long bytes(String key, String raw) {
        String value = raw == null ? "" : raw.trim();
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new InvalidConfigException(key + ": '" + raw + "' is not a size (expected e.g. 1048576, 512 kb, 64 mb)",
                    key);
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        long factor;
        switch (unit) {
            case "":
            case "b":
            case "bytes":
                factor = 1;
                break;
            case "k":
            case "kb":
            case "kib":
                factor = 1L << 10;
                break;
            case "m":
            case "mb":
            case "mib":
                factor = 1L << 20;
                break;
            case "g":
            case "gb":
            case "gib":
                factor = 1L << 30;
                break;
            default:
                throw new InvalidConfigException(key + ": unknown size unit '" + m.group(2) + "' in '" + raw + "'", key);
        }
        try {
            return Math.multiplyExact(amount, factor);
        } catch (ArithmeticException e) {
            throw new InvalidConfigException(key + ": '" + raw + "' is too large", key);
        }
    }

    /**
     * Parses {@code host:port} (an IPv6 host in brackets) into an unresolved address; port 0 to 65535.
     *
     * @throws InvalidConfigException naming {@code key} if the value is not host:port
     */
    public static java.net.InetSocketAddress address(String key, String raw) {
        String v = raw == null ? "" : raw.trim();
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw new InvalidConfigException(key + ": '" + v + "' is not host:port", key);
        }
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            String host = v.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return java.net.InetSocketAddress.createUnresolved(host, port);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key + ": '" + v + "' has no valid port", key);
        }
    }

    /** Parses a boolean: true/yes/on or false/no/off, any case. */
    public static boolean bool(String key, String raw) {
        switch (raw == null ? "" : raw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true": case "yes": case "on": return true;
            case "false": case "no": case "off": return false;
            default: throw new InvalidConfigException(key + ": '" + raw + "' is not true or false", key);
        }
    }

    /** Parses an integer. */
    public static int integer(String key, String raw) {
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidConfigException(key + ": '" + raw + "' is not a whole number", key);
        }
    }

    /** Formats a duration for messages: "500 ms", "15 s". */
    public static String format(Duration d) {
        if (d.isNegative()) {
            return "-" + format(d.negated());
        }
        if (d.toNanos() % 1_000_000 != 0 && d.toSeconds() < 1_000_000) {
            return d.toNanos() + " ns";
        }
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + " ms";
        }
        return (ms / 1000) + " s";
    }
}
