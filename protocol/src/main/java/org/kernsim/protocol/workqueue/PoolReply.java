package org.kernsim.protocol.workqueue;

import java.util.List;
import org.kernsim.protocol.WireMessage;

/** The pool's answers: each stands for the unlock of the requester's critical section. */
public sealed interface PoolReply extends WireMessage
    permits PoolReply.Queued,
        PoolReply.Execute,
        PoolReply.GoIdle,
        PoolReply.Die,
        PoolReply.BecomeManager,
        PoolReply.CreateResult,
        PoolReply.SleepingDone,
        PoolReply.CullList,
        PoolReply.QueuedOn,
        PoolReply.BarrierInserted,
        PoolReply.TickDone {

  /** {@code __queue_work()} done; in the deferred-wake variants, the worker to wake now. */
  record Queued(long reqId, Wake wake) implements PoolReply {}

  /**
   * Run {@code item} ({@code process_one_work()} unlocked). {@code counted}: the worker is in
   * {@code nr_running} (per-CPU pool, PREP cleared). {@code wake}: the worker {@code kick_pool()}
   * picked, to wake after the unlock (deferred variants); {@code preemptible}: whether the code
   * between the unlock and the wake can be preempted (v1: yes; v2's {@code
   * raw_spin_unlock_irq_wake()}: no).
   */
  record Execute(WorkItem item, boolean counted, Wake wake, boolean preemptible)
      implements PoolReply {}

  /**
   * {@code worker_enter_idle()} + TASK_IDLE + unlock done: {@code schedule()} in sleep {@code
   * epoch}.
   */
  record GoIdle(long epoch) implements PoolReply {}

  /**
   * WORKER_DIE was set: return from {@code worker_thread()}; {@code stopper} waits in
   * kthread_stop().
   */
  record Die(int stopper) implements PoolReply {}

  /**
   * {@code manage_workers()}: POOL_MANAGER_ACTIVE is ours; {@code maybe_create_worker()} unlocked.
   */
  record BecomeManager() implements PoolReply {}

  /**
   * {@code create_worker()} done (or failed); {@code needToCreate}: {@code
   * need_to_create_worker()}.
   */
  record CreateResult(boolean created, boolean needToCreate) implements PoolReply {}

  /** {@code wq_worker_sleeping()}'s unlock: the worker may now block. */
  record SleepingDone() implements PoolReply {}

  /** {@code idle_cull_fn()}'s locked loop done: the workers to reap, in cull order. */
  record CullList(List<DyingWorker> dying) implements PoolReply {}

  /**
   * {@link PoolRequest.QueueWorkIfExecuting} done: {@code pool} took the item; {@code wake} as in
   * {@link Queued}.
   */
  record QueuedOn(long reqId, int pool, Wake wake) implements PoolReply {}

  /**
   * {@link PoolRequest.InsertBarrier} done: {@code inserted} is false when there was nothing to
   * flush.
   */
  record BarrierInserted(long reqId, boolean inserted) implements PoolReply {}

  /**
   * {@code wq_worker_tick()}'s unlock; {@code cpuIntensive}: the worker is now
   * WORKER_CPU_INTENSIVE.
   */
  record TickDone(boolean cpuIntensive) implements PoolReply {}
}
