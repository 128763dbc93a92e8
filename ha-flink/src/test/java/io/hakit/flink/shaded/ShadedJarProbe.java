package io.hakit.flink.shaded;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Loaded by {@link ShadedJarIT} in a class loader that holds only the shaded {@code flink-lib} jar, slf4j and this
 * class: elects, publishes and writes a fenced key on the backend its configuration names, reads the key back, then
 * deletes the cluster's data. Returns what it saw.
 */
public final class ShadedJarProbe implements Function<Map<String, String>, String> {

    @Override
    public String apply(Map<String, String> config) {
        HaServices ha = HaServices.create(config);
        try {
            CompletableFuture<LeaderSession> granted = new CompletableFuture<>();
            LeaderElection election = ha.leaderElection("jobmanager");
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(LeaderSession session) {
                    granted.complete(session);
                }

                @Override
                public void revokeLeadership() {
                }
            });
            LeaderSession session = granted.get(30, TimeUnit.SECONDS);
            if (!election.confirmLeadership(session, "probe-address")) {
                throw new IllegalStateException("confirmLeadership refused a fresh grant");
            }
            StateStore store = ha.stateStore("probe");
            store.put(session, "checkpoint", "chk-1".getBytes(StandardCharsets.UTF_8), StateStore.NEW);
            String read = new String(store.get("checkpoint").orElseThrow().value(), StandardCharsets.UTF_8);
            election.close();
            return ha.config().type() + " epoch=" + session.epoch() + " read=" + read;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            ha.closeAndDeleteAllData();
        }
    }
}
