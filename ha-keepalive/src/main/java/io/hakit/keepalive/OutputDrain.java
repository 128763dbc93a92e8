package io.hakit.keepalive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads a stream to its end, keeping its first bytes. */
final class OutputDrain implements Runnable {
    private final InputStream in;
    private final byte[] head;
    private int kept;

    OutputDrain(InputStream in, int keep) {
        this.in = in;
        this.head = new byte[keep];
    }

    @Override
    public void run() {
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                synchronized (this) {
                    int take = Math.min(n, head.length - kept);
                    System.arraycopy(buf, 0, head, kept, take);
                    kept += take;
                }
            }
        } catch (IOException closed) {
            // the check closed the stream: nothing more to keep
        }
    }

    /** The bytes kept so far, as text. */
    synchronized String head() {
        return new String(head, 0, kept, StandardCharsets.UTF_8).trim();
    }
}
