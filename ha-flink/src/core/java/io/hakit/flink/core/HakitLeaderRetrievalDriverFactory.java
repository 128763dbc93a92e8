package io.hakit.flink.core;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderRetrievalListener;
import io.hakit.api.Subscription;
import org.apache.flink.runtime.leaderelection.LeaderInformation;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalDriver;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalDriverFactory;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalEventHandler;
import org.apache.flink.runtime.rpc.FatalErrorHandler;

/**
 * Flink's leader retrieval of one component from HAKit's {@link HaServices#watchLeader}: the process's one watch
 * serves every component. Empty leader information reaches Flink when no leader is confirmed. Flink's handler is called
 * on HAKit's event thread, in order; an error the watch cannot handle goes to Flink's fatal error handler, as with
 * Flink's own drivers.
 */
final class HakitLeaderRetrievalDriverFactory implements LeaderRetrievalDriverFactory {

    private final HaServices ha;
    private final String componentId;

    HakitLeaderRetrievalDriverFactory(HaServices ha, String componentId) {
        this.ha = ha;
        this.componentId = componentId;
    }

    @Override
    public LeaderRetrievalDriver createLeaderRetrievalDriver(LeaderRetrievalEventHandler handler,
            FatalErrorHandler fatalErrorHandler) {
        Subscription s = ha.watchLeader(componentId, new LeaderRetrievalListener() {
            @Override
            public void notifyLeaderAddress(io.hakit.api.LeaderInformation info) {
                handler.notifyLeaderAddress(info.isEmpty() ? LeaderInformation.empty()
                        : LeaderInformation.known(info.sessionId().orElseThrow(), info.address().orElseThrow()));
            }

            @Override
            public void handleError(Throwable error) {
                fatalErrorHandler.onFatalError(new Exception("HAKit leader retrieval of " + componentId + " failed",
                        error));
            }
        });
        return new LeaderRetrievalDriver() {
            @Override
            public void close() {
                s.close();
            }

            @Override
            public String toString() {
                return "HakitLeaderRetrievalDriver{" + componentId + "}";
            }
        };
    }
}
