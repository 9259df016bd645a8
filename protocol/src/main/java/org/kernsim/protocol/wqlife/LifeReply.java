package org.kernsim.protocol.wqlife;

import java.util.List;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.workqueue.DyingWorker;
import org.kernsim.protocol.workqueue.WorkItem;

/** The answers of pools, workqueues and the pool table to the tasks that drive a pool's life. */
public sealed interface LifeReply extends WireMessage
    permits LifeReply.Done,
        LifeReply.PwqStatus,
        LifeReply.FlushArmed,
        LifeReply.FlushDone,
        LifeReply.PoolCulled,
        LifeReply.ManagerGone,
        LifeReply.TimerDeleted,
        LifeReply.Cancelled,
        LifeReply.Installed,
        LifeReply.PwqList,
        LifeReply.Unlinked,
        LifeReply.MaydayOf,
        LifeReply.PoolOf,
        LifeReply.PoolRef,
        LifeReply.RescueItem,
        LifeReply.RescueDone {

  long token();

  record Done(long token) implements LifeReply {}

  /** {@code pwq_busy()}, {@code pwq_is_empty()}. */
  record PwqStatus(long token, boolean busy, boolean empty) implements LifeReply {}

  /** {@code waits}: the pwq had work in flight, {@link FlushDone} follows when it is done. */
  record FlushArmed(long token, boolean waits) implements LifeReply {}

  record FlushDone(long token) implements LifeReply {}

  /**
   * {@code put_unbound_pool()}'s section: {@code managerActive}: someone manages, nothing done
   * (wait for {@link ManagerGone}); else {@code dying} were set dying, and {@code nrWorkers}/{@code
   * nrIdle} are what the WARN_ON looked at.
   */
  record PoolCulled(
      long token, boolean managerActive, List<DyingWorker> dying, int nrWorkers, int nrIdle)
      implements LifeReply {}

  /** {@code rcuwait_wake_up(&manager_wait)}: POOL_MANAGER_ACTIVE was cleared. */
  record ManagerGone(long token) implements LifeReply {}

  /** {@code cullPending}: {@code work_pending(&pool->idle_cull_work)}. */
  record TimerDeleted(long token, boolean cullPending) implements LifeReply {}

  record Cancelled(long token, PwqRequest.CancelOutcome outcome) implements LifeReply {}

  /** The pwqs {@code install_unbound_pwq()} replaced (to be put). */
  record Installed(long token, List<PwqRef> old, PwqRef oldDfl) implements LifeReply {}

  record PwqList(long token, List<PwqRef> pwqs, boolean unbound) implements LifeReply {}

  record Unlinked(long token, boolean isLast) implements LifeReply {}

  /**
   * The first pwq of {@code wq->maydays}, taken off it ({@link PwqRef#NONE}: the list is empty).
   */
  record MaydayOf(long token, PwqRef pwq) implements LifeReply {}

  /** {@code get_unbound_pool()}: {@code created}: a new pool, to be given its first worker. */
  record PoolOf(long token, int pool, boolean created) implements LifeReply {}

  /** {@code put_unbound_pool()}: the refcnt left; at 0 the pool is unhashed and to be destroyed. */
  record PoolRef(long token, int refcnt) implements LifeReply {}

  /** The rescuer runs {@code item} ({@code process_one_work()} unlocked). */
  record RescueItem(long token, WorkItem item) implements LifeReply {}

  /** The rescuer left the pool ({@code kick_pool()}, unlock): detach, put the pwq. */
  record RescueDone(long token, int rescued) implements LifeReply {}
}
