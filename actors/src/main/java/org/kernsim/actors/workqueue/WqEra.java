package org.kernsim.actors.workqueue;

import java.util.Arrays;
import java.util.List;

/**
 * Which kernel's {@code kernel/workqueue.c} the pools follow where it changed in a way the model
 * can see ({@code workqueue.era}). Each value is one version, whole: its manager, its
 * concurrency-management hooks and its idle culling.
 *
 * <ul>
 *   <li>{@code v3.18}: Linux 3.18 before commit 29187a9eeaf3 ("workqueue: fix subtle pool
 *       management issue which can stall whole worker_pool", Tejun Heo, 3.19-rc and 3.18.4): {@code
 *       maybe_create_worker()} returns early, under {@code pool->lock}, when {@code
 *       need_to_create_worker()} is false, and {@code manage_workers()} then returns false, so the
 *       last idle worker goes on to run work items (spec C.9 WQ-H1, catalogue WQ-6). The scheduler
 *       hooks of that time: {@code wq_worker_waking_up()} increments {@code nr_running} from {@code
 *       try_to_wake_up()} (the waker's CPU, without {@code pool->lock}), {@code
 *       wq_worker_sleeping()} decrements it under the runqueue lock and wakes the first idle
 *       worker; {@code idle_worker_timeout()} destroys expired workers itself ({@code
 *       destroy_worker()}: WORKER_DIE and a wake-up, no reaper);
 *   <li>{@code v3.19}: the same kernel with that fix: {@code manage_workers()} returns false only
 *       if someone else manages;
 *   <li>{@code v2026}: the kernel the seed applies to (May 2026, {@code kernel/workqueue.c} index
 *       8df671066dd1): {@code wq_worker_running()} increments {@code nr_running} when the worker
 *       runs again, the cull is {@code idle_cull_fn()} on {@code system_unbound_wq} with {@code
 *       reap_dying_workers()}, {@code wq_worker_tick()} marks CPU hogs WORKER_CPU_INTENSIVE (since
 *       6.5), and the {@code workqueue.kick} variants of the 2026 series apply.
 * </ul>
 */
public enum WqEra {
  V3_18("v3.18"),
  V3_19("v3.19"),
  V2026("v2026");

  public final String key;

  WqEra(String key) {
    this.key = key;
  }

  /** {@code maybe_create_worker()}'s early exit (3.18, WQ-6). */
  public boolean managerEarlyExit() {
    return this == V3_18;
  }

  /**
   * Whether the manager's first critical section is modelled with its length: {@code
   * need_more_worker()} at {@code recheck:} and the end of {@code manage_workers()}' locked part
   * are two moments, and lockless {@code nr_running} increments from other CPUs can land in between
   * (3.x, where they come from {@code wq_worker_waking_up()} on the waker's CPU).
   */
  public boolean managerWindow() {
    return this != V2026;
  }

  /** {@code wq_worker_waking_up()}: {@code nr_running++} at the wake-up, not when it runs (3.x). */
  public boolean nrRunningAtWakeUp() {
    return this != V2026;
  }

  /** {@code idle_worker_timeout()} calls {@code destroy_worker()} itself (3.17 .. 6.4). */
  public boolean cullInTimer() {
    return this != V2026;
  }

  /** {@code wq_worker_tick()} (6.5+). */
  public boolean cpuIntensiveTick() {
    return this == V2026;
  }

  public static List<String> keys() {
    return Arrays.stream(values()).map(v -> v.key).toList();
  }

  public static WqEra of(String key) {
    for (WqEra v : values()) if (v.key.equals(key)) return v;
    throw new IllegalArgumentException("unknown workqueue.era " + key);
  }
}
