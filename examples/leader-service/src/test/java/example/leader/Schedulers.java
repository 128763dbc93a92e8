package example.leader;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.testkit.junit.ProcessRecorder;

import java.time.Duration;

/** Starts schedulers for the tests, reporting to the test's recorder. */
final class Schedulers {

    static final Duration TICK = Duration.ofMillis(10);

    private Schedulers() {
    }

    /** The recorder behind a scheduler's observer: what it dispatches as leader, and its records' outcomes. */
    static JobScheduler.Observer observer(ProcessRecorder recorder) {
        return new JobScheduler.Observer() {
            @Override
            public void dispatching(LeaderSession session, String job) {
                recorder.acting(session, "dispatch " + job);
            }

            @Override
            public void recording(LeaderSession session, String key, Runnable write) {
                recorder.write(session, key, () -> {
                    write.run();
                    return key;
                });
            }
        };
    }

    static JobScheduler correct(HaServices process, ProcessRecorder recorder) {
        return new JobScheduler(process, observer(recorder), TICK);
    }

    static JobScheduler broken(HaServices process, ProcessRecorder recorder) {
        return new BrokenJobScheduler(process, observer(recorder), TICK);
    }
}
