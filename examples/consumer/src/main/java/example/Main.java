package example;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** README.md's embedding example as a user compiles it (ReadmeExampleTest keeps the two equal). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch led = new CountDownLatch(1);
        byte[] checkpoint = "chk-42".getBytes(StandardCharsets.UTF_8);
        // README:begin
        try (HaServices ha = HaServices.create(Map.of(
                "high-availability.type", "embedded",   // zookeeper, kubernetes: add their module
                "high-availability.cluster-id", "orders"))) {

            LeaderElection election = ha.leaderElection("dispatcher");
            StateStore jobs = ha.stateStore("jobs");
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(LeaderSession session) {
                    // publish our address to retrievers, then act with the session: a stale leader is refused
                    election.confirmLeadership(session, "http://10.0.0.5:8081");
                    jobs.put(session, "checkpoints/latest", checkpoint, StateStore.ANY);
                    led.countDown();
                }

                @Override
                public void revokeLeadership() {
                    // stop every leader-only action now
                }
            });

            ha.watchLeader("dispatcher", info -> System.out.println("dispatcher leader: " + info));
            led.await(10, TimeUnit.SECONDS);
        }
        // README:end
        if (led.getCount() != 0) {
            System.err.println("the example never led");
            System.exit(1);
        }
        System.out.println("the README example led and wrote through HAKit " + HaServices.class.getPackage());
    }
}
