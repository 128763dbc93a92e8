/**
 * Alarms for operators: a catalogue of {@link io.hakit.api.alarm.AlarmType}s with stable ids and severities, an
 * {@link io.hakit.api.alarm.AlarmRegistry} with idempotent raise and clear that clears alarms automatically when
 * their cause is gone, listeners with a serial threading contract, and the
 * {@link io.hakit.api.alarm.RestartLoopDetector} built on the reusable
 * {@link io.hakit.api.alarm.SlidingWindowCounter}.
 *
 * <p>Alarm ids follow the FlinkServer alarms HAKit replaces (45640 heartbeat interrupted, 45641 synchronization
 * failed, 45653/45654/45655 certificate invalid / expiring / expired, ...), so existing monitoring keeps working.
 * Wall-clock time is used only for display; every duration is measured with an injected
 * {@link io.hakit.api.Ticker}.
 */
package io.hakit.api.alarm;
