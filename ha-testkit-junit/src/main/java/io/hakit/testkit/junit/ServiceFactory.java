package io.hakit.testkit.junit;

import io.hakit.api.HaServices;

/**
 * Starts the service under test on one process, for {@link HaCluster#startServices(ServiceFactory)} and fault
 * campaigns.
 *
 * @param <S> the service; the cluster closes it before the process
 */
@FunctionalInterface
public interface ServiceFactory<S extends AutoCloseable> {

    /**
     * Starts the service on {@code process}.
     *
     * @param process the process's services
     * @param recorder where the service records what it does as leader
     * @return the started service
     * @throws Exception if it cannot start; the test fails with it
     */
    S start(HaServices process, ProcessRecorder recorder) throws Exception;
}
