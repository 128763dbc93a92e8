package io.hakit.api.support;

import io.hakit.api.InvalidConfigException;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing of configuration values in Flink's notation ("15 s", "500ms", "1 min", "PT15S", plain millis), and of the
 * agent's lists, paths, times of day and command lines; and the checks that more than one configuration class makes
 * (a positive duration, the lease timings against each other). Every parser and check names the key in its error.
 */
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

    /**
     * Parses a boolean: true/yes/on or false/no/off, any case.
     *
     * @param key the key, for the error
     * @param raw the value
     * @return the boolean
     * @throws InvalidConfigException naming {@code key} if the value is not a boolean
     */
    public static boolean bool(String key, String raw) {
        switch (raw == null ? "" : raw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true": case "yes": case "on": return true;
            case "false": case "no": case "off": return false;
            default: throw new InvalidConfigException(key + ": '" + raw + "' is not true or false", key);
        }
    }

    /**
     * Parses a whole number.
     *
     * @param key the key, for the error
     * @param raw the value
     * @return the number
     * @throws InvalidConfigException naming {@code key} if the value is not a whole number
     */
    public static int integer(String key, String raw) {
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidConfigException(key + ": '" + raw + "' is not a whole number", key);
        }
    }

    /**
     * Parses a file system path.
     *
     * @param key the key, for the error
     * @param raw the value
     * @return the path, as given (not resolved against anything)
     * @throws InvalidConfigException naming {@code key} if the value is not a path
     */
    public static Path path(String key, String raw) {
        String v = raw == null ? "" : raw.trim();
        try {
            return Paths.get(v);
        } catch (InvalidPathException e) {
            throw new InvalidConfigException(key + ": '" + v + "' is not a path: " + e.getReason(), key);
        }
    }

    /**
     * Parses a comma-separated list (what a YAML list becomes in a flat map): items trimmed, empty ones dropped.
     *
     * @param key the key, for the error
     * @param raw the value
     * @return the items, possibly none
     */
    public static List<String> list(String key, String raw) {
        List<String> items = new ArrayList<>();
        for (String item : (raw == null ? "" : raw).split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return List.copyOf(items);
    }

    /**
     * Parses a time of day, {@code HH:MM} or {@code HH:MM:SS}.
     *
     * @param key the key, for the error
     * @param raw the value
     * @return the time of day
     * @throws InvalidConfigException naming {@code key} if the value is not a time of day
     */
    public static LocalTime timeOfDay(String key, String raw) {
        try {
            return LocalTime.parse(raw == null ? "" : raw.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidConfigException(key + ": '" + raw + "' is not a time of day like 01:00", key);
        }
    }

    /**
     * Splits a command line into words as a POSIX shell would, without running one: blanks separate words; inside
     * '...' every character is literal; inside "..." a backslash escapes only {@code " \ $ `}; elsewhere a
     * backslash escapes the next character. Nothing is expanded ({@code $VAR}, {@code *}, {@code >} are literal
     * words): a command that needs a shell names it ({@code /bin/sh -c '... > file'}).
     *
     * @param key the key, for the error
     * @param command the command line
     * @return the words, at least one
     * @throws InvalidConfigException for an unterminated quote, a trailing backslash or an empty command, naming
     *     {@code key}
     */
    public static List<String> command(String key, String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 == command.length()) {
                    throw new InvalidConfigException(key + ": the command ends with a backslash: " + command, key);
                }
                word.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new InvalidConfigException(key + ": the quote " + quote + " is never closed in: " + command, key);
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw new InvalidConfigException(key + " is an empty command", key);
        }
        return List.copyOf(words);
    }

    /**
     * Checks that a duration is set and positive.
     *
     * @param key the key to name in the error
     * @param d   the duration
     * @return {@code d}
     * @throws InvalidConfigException naming {@code key} if {@code d} is null, zero or negative
     */
    public static Duration positive(String key, Duration d) {
        if (d == null) {
            throw new InvalidConfigException(key + " must be set", key);
        }
        if (d.isNegative() || d.isZero()) {
            throw new InvalidConfigException(key + " must be positive, was " + format(d), key);
        }
        return d;
    }

    /**
     * Checks lease timings against each other, as client-go's leader election does: the lease duration greater than
     * the renew deadline, or a new leader could be granted while the old one still renews; the renew deadline greater
     * than the retry period, or the leader would give up before its first retry. Each class that reads lease timings
     * names its own keys.
     *
     * @throws InvalidConfigException naming both keys of the first pair out of order
     */
    public static void leaseTimings(String leaseKey, Duration lease, String renewKey, Duration renew, String retryKey,
            Duration retry) {
        if (lease.compareTo(renew) <= 0) {
            throw new InvalidConfigException(leaseKey + " (" + format(lease) + ") must be greater than " + renewKey
                    + " (" + format(renew) + "), or a new leader could be granted while the old one still renews",
                    leaseKey, renewKey);
        }
        if (renew.compareTo(retry) <= 0) {
            throw new InvalidConfigException(renewKey + " (" + format(renew) + ") must be greater than " + retryKey
                    + " (" + format(retry) + "), or the leader would give up before its first retry", renewKey,
                    retryKey);
        }
    }

    /**
     * Formats a duration for messages: "500 ms", "15 s".
     *
     * @param d the duration
     * @return the duration in the largest whole unit of ns, ms or s
     */
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
