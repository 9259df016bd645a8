package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/**
 * The workqueue's side of CPU hotplug that the v3.8/v3.9 {@code wq_unbind_fn()} runs as a work item
 * on the dying CPU's highpri pool ({@code kernel/workqueue.c}): one message per step, to each of
 * the CPU's standard pools in turn. (The mainline {@code unbind_workers()} and {@code
 * rebind_workers()} are the pools' answers to {@code HotplugMessage.CpuhpCallback}.)
 */
public sealed interface WqHotplug extends WireMessage
    permits WqHotplug.UnbindStep, WqHotplug.UnbindStepDone {

  /** What one step of {@code wq_unbind_fn()} does to a pool. */
  enum Step {
    /**
     * Under {@code pool->lock} (and {@code assoc_mutex}): every worker gets {@code WORKER_UNBOUND},
     * the pool {@code POOL_DISASSOCIATED}; {@code nr_running} is left as it is.
     */
    UNBIND,
    /** {@code atomic_set(&pool->nr_running, 0)}: no lock, no answer. */
    ZAP_NR_RUNNING,
    /** v3.9 (eb2834285cf1): under {@code pool->lock}, {@code wake_up_worker(pool)}. */
    WAKE_UP_WORKER
  }

  /** Kworker {@code worker} (life {@code incarnation}), on CPU {@code cpu}, does {@code step}. */
  record UnbindStep(int worker, long incarnation, int cpu, Step step) implements WqHotplug {}

  /** The pool's answer to a locked step (the unlock). */
  record UnbindStepDone(Step step) implements WqHotplug {}
}
