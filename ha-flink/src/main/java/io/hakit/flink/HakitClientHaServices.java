package io.hakit.flink;

import io.hakit.flink.core.HakitProcess;
import org.apache.flink.runtime.highavailability.ClientHighAvailabilityServices;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalService;

/** A client's HA services: the REST endpoint's leader, retrieved through a HAKit process that never contends. */
final class HakitClientHaServices implements ClientHighAvailabilityServices {

    private final HakitProcess process;

    HakitClientHaServices(HakitProcess process) {
        this.process = process;
    }

    @Override
    public LeaderRetrievalService getClusterRestEndpointLeaderRetriever() {
        return process.leaderRetrievalService(HakitHaServices.REST_SERVER);
    }

    @Override
    public void close() {
        process.close();
    }
}
