package org.kernsim.run;

import java.util.List;

/** Fault plans the exploration tests share. */
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
