package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/**
 * Messages to a {@code WorkerPool}. Each one is handled as one {@code pool->lock} critical section
 * (spec F.2): the requester spins on the lock until the matching {@link PoolReply} arrives, which
 * stands for the unlock. {@code cpu} is the CPU the requester runs on (for the timeline).
 */
public sealed interface PoolRequest extends WireMessage
    permits PoolRequest.QueueWork,
        PoolRequest.WorkerWokeUp,
        PoolRequest.WorkDone,
        PoolRequest.WorkerSleeping,
        PoolRequest.WorkerRunning,
        PoolRequest.CreateWorker,
        PoolRequest.ManagerDone,
        PoolRequest.IdleCullPass,
        PoolRequest.WorkerExited,
        PoolRequest.PendingCleared,
        PoolRequest.IdleTimerFired,
        PoolRequest.MaydayTimerFired,
        PoolRequest.QueueWorkIfExecuting,
        PoolRequest.InsertBarrier,
        PoolRequest.ManagerWindowEnd,
        PoolRequest.WorkerTick {

  /** {@code __queue_work()}: lock, {@code insert_work()}, {@code kick_pool()}, unlock. */
  record QueueWork(int requester, int cpu, long reqId, WorkItem item, QueueContext context)
      implements PoolRequest {}

  /**
   * {@code worker_thread()} at {@code woke_up:}: lock, the WORKER_DIE test, {@code
   * worker_leave_idle()}, {@code recheck:} and, if there is work, {@code process_one_work()} up to
   * its unlock. {@code nextEpoch} is the sleep the worker will be in if it is told to go idle.
   */
  record WorkerWokeUp(int worker, long incarnation, int cpu, long nextEpoch)
      implements PoolRequest {}

  /**
   * {@code process_one_work()} after the function returned: relock, release the item, then {@code
   * keep_working()} (the next item up to its unlock) or {@code worker_enter_idle()} + unlock.
   */
  record WorkDone(int worker, long incarnation, int cpu, long item, long nextEpoch)
      implements PoolRequest {}

  /**
   * {@code wq_worker_sleeping()}: a counted worker blocks: {@code nr_running--}, {@code
   * kick_pool()}.
   */
  record WorkerSleeping(int worker, long incarnation, int cpu) implements PoolRequest {}

  /**
   * {@code wq_worker_running()}: the worker runs again: {@code nr_running++} (no lock; no reply).
   */
  record WorkerRunning(int worker, long incarnation) implements PoolRequest {}

  /**
   * The manager in {@code maybe_create_worker()}: {@code create_worker()}'s locked part (attach,
   * {@code nr_workers++}, {@code worker_enter_idle()}, {@code wake_up_process()}). With {@code
   * afterCooldown} it first rereads {@code need_to_create_worker()} after CREATE_COOLDOWN.
   */
  record CreateWorker(int manager, long incarnation, int cpu, boolean afterCooldown)
      implements PoolRequest {}

  /**
   * The end of {@code maybe_create_worker()}: relock, restart if still {@code
   * need_to_create_worker()}, else clear POOL_MANAGER_ACTIVE and {@code goto recheck}.
   */
  record ManagerDone(int manager, long incarnation, int cpu, long nextEpoch)
      implements PoolRequest {}

  /**
   * {@code idle_cull_fn()}: with {@code wq_pool_attach_mutex} held, lock the pool and {@code
   * set_worker_dying()} expired tail workers while {@code too_many_workers()}.
   */
  record IdleCullPass(int requester, int cpu) implements PoolRequest {}

  /**
   * The dying worker returned from {@code worker_thread()} ({@code ida_free()}): its slot is free.
   */
  record WorkerExited(int worker, long incarnation) implements PoolRequest {}

  /** The worker running {@code item} cleared its PENDING bit (the owner holds the bit). */
  record PendingCleared(long item) implements PoolRequest {}

  /** {@code pool->idle_timer} fired: {@code idle_worker_timeout()}. */
  record IdleTimerFired() implements PoolRequest {}

  /** {@code pool->mayday_timer} fired: {@code pool_mayday_timeout()}. */
  record MaydayTimerFired() implements PoolRequest {}

  /**
   * {@code __queue_work()}'s non-reentrancy step, sent to the pool the item last ran on ({@code
   * get_work_pool()}): if one of its workers is executing this very item, queue it here (it then
   * runs after that execution, on that worker); else unlock and {@code __queue_work()} on {@code
   * fallbackPool}. The answer is {@link PoolReply.QueuedOn} from whichever pool took the item.
   */
  record QueueWorkIfExecuting(
      int requester, int cpu, long reqId, WorkItem item, QueueContext context, int fallbackPool)
      implements PoolRequest {}

  /**
   * {@code flush_work()}'s {@code start_flush_work()} + {@code insert_wq_barrier()} on the pool
   * where {@code target} was last queued or ran: if {@code target} is queued (on the worklist or a
   * scheduled list), {@code barrier} goes right after it (linked: it moves with it); else if a
   * worker is executing it, at the head of that worker's scheduled list; else nothing to flush.
   * Neither case kicks the pool. Answered by {@link PoolReply.BarrierInserted}.
   */
  record InsertBarrier(int requester, int cpu, long reqId, long target, WorkItem barrier)
      implements PoolRequest {}

  /**
   * The pool to itself (3.x eras): the end of the critical section in which {@code manager} took
   * the manager role at {@code recheck:} (see {@code WqEra.managerWindow()}); until it, only
   * lockless updates ({@code nr_running++} from {@code wq_worker_waking_up()}) reach the pool.
   */
  record ManagerWindowEnd(int manager, long incarnation, int cpu, long nextEpoch)
      implements PoolRequest {}

  /**
   * {@code wq_worker_tick()}: the scheduler tick on {@code cpu} finds {@code worker} has run its
   * item for {@code wq_cpu_intensive_thresh_us} without sleeping; {@code
   * raw_spin_lock(&pool->lock)} from the tick (IRQ context). Answered by {@link
   * PoolReply.TickDone}.
   */
  record WorkerTick(int worker, long incarnation, int cpu) implements PoolRequest {}

  /** Where {@code __queue_work()} runs: both have IRQs disabled (no preemption before the wake). */
  enum QueueContext {
    /**
     * {@code queue_work_on()} from a task: {@code local_irq_save()} around {@code __queue_work()}.
     */
    TASK,
    /** A timer callback in softirq ({@code delayed_work_timer_fn}, {@code idle_worker_timeout}). */
    SOFTIRQ
  }
}
