package org.kernsim.protocol.kprobes;

import org.kernsim.protocol.WireMessage;

/**
 * {@code kprobe_optimizer()} as a protocol between the task that runs it (a dedicated kthread or a
 * kworker) and the {@code KprobeManager}, which owns kprobe_mutex and the probe state. Every step
 * is a separate message, so grace periods, stop_machine and lock hand-overs interleave with
 * everything else. Every message carries the optimizer run it belongs to.
 */
public sealed interface OptimizerMessage extends WireMessage
    permits OptimizerMessage.RunOptimizer,
        OptimizerMessage.Begin,
        OptimizerMessage.Granted,
        OptimizerMessage.Step,
        OptimizerMessage.StepDone,
        OptimizerMessage.End,
        OptimizerMessage.Blocked {

  /**
   * The delayed work item's timer fired (or a flush queued it): run {@code kprobe_optimizer()} once
   * more.
   */
  record RunOptimizer(long run) implements OptimizerMessage {}

  /**
   * The work item starts executing (its PENDING bit is cleared), then {@code
   * mutex_lock(&module_mutex); mutex_lock(&kprobe_mutex)}.
   */
  record Begin(int host, long run) implements OptimizerMessage {}

  /** Both mutexes are held by the optimizer; {@code next} is its first step. */
  record Granted(long run, OptimizerStep next) implements OptimizerMessage {}

  /** Run step {@code step} of the optimizer (under the mutexes it holds). */
  record Step(long run, OptimizerStep step) implements OptimizerMessage {}

  /**
   * Step {@code step} returned; {@code probes} probes were processed; {@code next} is the step the
   * kernel's {@code kprobe_optimizer()} takes next.
   */
  record StepDone(long run, OptimizerStep step, int probes, OptimizerStep next)
      implements OptimizerMessage {}

  /**
   * Unlock both mutexes, then (v2.6.38) Step 5: kick again if a list is not empty, else
   * complete_all.
   */
  record End(long run) implements OptimizerMessage {}

  /**
   * To a kworker running the optimizer as a work item: the request it made in {@code phase} (0: the
   * mutexes of {@link Begin}; 1 + {@link OptimizerStep#ordinal()}: a step) blocks — the mutex is
   * contended, or the step calls stop_machine() — so the kworker sleeps ({@code schedule()}, with
   * {@code wq_worker_sleeping()}) instead of going on at once. {@code run} is 0 for phase 0.
   */
  record Blocked(long run, int phase) implements OptimizerMessage {}

  /**
   * The steps of {@code kprobe_optimizer()} that run under its mutexes, in the seed's numbering;
   * which ones a run takes, and in what order, is the kernel's (the manager says, step by step).
   */
  enum OptimizerStep {
    /** Step 1: {@code do_unoptimize_kprobes(&free_list)} (v2.6.38 on). */
    DO_UNOPTIMIZE,
    /** Step 2: the grace period ({@code synchronize_sched()}), with the mutexes held. */
    SYNCHRONIZE,
    /** Step 3: {@code do_optimize_kprobes()} (before the seed: the optimisation loop). */
    DO_OPTIMIZE,
    /** Step 4: {@code do_free_cleaned_kprobes(&free_list)} (v2.6.38 on). */
    DO_FREE_CLEANED,
    /** Not a step: unlock (and, v2.6.38, Step 5): the task sends {@link End}. */
    END
  }
}
