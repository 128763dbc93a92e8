/**
 * The backend SPI: a {@link io.hakit.api.spi.HaBackendFactory} found with {@link java.util.ServiceLoader} by
 * {@code high-availability.type}, and three small drivers (election, retrieval, store) with no timing policy in
 * them, after client-go's {@code resourcelock.Interface} and Flink's {@code LeaderElectionDriver}. Everything about
 * sessions, confirmation, connection policy, leases measured locally, blobs and callbacks lives once in the core;
 * a driver makes each call atomic and fenced in its backend. A new backend proves itself by running the contract
 * suites of {@code io.hakit:ha-testkit}.
 */
package io.hakit.api.spi;
