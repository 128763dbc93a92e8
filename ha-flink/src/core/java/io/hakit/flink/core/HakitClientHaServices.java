package io.hakit.flink.core;

import org.apache.flink.runtime.highavailability.ClientHighAvailabilityServices;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalService;

/**
 * A client's HA services: the REST endpoint's leader, retrieved through a HAKit process that never contends. The same
 * class serves every Flink line: {@link ClientHighAvailabilityServices} did not change between them.
 */
public final class HakitClientHaServices implements ClientHighAvailabilityServices {

    private final HakitProcess process;

    /**
     * Client services on {@code process}, which they close.
     *
     * <p>Not API: the Flink 2.3 and 1.20 factories create them.
     *
     * @param process the process to retrieve the REST endpoint's leader through; it should never contend (open no
     *     election driver on it), and it is closed by {@link #close()}
     */
    public HakitClientHaServices(HakitProcess process) {
        this.process = process;
    }

    @Override
    public LeaderRetrievalService getClusterRestEndpointLeaderRetriever() {
        return process.leaderRetrievalService(HakitProcess.REST_SERVER);
    }

    @Override
    public void close() {
        process.close();
    }
}
