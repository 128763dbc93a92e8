package io.hakit.api.alarm;

/**
 * Receives the alarm changes of an {@link AlarmRegistry}.
 *
 * <p><b>Threading contract.</b> Events are delivered on the registry's serial executor, one at a time, never
 * concurrently (not even to different listeners of the same registry), in the order the changes happened, and
 * never while the registry holds its internal lock, so a listener may call back into the registry (query, raise,
 * clear); the events such a call causes are delivered after the current one. A listener receives the events of
 * every change made after {@link AlarmRegistry#addListener(AlarmListener)} returned; events of changes made before
 * {@link AlarmRegistry#removeListener(AlarmListener)} returned may still arrive after it.
 *
 * <p>A listener should return quickly: a slow listener delays every later event of the registry (and, on a shared
 * executor, other work). Events can be stale by the time they are handled (the alarm may already have cleared);
 * use {@link AlarmRegistry#isActive(AlarmType, String)} for the current state. A listener that throws is logged and
 * does not prevent delivery to the others or of later events.
 */
@FunctionalInterface
public interface AlarmListener {

    /**
     * Called once per change, on the registry's serial executor.
     *
     * @param e the change
     */
    void onAlarmEvent(AlarmEvent e);
}
