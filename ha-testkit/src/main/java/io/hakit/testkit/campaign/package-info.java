/**
 * Seeded randomized fault campaigns: {@link io.hakit.testkit.campaign.FaultCampaign} runs contending processes that
 * write one key with leader-fenced puts while a {@link io.hakit.testkit.campaign.CampaignTarget} (a backend with
 * its servers and fault switches) applies random {@link io.hakit.testkit.campaign.FaultAction faults}, then checks the
 * {@link io.hakit.testkit.history.LeadershipHistory} and the final value.
 *
 * <p>A backend runs campaigns by implementing {@code CampaignTarget}: connect processes, list its faults (kill and
 * restart servers, partition a process, expire a session, ...), heal them all. A test then runs a few seeds and
 * rethrows a failure with its seed:
 *
 * <pre>{@code
 * long seed = FaultCampaign.seedProperty().orElseGet(() -> new Random().nextLong());
 * CampaignResult r = FaultCampaign.builder().seed(seed).steps(8).build().run(target);
 * r.assertPassed();   // the message names the seed (-Dhakit.campaign.seed=...) and the schedule
 * }</pre>
 *
 * {@link io.hakit.testkit.campaign.EmbeddedCampaignTarget} is the reference target; {@link
 * io.hakit.testkit.campaign.FencedWriters} is the workload on its own, for hand-written fault tests.
 */
package io.hakit.testkit.campaign;
