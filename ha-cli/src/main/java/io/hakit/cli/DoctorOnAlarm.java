package io.hakit.cli;

import io.hakit.api.alarm.AlarmEvent;
import io.hakit.api.alarm.AlarmListener;
import io.hakit.api.support.EventExecutor;
import io.hakit.keepalive.KeepaliveAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * When the agent raises an alarm, logs why in one line: {@code doctor: <n> FAIL, <m> WARN: <first failing check>:
 * <detail>}, from {@link Doctor#local()} (the cheap local checks: no tree walk, no connection to the peer) run in the
 * agent's process. The alarm listener only schedules: the checks run on a thread of their own, a short while after
 * the first of a burst of raises (one run covers them), at most once per {@link #MIN_GAP}, each bounded by
 * {@link #LIMIT} (a file system that does not answer is reported, not waited for; while such a run hangs, later ones
 * are skipped and say so).
 */
final class DoctorOnAlarm implements AlarmListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DoctorOnAlarm.class);
    /** Raises within this delay of the first are covered by one run. */
    static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** At most one run per this interval. */
    static final Duration MIN_GAP = Duration.ofSeconds(10);
    /** How long the checks may take. */
    static final Duration LIMIT = Duration.ofSeconds(10);

    private final Path config;
    private final KeepaliveAgent agent;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            EventExecutor.daemon("hakit-doctor"));
    private final ExecutorService checks = Executors.newSingleThreadExecutor(
            EventExecutor.daemon("hakit-doctor-checks"));
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile long lastRunNanos = System.nanoTime() - MIN_GAP.toNanos();
    /** True from the start to the end of a run of the checks, also one that was given up on (it may hang). */
    private final AtomicBoolean checking = new AtomicBoolean();

    private DoctorOnAlarm(Path config, KeepaliveAgent agent) {
        this.config = config;
        this.agent = agent;
    }

    /** Listens to {@code agent}'s alarms; {@code config} is the file it runs with (read again at each run). */
    static DoctorOnAlarm watch(Path config, KeepaliveAgent agent) {
        DoctorOnAlarm d = new DoctorOnAlarm(config, agent);
        agent.node().alarms().addListener(d);
        return d;
    }

    @Override
    public void onAlarmEvent(AlarmEvent e) {
        if (e.kind() != AlarmEvent.Kind.RAISED || !scheduled.compareAndSet(false, true)) {
            return;
        }
        String why = e.type().id() + " " + e.type() + " raised";
        long wait = Math.max(DEBOUNCE.toNanos(), lastRunNanos + MIN_GAP.toNanos() - System.nanoTime());
        try {
            scheduler.schedule(() -> run(why), wait, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            scheduled.set(false);
        }
    }

    private void run(String why) {
        scheduled.set(false);
        lastRunNanos = System.nanoTime();
        if (checking.get()) {
            LOG.warn("doctor: not run after {}: the previous run of the local checks has not finished (a file system "
                    + "that does not answer?)", why);
            return;
        }
        checking.set(true);
        Future<List<Doctor.Finding>> running = checks.submit(() -> {
            Doctor d = new Doctor(config, stateDir -> AgentView.of(agent), Clock.systemUTC(), Doctor.PROBE_TIMEOUT);
            try {
                return d.local();
            } finally {
                d.close();
                checking.set(false);
            }
        });
        try {
            List<Doctor.Finding> findings = running.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            String line = "doctor: " + Doctor.summary(findings) + " (after " + why + ")";
            if (Doctor.worst(findings) == Doctor.Level.FAIL) {
                LOG.warn(line);
            } else {
                LOG.info(line);
            }
        } catch (TimeoutException t) {
            running.cancel(true);
            LOG.warn("doctor: the local checks did not finish within {} s after {} (a file system that does not "
                    + "answer?)", LIMIT.toSeconds(), why);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException ex) {
            LOG.warn("doctor: the local checks failed after {}: {}", why, ex.getCause().toString());
        }
    }

    @Override
    public void close() {
        agent.node().alarms().removeListener(this);
        scheduler.shutdownNow();
        checks.shutdownNow();
    }
}
