package io.hakit.testkit.campaign;

import java.util.Objects;
import java.util.Random;

/**
 * One kind of fault a {@link FaultCampaign} can apply in a step: kill a server, partition a process, expire a
 * session, and so on.
 *
 * <p>An action makes every choice (which server, which process, how long) with the {@link Random} it is given, so that
 * a campaign's seed reproduces its schedule. It runs on the campaign's thread between two holds and must return
 * within a few seconds; a fault that should last a while and then end by itself uses
 * {@link CampaignView#later(java.time.Duration, String, Runnable)} for its end. The target's
 * {@link CampaignTarget#heal()} must undo whatever an action leaves behind.
 */
public interface FaultAction {

    /**
     * A short stable name, shown in the schedule (for example {@code kill-member}).
     *
     * @return the action's name, the same for every call
     */
    String name();

    /**
     * Applies the fault.
     *
     * @param view the campaign's processes and who leads
     * @param random the only source of choices; seeded per step by the campaign
     * @return what was done, for the schedule (for example {@code "killed member 2 (127.0.0.1:40123)"}, or
     *     {@code "nothing to restart"} when the action did not apply)
     * @throws Exception if the fault could not be applied; the campaign records it in the schedule and goes on
     */
    String apply(CampaignView view, Random random) throws Exception;

    /** The body of an action made with {@link #of(String, Body)}. */
    @FunctionalInterface
    interface Body {
        /**
         * Applies the fault, as {@link FaultAction#apply(CampaignView, Random)}.
         *
         * @param view   the campaign's processes and who leads
         * @param random the only source of choices; seeded per step by the campaign
         * @return what was done, for the schedule
         * @throws Exception if the fault could not be applied; the campaign records it in the schedule and goes on
         */
        String apply(CampaignView view, Random random) throws Exception;
    }

    /**
     * An action with {@code name} and {@code body}.
     *
     * @param name the action's name in the schedule, not blank
     * @param body what the action does
     * @return the action; its {@code toString()} is its name
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static FaultAction of(String name, Body body) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a fault action needs a name");
        }
        return new FaultAction() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String apply(CampaignView view, Random random) throws Exception {
                return body.apply(view, random);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
