package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/**
 * What the workqueue model publishes for its checkers and timelines: the steps of the kernel
 * functions it models. {@code pool} and {@code worker} are entity ids; {@code cpu} is the CPU the
 * step ran on (the column of the timeline).
 */
public sealed interface WqNote extends WireMessage
    permits WqNote.WorkQueued,
        WqNote.Kicked,
        WqNote.DeferredWake,
        WqNote.WokeUp,
        WqNote.EnteredIdle,
        WqNote.WorkStarted,
        WqNote.WorkPunted,
        WqNote.WorkCompleted,
        WqNote.WorkerSleepingNote,
        WqNote.ManagerStarted,
        WqNote.WorkerCreated,
        WqNote.IdleTimeout,
        WqNote.CullPass,
        WqNote.WorkerDying,
        WqNote.DieSeen,
        WqNote.WorkerReaped,
        WqNote.WakeAfterExit,
        WqNote.DelayedWorkArmed,
        WqNote.DelayedWorkFired,
        WqNote.PoolState,
        WqNote.BarrierInserted,
        WqNote.ExternalCalled,
        WqNote.ManagerEarlyExit,
        WqNote.CpuIntensiveSet,
        WqNote.WorkersDetached,
        WqNote.WakingUp {

  /** {@code insert_work()}: {@code item} appended to the worklist (now {@code worklist} long). */
  record WorkQueued(int pool, int cpu, long item, int requester, int worklist) implements WqNote {}

  /**
   * {@code kick_pool()} picked {@code worker}. {@code site}: who kicked; {@code claimed}: taken off
   * the idle list under the lock (the fix); {@code parked}: moved to {@code kicked_list} (v2);
   * {@code deferred}: the wake-up is sent after the unlock; {@code repeat}: the worker had already
   * been picked and had not run yet (coalesced kick); {@code expired}: its {@code last_active} is
   * older than IDLE_WORKER_TIMEOUT (a cull candidate).
   */
  record Kicked(
      int pool,
      int cpu,
      int worker,
      long incarnation,
      KickSite site,
      boolean claimed,
      boolean parked,
      boolean deferred,
      boolean repeat,
      boolean expired)
      implements WqNote {}

  /**
   * A deferred {@code wake_up_process()} sent after the unlock; {@code pinned}: holds a task
   * reference.
   */
  record DeferredWake(int waker, int cpu, int pool, int worker, long incarnation, boolean pinned)
      implements WqNote {}

  /** {@code woke_up:}: {@code worker} holds {@code pool->lock}; {@code die}: it saw WORKER_DIE. */
  record WokeUp(int pool, int cpu, int worker, long incarnation, boolean wasIdle, boolean die)
      implements WqNote {}

  /**
   * {@code worker_enter_idle()} + TASK_IDLE + unlock: {@code worker} sleeps at the idle-list head.
   */
  record EnteredIdle(
      int pool, int cpu, int worker, long lastActiveJiffies, int worklist, int nrIdle)
      implements WqNote {}

  /** {@code process_one_work()}: {@code worker} took {@code item} off the worklist. */
  record WorkStarted(int pool, int cpu, int worker, long item, int worklist) implements WqNote {}

  /**
   * {@code assign_work()}: {@code item} is already executing on {@code worker}: it goes to that
   * worker's scheduled list (a work item never runs concurrently with itself in a pool).
   */
  record WorkPunted(int pool, int cpu, long item, int worker) implements WqNote {}

  /** The function of {@code item} returned and the worker released it under the lock. */
  record WorkCompleted(int pool, int cpu, int worker, long item) implements WqNote {}

  /** {@code wq_worker_sleeping()}: {@code worker} blocks inside its item ({@code nr_running--}). */
  record WorkerSleepingNote(int pool, int cpu, int worker, int nrRunning) implements WqNote {}

  /** {@code manage_workers()}: {@code worker} took POOL_MANAGER_ACTIVE. */
  record ManagerStarted(int pool, int cpu, int worker) implements WqNote {}

  /** {@code create_worker()}: a new kworker attached, idle at the head, woken. */
  record WorkerCreated(int pool, int cpu, int worker, long incarnation) implements WqNote {}

  /** {@code idle_worker_timeout()}: {@code cull}: queue {@code idle_cull_work}; else re-armed. */
  record IdleTimeout(int pool, int cpu, boolean cull, boolean cullPending, long rearmJiffies)
      implements WqNote {}

  /** One {@code idle_cull_fn()} locked loop: {@code culled} workers set dying. */
  record CullPass(int pool, int cpu, int culled, int nrIdle, int nrWorkers) implements WqNote {}

  /**
   * {@code set_worker_dying()}: {@code worker} gets WORKER_DIE and leaves the idle list. {@code
   * runnable}: the pool had already woken it (a kick) and it has not taken the lock since.
   */
  record WorkerDying(
      int pool, int cpu, int worker, long incarnation, long lastActiveJiffies, boolean runnable)
      implements WqNote {}

  /** {@code woke_up:} saw WORKER_DIE: the worker returns without looking at the worklist. */
  record DieSeen(int pool, int cpu, int worker, long incarnation, int worklist) implements WqNote {}

  /**
   * {@code reap_dying_workers()}: {@code kthread_stop_put()} returned; the task may now be freed.
   */
  record WorkerReaped(int pool, int cpu, int worker, long incarnation) implements WqNote {}

  /** A wake-up reached a task that had exited (or a past life of its slot). */
  record WakeAfterExit(int worker, long incarnation, int waker, boolean pinned) implements WqNote {}

  /** {@code __queue_delayed_work()}: PENDING taken, timer armed. */
  record DelayedWorkArmed(int owner, int cpu, long item, int pool, long delayNanos)
      implements WqNote {}

  /** {@code delayed_work_timer_fn()}: the timer fired; {@code __queue_work()} follows. */
  record DelayedWorkFired(int owner, int cpu, long item, int pool) implements WqNote {}

  /**
   * {@code insert_wq_barrier()}: {@code barrier} follows {@code target} on the worklist ({@code
   * worker} -1) or on {@code worker}'s scheduled list.
   */
  record BarrierInserted(int pool, int cpu, long barrier, long target, int worker)
      implements WqNote {}

  /**
   * {@code process_one_work()} calls an external function: {@code worker} runs {@code item}'s
   * owner's code.
   */
  record ExternalCalled(int pool, int cpu, int worker, long item, int owner) implements WqNote {}

  /**
   * 3.18 ({@code workqueue.era}): {@code maybe_create_worker()} found {@code
   * need_to_create_worker()} false ({@code nr_running} is {@code nrRunning}, raised since {@code
   * recheck:} by another CPU) and returned early: {@code manage_workers()} returns false and {@code
   * worker}, with no idle worker left ({@code nrIdle}), goes on to run work items (WQ-6).
   */
  record ManagerEarlyExit(int pool, int cpu, int worker, int nrRunning, int nrIdle)
      implements WqNote {}

  /**
   * {@code wq_worker_tick()}: {@code worker} ran {@code item} for {@code
   * wq_cpu_intensive_thresh_us} without sleeping: WORKER_CPU_INTENSIVE ({@code nr_running} now
   * {@code nrRunning}).
   */
  record CpuIntensiveSet(int pool, int cpu, int worker, long item, int nrRunning)
      implements WqNote {}

  /**
   * {@code detach_dying_workers()}: under {@code wq_pool_attach_mutex}, {@code workers} (dying) are
   * unbound and leave {@code pool->workers}.
   */
  record WorkersDetached(int pool, int cpu, java.util.List<Integer> workers) implements WqNote {}

  /**
   * 3.x eras: {@code wq_worker_waking_up()}: {@code worker}, blocked in a work item, is woken (from
   * another CPU) and raises {@code nr_running} to {@code nrRunning} without {@code pool->lock}.
   */
  record WakingUp(int pool, int worker, int nrRunning) implements WqNote {}

  /** The pool's counters at the end of a critical section. */
  record PoolState(
      int pool,
      int worklist,
      int nrWorkers,
      int nrIdle,
      int nrRunning,
      boolean managerActive,
      long oldestItem)
      implements WqNote {}

  /** Who called {@code kick_pool()}. */
  enum KickSite {
    QUEUE_WORK,
    PROCESS_ONE_WORK,
    WORKER_SLEEPING,
    /** {@code wq_worker_tick()} (a CPU hog marked WORKER_CPU_INTENSIVE). */
    WORKER_TICK,
    /** Activation of an inactive item, or a rescuer leaving the pool (package wqlife). */
    PWQ,
    /**
     * CPU hotplug: {@code unbind_workers()}'s {@code kick_pool()}, v3.9 {@code wake_up_worker()}.
     */
    HOTPLUG_UNBIND
  }
}
