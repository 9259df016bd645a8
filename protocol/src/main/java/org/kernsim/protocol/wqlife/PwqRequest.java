package org.kernsim.protocol.wqlife;

import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * Messages to a worker pool about its pool_workqueues and its own life ({@code kernel/workqueue.c},
 * 2026): each is one {@code pool->lock} critical section of that pool unless it says otherwise.
 * {@code cpu} is the CPU the requester runs on; the answer is a {@link LifeReply} with {@code
 * token}.
 */
public sealed interface PwqRequest extends WireMessage
    permits PwqRequest.InitPwq,
        PwqRequest.QueueOnPwq,
        PwqRequest.PutPwq,
        PwqRequest.PwqBusy,
        PwqRequest.FlushPwq,
        PwqRequest.InitPool,
        PwqRequest.PutUnboundPoolLocked,
        PwqRequest.DeleteIdleTimer,
        PwqRequest.DeleteMaydayTimer,
        PwqRequest.CancelWork,
        PwqRequest.CullWorkCancelled,
        PwqRequest.MaydayRejected,
        PwqRequest.RescueStart,
        PwqRequest.RescueWorkDone {

  /**
   * {@code init_pwq()}: a new pool_workqueue of workqueue {@code wq} on this pool (refcnt 1). Not a
   * lock section (the pwq is not published yet); answered so that it is published only after.
   */
  record InitPwq(
      int requester,
      long token,
      long pwq,
      int wq,
      boolean unbound,
      int maxActive,
      boolean cpuIntensive,
      int rescuer)
      implements PwqRequest {}

  /**
   * {@code __queue_work()} from {@code pwq} determined and locked: the refcnt test (retry on a
   * released unbound pwq), {@code nr_in_flight++}, then {@code insert_work()} and {@code
   * kick_pool()} if an {@code nr_active} slot is free, else onto {@code pwq->inactive_works}.
   * Answered by {@code PoolReply.Queued} (or retried through the workqueue).
   */
  record QueueOnPwq(int requester, int cpu, long reqId, WorkItem item, long pwq, int wq)
      implements PwqRequest {}

  /** {@code put_pwq_unlocked()}. */
  record PutPwq(int requester, long token, int cpu, long pwq) implements PwqRequest {}

  /** {@code pwq_busy()} / {@code pwq_is_empty()} under the pool lock. */
  record PwqBusy(int requester, long token, int cpu, long pwq, boolean dfl) implements PwqRequest {}

  /**
   * {@code flush_workqueue_prep_pwqs()} for one pwq: if it has work in flight, the flusher is told
   * ({@link LifeReply.FlushDone}) when the last of it completes.
   */
  record FlushPwq(int requester, long token, int cpu, long pwq) implements PwqRequest {}

  /**
   * {@code get_unbound_pool()} made this pool ({@code init_worker_pool()}): {@code create_worker()}
   * gives it its first worker.
   */
  record InitPool(int requester, long token, int cpu, int attrs) implements PwqRequest {}

  /**
   * {@code put_unbound_pool()}'s section (with {@code wq_pool_attach_mutex} held): take
   * POOL_MANAGER_ACTIVE for good (or report that a manager is active: wait on {@code
   * manager_wait}), {@code set_worker_dying()} every worker {@code first_idle_worker()} returns,
   * and {@code WARN_ON(pool->nr_workers || pool->nr_idle)}.
   */
  record PutUnboundPoolLocked(int requester, long token, int cpu) implements PwqRequest {}

  /** {@code timer_delete_sync(&pool->idle_timer)}; the answer says if the cull work is pending. */
  record DeleteIdleTimer(int requester, long token, int cpu) implements PwqRequest {}

  /** {@code timer_delete_sync(&pool->mayday_timer)}. */
  record DeleteMaydayTimer(int requester, long token, int cpu) implements PwqRequest {}

  /**
   * {@code cancel_work_sync(item)} on the pool the item is queued on ({@code system_unbound_wq}'s):
   * {@code try_to_grab_pending()} takes it off the worklist, or (if it runs) a flush waits for it.
   */
  record CancelWork(int requester, long token, int cpu, WorkItem item) implements PwqRequest {}

  /** The canceller owns the PENDING bit of this pool's {@code idle_cull_work} and clears it. */
  record CullWorkCancelled(int requester) implements PwqRequest {}

  /** {@code send_mayday()} found no rescuer (being destroyed): the pwq is not pinned after all. */
  record MaydayRejected(long pwq) implements PwqRequest {}

  /**
   * {@code rescuer_thread()} on this pool (attached): off the mayday list, slurp the items of
   * {@code pwq} from the worklist onto its scheduled list and run the first ({@code
   * process_one_work()} up to its unlock); or, if none, {@code kick_pool()} and leave.
   */
  record RescueStart(int rescuer, long token, int cpu, long pwq) implements PwqRequest {}

  /**
   * The rescuer's item returned: relock, release it; the next scheduled item, or the mayday
   * re-queue test, {@code kick_pool()} and leave.
   */
  record RescueWorkDone(int rescuer, long token, int cpu, long item, long pwq)
      implements PwqRequest {}

  /** How {@link CancelWork} went. */
  enum CancelOutcome {
    /** It was on the worklist and is off it: PENDING is the canceller's. */
    GRABBED,
    /** A worker runs it: a barrier was inserted, {@link LifeReply.FlushDone} follows. */
    FLUSHING,
    /** Not queued here, not running: PENDING may be set while it is being queued (-EAGAIN). */
    NOT_HERE
  }
}
