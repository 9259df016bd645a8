package org.kernsim.actors.placement;

import java.util.List;

/**
 * Where a woken task that may run on several CPUs runs ({@code sched.wake-placement}). A task bound
 * to one CPU (a per-CPU kworker, a pinned workload thread) always runs on that CPU.
 */
public enum Placement {
  /**
   * Not a kernel: the task is enqueued on the CPU it last ran on (an unbound kworker stays on the
   * CPU it was created on; the model before sched.wake-placement existed; the default, so the
   * built-in scenarios keep their hashes).
   */
  PREV_CPU("prev-cpu"),
  /**
   * v6.13.7 {@code select_task_rq_fair()} for a wake-up ({@code kernel/sched/fair.c}): {@code
   * wake_affine()} then {@code select_idle_sibling()} — see {@link SelectTaskRq}.
   */
  SELECT_IDLE_SIBLING("select-idle-sibling");

  private final String key;

  Placement(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static List<String> keys() {
    return List.of(PREV_CPU.key, SELECT_IDLE_SIBLING.key);
  }

  public static Placement of(String key) {
    for (Placement p : values()) if (p.key.equals(key)) return p;
    throw new IllegalArgumentException("unknown sched.wake-placement " + key);
  }
}
