package io.hakit.sync.internal;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * File names are bytes: Linux allows any byte but '/' and NUL, valid UTF-8 or not. Inside the synchronizer a name
 * is a Java string that holds its bytes without loss: valid UTF-8 decodes as usual, and each byte that is not part of
 * valid UTF-8 becomes the lone surrogate {@code U+DC00 + byte} (Python's "surrogateescape"); {@link #encode} gives the
 * same bytes back. Lone surrogates never come out of valid UTF-8, so the mapping is one-to-one. The wire carries the
 * bytes; messages show such names with {@code \xNN} escapes ({@link PathGuard#show}).
 *
 * <p>Java {@link Path}s keep a name's bytes too; {@link #name(Path)} and {@link #resolve} convert without going
 * through the platform's charset where the name is not plain UTF-8 (a file URI carries the raw bytes). Stateless.
 */
public final class Names {

    private static final boolean JNU_UTF8 = isUtf8(System.getProperty("sun.jnu.encoding"));

    private Names() {
    }

    private static boolean isUtf8(String name) {
        try {
            return name != null && Charset.forName(name).equals(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The lossless string of a name's bytes. */
    public static String decode(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return d.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // slow path: decode what is valid, escape each byte that is not
        }
        StringBuilder b = new StringBuilder(bytes.length);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        d.reset();
        while (in.hasRemaining()) {
            java.nio.charset.CoderResult r = d.decode(in, out, true);
            out.flip();
            b.append(out);
            out.clear();
            if (r.isMalformed() || r.isUnmappable()) {
                for (int i = 0; i < r.length(); i++) {
                    b.append((char) (0xDC00 + (in.get() & 0xff)));
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        return b.toString();
    }

    /** The bytes of a name or relative path made by {@link #decode} (or any ordinary string). */
    public static byte[] encode(String s) {
        if (!hasEscapes(s)) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length() + 8);
        int i = 0;
        while (i < s.length()) {
            int j = i;
            while (j < s.length() && !escapeAt(s, j)) {
                j++;
            }
            out.writeBytes(s.substring(i, j).getBytes(StandardCharsets.UTF_8));
            while (j < s.length() && escapeAt(s, j)) {
                out.write(s.charAt(j) - 0xDC00);
                j++;
            }
            i = j;
        }
        return out.toByteArray();
    }

    /** Whether the char at {@code i} is an escaped byte: a lone low surrogate in DC80..DCFF (not half of a pair). */
    private static boolean escapeAt(String s, int i) {
        char c = s.charAt(i);
        return c >= 0xDC80 && c <= 0xDCFF && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
    }

    /** Whether {@code s} holds bytes that are not valid UTF-8 (escaped). */
    public static boolean hasEscapes(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (escapeAt(s, i)) {
                return true;
            }
        }
        return false;
    }

    /** The name (last element) of a path read from a directory, as {@link #decode} gives it. */
    public static String name(Path p) {
        String s = p.getFileName().toString();
        if (JNU_UTF8 && s.indexOf('\uFFFD') < 0) {
            return s; // the platform decoded it exactly
        }
        String raw = p.toAbsolutePath().toUri().getRawPath(); // the bytes, %-escaped; a directory ends in '/'
        int end = raw.endsWith("/") ? raw.length() - 1 : raw.length();
        return decode(unescape(raw.substring(raw.lastIndexOf('/', end - 1) + 1, end)));
    }

    /** {@code base} with the relative path {@code rel} (as {@link #decode} gives names) appended, bytes intact. */
    public static Path resolve(Path base, String rel) {
        if (JNU_UTF8 && !hasEscapes(rel)) {
            return base.resolve(rel);
        }
        String abs = base.toAbsolutePath().toUri().getRawPath();
        StringBuilder u = new StringBuilder("file://").append(abs.endsWith("/") ? abs : abs + "/");
        for (byte x : encode(rel)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-'
                    || c == '_' || c == '.') {
                u.append((char) c);
            } else {
                u.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return Path.of(URI.create(u.toString()));
    }

    /**
     * The target of the symbolic link {@code rel} under {@code root} ({@code p}), its bytes intact where the system
     * calls can be used.
     */
    static String readLink(Path root, String rel, Path p) throws java.io.IOException {
        try {
            Posix.check();
        } catch (java.io.IOException noNative) {
            return java.nio.file.Files.readSymbolicLink(p).toString();
        }
        byte[] path = encode(root.toAbsolutePath() + "/" + rel);
        byte[] buf = new byte[PathGuard.MAX_PATH_BYTES + 1];
        long n = Posix.readlinkat(Posix.AT_FDCWD, Posix.c(path), buf, buf.length);
        if (n < 0) {
            throw Posix.fail(p.toString(), "readlink");
        }
        return decode(java.util.Arrays.copyOf(buf, (int) Math.min(n, buf.length)));
    }

    private static byte[] unescape(String raw) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
