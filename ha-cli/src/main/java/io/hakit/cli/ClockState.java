package io.hakit.cli;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether the kernel considers this node's clock synchronized, read with {@code adjtimex(2)} (modes 0: reads only, no
 * privilege needed), as {@code ntptime} and {@code timedatectl} do: an NTP daemon (chronyd, ntpd, systemd-timesyncd)
 * that disciplines the clock clears {@code STA_UNSYNC} and keeps {@code maxerror}, its bound on the clock's error.
 * Linux on a 64-bit machine only (the {@code struct timex} offsets below are those of LP64).
 */
final class ClockState {

    /** adjtimex's return value when the clock is not synchronized. */
    private static final int TIME_ERROR = 5;
    private static final int STA_UNSYNC = 0x0040;
    // struct timex on LP64: int modes (padded to 8), long offset, long freq, long maxerror, long esterror, int status
    private static final int MAXERROR = 24;
    private static final int STATUS = 40;
    /** sizeof(struct timex) is 208 on x86_64 and aarch64; room to spare. */
    private static final int SIZE = 512;

    /**
     * @param synced whether an NTP daemon disciplines the clock
     * @param maxErrorMicros the kernel's maximum error estimate (microseconds)
     */
    record State(boolean synced, long maxErrorMicros) {
    }

    interface Libc extends Library {
        int adjtimex(Pointer timex);
    }

    private ClockState() {
    }

    /** The clock's state, or empty when it cannot be read here (not 64-bit Linux, no native access). */
    static Optional<State> read() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                || !"64".equals(System.getProperty("sun.arch.data.model"))) {
            return Optional.empty();
        }
        try {
            Libc c = Native.load("c", Libc.class);
            Memory timex = new Memory(SIZE);
            timex.clear();
            int state = c.adjtimex(timex);
            if (state < 0) {
                return Optional.empty();
            }
            boolean synced = state != TIME_ERROR && (timex.getInt(STATUS) & STA_UNSYNC) == 0;
            return Optional.of(new State(synced, timex.getLong(MAXERROR)));
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
    }
}
