package org.kernsim.run;

import java.util.List;

/**
 * Fault plans the exploration tests share, written once: this module's tests use them directly,
 * {@code kernsim-deploy}'s and {@code kernsim-tests}' through this module's test-fixtures jar
 * ({@code maven-jar-plugin}'s {@code test-jar}, holding only this class). They are ablations of the
 * model's settings ({@code workqueue.kick} among them), not a fault plan of the engine, so they
 * stay out of main code: {@code engine} knows no model setting and a user spells them with {@code
 * --set} (docs/exploration.md).
 */
public final class Ablations {
  private Ablations() {}

  /**
   * An ablation, not the kernel (docs/exploration.md, "Liveness phase"): lost wake-ups and delayed
   * messages until 400 s, the fixed kick variant; many seeds violate Liveness, which names the work
   * that never ran.
   */
  public static final List<String> LOST_WAKEUPS_UNTIL_400S =
      List.of(
          "faults.drop.probability=0.2",
          "faults.delay.probability=0.1",
          "liveness.faults-off-at=400s",
          "liveness.bound=10s",
          "workqueue.kick=claim");
}
