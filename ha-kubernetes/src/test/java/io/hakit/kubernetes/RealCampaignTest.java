package io.hakit.kubernetes;

import io.hakit.testkit.campaign.CampaignResult;
import io.hakit.testkit.campaign.FaultCampaign;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded randomized fault campaigns ({@link FaultCampaign}) on a real API server ({@link K8sCampaignTarget}): three
 * processes write one key with fenced puts while they are partitioned and blipped, the Lease is stolen, the apiserver
 * is killed and restarted, leaders close their election and stall. The leadership-history checker must find no
 * violation. {@value #SCHEDULES} schedules with fresh seeds ({@code -Dhakit.campaign.schedules=N});
 * {@code -Dhakit.campaign.seed=S} reruns one; {@code benchmarks/run k8s-campaign} runs 200.
 */
class RealCampaignTest {

    static final int SCHEDULES = 2;

    @RegisterExtension
    static final RealApiServer SERVER = new RealApiServer();

    @Test
    void seededFaultCampaignsOnARealApiServerFindNoViolation() {
        OptionalLong pinned = FaultCampaign.seedProperty();
        int schedules = pinned.isPresent() ? 1 : Integer.getInteger("hakit.campaign.schedules", SCHEDULES);
        Random seeds = new Random();
        List<CampaignResult> failed = new ArrayList<>();
        K8sCampaignTarget target = new K8sCampaignTarget(SERVER.get());
        try {
            for (int i = 0; i < schedules; i++) {
                long seed = pinned.isPresent() ? pinned.getAsLong() : seeds.nextLong();
                CampaignResult r = K8sCampaignTarget.campaign(seed).run(target);
                System.out.println("k8s campaign " + (i + 1) + "/" + schedules + ": " + r.summary());
                if (!r.passed()) {
                    failed.add(r);
                    System.out.println(r.report());
                } else if (Boolean.getBoolean("hakit.campaign.verbose")) {
                    System.out.println(r.report());
                }
            }
        } finally {
            target.close();
        }
        assertThat(failed).as("failed schedules (rerun one with -D%s=<seed>):%n%s", FaultCampaign.SEED_PROPERTY,
                failed.stream().map(CampaignResult::report).reduce("", String::concat)).isEmpty();
    }
}
