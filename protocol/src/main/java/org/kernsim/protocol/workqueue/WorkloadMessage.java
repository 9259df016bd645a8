package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/** The workload's own messages: its timers, and the PENDING bits of its delayed work. */
public sealed interface WorkloadMessage extends WireMessage
    permits WorkloadMessage.Wakeup,
        WorkloadMessage.DelayedWorkTimer,
        WorkloadMessage.PendingCleared,
        WorkloadMessage.BarrierDone {

  /** The workload task's own timer (the next phase of its script). */
  record Wakeup(long token) implements WorkloadMessage {}

  /** {@code delayed_work_timer_fn()}: the delayed item's timer expired (softirq). */
  record DelayedWorkTimer(long item, int pool) implements WorkloadMessage {}

  /** A worker cleared the PENDING bit of {@code item} ({@code set_work_pool_and_clear_pending}). */
  record PendingCleared(long item) implements WorkloadMessage {}

  /**
   * The barrier's function ran ({@code wq_barrier_func()}: {@code complete(&barr->done)}): the
   * flush is over.
   */
  record BarrierDone(long barrier) implements WorkloadMessage {}
}
