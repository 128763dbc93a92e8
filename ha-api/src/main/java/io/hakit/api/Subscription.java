package io.hakit.api;

/** A registration (listener, watch) that is cancelled by {@link #close()}. Closing twice is harmless. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    /** Cancels the registration. After it returns no further callback starts; one already running may finish. */
    @Override
    void close();
}
