package io.hakit.api;

/**
 * A leader-only action was refused because the session it carried is no longer the current leadership: it was
 * revoked, superseded by a grant with a higher epoch, or the store has already seen a higher epoch.
 *
 * <p>The action had no effect. The caller must stop acting as leader for that session.
 */
public class LeadershipLostException extends HaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the detail message, naming the session or epoch refused
     */
    public LeadershipLostException(String message) {
        super(message);
    }
}
