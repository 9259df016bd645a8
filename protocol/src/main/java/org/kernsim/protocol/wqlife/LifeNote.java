package org.kernsim.protocol.wqlife;

import org.kernsim.protocol.WireMessage;

/**
 * What the pool and pwq life cycle publishes for its checkers and timelines ({@code pool}, {@code
 * worker}, {@code wq} are entity ids; {@code cpu} the CPU the step ran on, -1 if none).
 */
public sealed interface LifeNote extends WireMessage
    permits LifeNote.PoolCreated,
        LifeNote.PwqInstalled,
        LifeNote.AttrsApplied,
        LifeNote.WorkqueueDestroyed,
        LifeNote.PwqReleased,
        LifeNote.PoolRefDropped,
        LifeNote.PoolDestroying,
        LifeNote.PoolWorkerDying,
        LifeNote.PoolTimersShut,
        LifeNote.PoolRcuQueued,
        LifeNote.PoolFreed,
        LifeNote.ItemInactive,
        LifeNote.ItemActivated,
        LifeNote.MaydaySent,
        LifeNote.Rescued,
        LifeNote.QueueRejected {

  /** {@code get_unbound_pool()} made {@code pool} for attributes {@code attrs}. */
  record PoolCreated(int pool, int cpu, int attrs) implements LifeNote {}

  /** {@code install_unbound_pwq()}: {@code wq}'s slot {@code slot} (-1: dfl_pwq) is {@code pwq}. */
  record PwqInstalled(int wq, int cpu, long pwq, int pool, int slot) implements LifeNote {}

  /** {@code apply_workqueue_attrs()} committed {@code attrs} (its pool {@code pool}). */
  record AttrsApplied(int wq, int cpu, int attrs, int pool) implements LifeNote {}

  /** {@code destroy_workqueue()} put the base references. */
  record WorkqueueDestroyed(int wq, int cpu) implements LifeNote {}

  /** {@code pwq_release_workfn()} for {@code pwq} of {@code pool}; {@code last}: of its wq. */
  record PwqReleased(int pool, int cpu, long pwq, int wq, boolean last) implements LifeNote {}

  /** {@code put_unbound_pool()}: {@code --pool->refcnt} is {@code refcnt}. */
  record PoolRefDropped(int pool, int cpu, int refcnt) implements LifeNote {}

  /**
   * {@code put_unbound_pool()}'s section: POOL_MANAGER_ACTIVE taken, {@code culled} idle workers
   * set dying; {@code nrWorkers}/{@code nrIdle} after (the WARN_ON's operands).
   */
  record PoolDestroying(int pool, int cpu, int culled, int nrWorkers, int nrIdle)
      implements LifeNote {}

  /**
   * {@code put_unbound_pool()}: {@code set_worker_dying(worker)}; {@code picked}: it had been
   * picked by {@code kick_pool()} and has not run since.
   */
  record PoolWorkerDying(int pool, int cpu, int worker, long incarnation, boolean picked)
      implements LifeNote {}

  /** The pool's timers deleted and its {@code idle_cull_work} cancelled. */
  record PoolTimersShut(int pool, int cpu) implements LifeNote {}

  /** {@code call_rcu(&pool->rcu, rcu_free_pool)}. */
  record PoolRcuQueued(int pool, int cpu) implements LifeNote {}

  /** {@code rcu_free_pool()}: the pool's memory is freed. */
  record PoolFreed(int pool) implements LifeNote {}

  /**
   * {@code __queue_work()}: {@code item} waits on {@code pwq->inactive_works} ({@code max_active}).
   */
  record ItemInactive(int pool, int cpu, long pwq, long item, int nrActive) implements LifeNote {}

  /** {@code pwq_activate_first_inactive()}: {@code item} moves to the worklist. */
  record ItemActivated(int pool, int cpu, long pwq, long item) implements LifeNote {}

  /** {@code send_mayday()}: {@code pwq} of {@code wq} asks {@code wq}'s rescuer for help. */
  record MaydaySent(int pool, int cpu, long pwq, int wq) implements LifeNote {}

  /** {@code rescuer_thread()} runs {@code item} on {@code pool}. */
  record Rescued(int pool, int cpu, int rescuer, long item) implements LifeNote {}

  /** {@code __queue_work()} on a destroying or draining workqueue: WARN, not queued. */
  record QueueRejected(int wq, int cpu, int requester, long item) implements LifeNote {}
}
