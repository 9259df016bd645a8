package org.kernsim.actors.workqueue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * The state of one {@code struct worker_pool} and the kernel functions that work on it under {@code
 * pool->lock} ({@code kernel/workqueue.c}, modern, plus the 2026 variants). Plain Java: no engine,
 * no actors. Time is passed in as jiffies. Each public method is (part of) one critical section;
 * the {@link WorkerPool} entity calls them, one message at a time, and turns their decisions into
 * messages.
 *
 * <p>Workers are kworker slots: a slot is reused (with a new incarnation) once its previous kthread
 * has exited, as worker ids are by {@code ida_alloc()}. A slot's {@link Worker} is made when it is
 * first needed — by {@link #createWorker}, which takes the lowest free slot, or when asked for
 * ({@link #worker}) — always the lowest slot not made yet, so the slots made are {@code [0,
 * createdSlots())}; a slot not made yet is a {@link SlotState#FREE} slot that has never had a
 * kthread, and every decision is the one the pool took with all slots made up front (a pool of 16
 * slots that never needed more than two kworkers holds two).
 */
public final class PoolLogic {

  /** A slot's life cycle, as the pool sees it. */
  public enum SlotState {
    /** No kthread in the slot (never created, or the last one exited). */
    FREE,
    /** Attached to the pool (idle, busy or managing). */
    LIVE,
    /** WORKER_DIE set by the cull, not attached any more, not yet exited. */
    DYING
  }

  /** The pool's view of one worker ({@code struct worker}). */
  public static final class Worker {
    public final int slot;
    SlotState state = SlotState.FREE;
    long incarnation;
    int flags;

    /** {@code last_active}: jiffies when it last entered idle. */
    long lastActive;

    /** The sleep it published with {@code worker_enter_idle()} (TASK_IDLE), for wakers. */
    long sleepEpoch;

    WorkItem current;

    /**
     * {@code worker->scheduled}: items assigned to this worker (punted to it while it ran them).
     */
    final ArrayDeque<WorkItem> scheduled = new ArrayDeque<>();

    /**
     * {@code worker->sleeping}: {@code wq_worker_sleeping()} ran and {@code wq_worker_running()}
     * not yet.
     */
    boolean sleeping;

    /** Picked by {@code kick_pool()} and not yet at {@code woke_up:}. */
    boolean picked;

    boolean onIdleList;
    boolean onKickedList;
    int cpu = -1;

    /** Who will {@code kthread_stop()} it (the worker running the cull), once dying. */
    int stopper = -1;

    Worker(int slot) {
      this.slot = slot;
    }

    public boolean has(WorkerFlag f) {
      return (flags & f.bit) != 0;
    }

    public SlotState state() {
      return state;
    }

    public long incarnation() {
      return incarnation;
    }

    public int flags() {
      return flags;
    }

    public long lastActive() {
      return lastActive;
    }

    public long sleepEpoch() {
      return sleepEpoch;
    }

    public WorkItem current() {
      return current;
    }

    public boolean picked() {
      return picked;
    }

    public int scheduledCount() {
      return scheduled.size();
    }

    public int cpu() {
      return cpu;
    }

    public int stopper() {
      return stopper;
    }

    public boolean sleeping() {
      return sleeping;
    }

    @Override
    public String toString() {
      return "worker" + slot + "#" + incarnation + "[" + WorkerFlag.describe(flags) + "]";
    }
  }

  /**
   * What {@code kick_pool()} did: the worker it picked (to be woken), and how.
   *
   * @param repeat the worker had already been picked and has not run since (a coalesced kick)
   * @param expired the worker's {@code last_active} is older than IDLE_WORKER_TIMEOUT
   * @param othersPicked how many other workers were picked and had not run yet (with the claim,
   *     kicks no longer coalesce: WQ-3)
   */
  public record Kick(
      Worker worker,
      long epoch,
      long incarnation,
      boolean claimed,
      boolean parked,
      boolean repeat,
      boolean expired,
      int othersPicked) {}

  /** What a worker does after its critical section. */
  public enum Next {
    /** Run {@code item} (process_one_work() unlocked). */
    EXECUTE,
    /** Sleep in TASK_IDLE (worker_enter_idle() done). */
    IDLE,
    /** Become the manager (maybe_create_worker() unlocked). */
    MANAGE,
    /** WORKER_DIE: return from worker_thread(). */
    DIE
  }

  /** A worker's critical section's outcome. */
  public record Decision(
      Next next, WorkItem item, boolean counted, Kick kick, long epoch, int stopper) {
    static Decision idle(long epoch) {
      return new Decision(Next.IDLE, null, false, null, epoch, -1);
    }
  }

  /** What {@code idle_worker_timeout()} decided. */
  public enum Timeout {
    /** {@code idle_cull_work} was already pending: nothing. */
    CULL_PENDING,
    /** Not too many workers: nothing (the timer is not re-armed). */
    ENOUGH_WORKERS,
    /** The tail has not expired: the timer was re-armed for its expiry. */
    REARMED,
    /** The tail has expired: queue {@code idle_cull_work} on system_unbound_wq. */
    CULL
  }

  final boolean unbound;
  final WqConfig cfg;

  /** The slots; {@code [createdSlots(), slots.length)} are not made yet (null: FREE, unused). */
  final Worker[] slots;

  /** The slots made so far: {@code slots[0..made)} are non-null. */
  int made;

  final ArrayDeque<WorkItem> worklist = new ArrayDeque<>();

  /** LIFO: the first element is the head ({@code list_first_entry}), the last is the tail. */
  final ArrayDeque<Worker> idleList = new ArrayDeque<>();

  /** v2's {@code pool->kicked_list}. */
  final ArrayDeque<Worker> kickedList = new ArrayDeque<>();

  int nrWorkers;
  int nrIdle;
  int nrRunning;
  boolean managerActive;
  Worker manager;
  boolean idleTimerPending;
  long idleTimerExpires;
  boolean idleTimerChanged;
  boolean maydayTimerPending;
  long maydayTimerExpires;
  boolean maydayTimerChanged;

  /** {@code work_pending(&pool->idle_cull_work)}. */
  boolean cullWorkPending;

  /**
   * {@code POOL_DISASSOCIATED}: the pool's CPU is going or has gone offline; its workers carry
   * WORKER_UNBOUND, concurrency management is off and the pool behaves as an unbound one.
   */
  boolean disassociated;

  private final List<String[]> warnings = new ArrayList<>();

  /**
   * What a model layered on the pool (pool_workqueues, {@code max_active}, rescuers: package {@code
   * wqlife}) is told under {@code pool->lock}. The pool alone has no pool_workqueues: without hooks
   * every item is its own.
   */
  public interface Hooks {
    /** {@code process_one_work()}: the item's workqueue has WQ_CPU_INTENSIVE. */
    default boolean cpuIntensive(WorkItem item) {
      return false;
    }

    /**
     * {@code pwq_dec_nr_in_flight()}, the last step of {@code process_one_work()} under {@code
     * pool->lock}: it may activate an inactive item ({@link #insertWork}) before {@code
     * keep_working()} looks at the worklist.
     */
    default void workReleased(WorkItem item) {}
  }

  /** The hooks of a layered model, or null (the pool alone). */
  private Hooks hooks;

  /** Rescuers attached to the pool ({@code worker_attach_to_pool()} of a rescuer). */
  private final List<Worker> rescuers = new ArrayList<>();

  /** How often {@code maybe_create_worker()} returned early (3.18, WQ-6) since the last call. */
  int managerEarlyExits;

  public PoolLogic(boolean unbound, int slots, WqConfig cfg) {
    this.unbound = unbound;
    this.cfg = cfg;
    this.slots = new Worker[slots];
  }

  /** Installs the hooks of a model layered on the pool (see {@link Hooks}). */
  public void setHooks(Hooks h) {
    this.hooks = h;
  }

  // ------------------------------------------------------------------ policy predicates (C.3)

  /** {@code need_more_worker()}: someone must be woken to run work. */
  public boolean needMoreWorker() {
    return !worklist.isEmpty() && nrRunning == 0;
  }

  /** {@code may_start_working()}: there is a spare idle worker for the next concurrency wakeup. */
  public boolean mayStartWorking() {
    return nrIdle > 0;
  }

  /** {@code keep_working()}: a running worker goes on with the next item. */
  public boolean keepWorking() {
    return !worklist.isEmpty() && nrRunning <= 1;
  }

  /** {@code need_to_create_worker()}. */
  public boolean needToCreateWorker() {
    return needMoreWorker() && !mayStartWorking();
  }

  /**
   * {@code too_many_workers()}: keep 2 idle workers, and one per MAX_IDLE_WORKERS_RATIO busy ones.
   */
  public boolean tooManyWorkers() {
    int idle = nrIdle + (managerActive ? 1 : 0); // the manager is considered idle
    int busy = nrWorkers - idle;
    return idle > 2 && (idle - 2) * cfg.maxIdleWorkersRatio() >= busy;
  }

  /**
   * {@code first_idle_worker()}: the head of {@code idle_list} (most recently idle); with v2 the
   * parked worker on {@code kicked_list} first. The ablation {@code pick=tail} returns the tail.
   */
  public Worker firstIdleWorker() {
    if (cfg.variant().parks() && !kickedList.isEmpty()) return kickedList.peekFirst();
    if (idleList.isEmpty()) return null;
    return cfg.pickTail() ? idleList.peekLast() : idleList.peekFirst();
  }

  /** Whether {@code w} has been idle for IDLE_WORKER_TIMEOUT at {@code nowJ}. */
  public boolean expired(Worker w, long nowJ) {
    return nowJ >= w.lastActive + cfg.idleWorkerTimeoutJiffies();
  }

  // ------------------------------------------------------------------ flags and the idle list

  /** {@code worker_set_flags()}: entering NOT_RUNNING leaves {@code nr_running}. */
  public void workerSetFlags(Worker w, int flags) {
    if ((flags & WorkerFlag.NOT_RUNNING) != 0 && (w.flags & WorkerFlag.NOT_RUNNING) == 0)
      nrRunning--;
    w.flags |= flags;
  }

  /** {@code worker_clr_flags()}: leaving NOT_RUNNING joins {@code nr_running}. */
  public void workerClrFlags(Worker w, int flags) {
    int oflags = w.flags;
    w.flags &= ~flags;
    if ((flags & WorkerFlag.NOT_RUNNING) != 0
        && (oflags & WorkerFlag.NOT_RUNNING) != 0
        && (w.flags & WorkerFlag.NOT_RUNNING) == 0) {
      nrRunning++;
    }
  }

  /**
   * {@code worker_enter_idle()}: IDLE, {@code nr_idle++}, {@code last_active = jiffies}, head of
   * {@code idle_list}, and the idle timer armed if there are too many workers. The caller sets
   * TASK_IDLE and unlocks in the same critical section ({@code sleepEpoch}, W8).
   */
  public void workerEnterIdle(Worker w, long nowJ, long sleepEpoch) {
    if (w.has(WorkerFlag.IDLE) || w.onIdleList || w.onKickedList) {
      warn("W1", "worker_enter_idle() on " + w + " already idle");
      return;
    }
    w.flags |= WorkerFlag.IDLE.bit;
    nrIdle++;
    w.lastActive = nowJ;
    w.sleepEpoch = sleepEpoch;
    idleList.addFirst(w);
    w.onIdleList = true;
    if (tooManyWorkers() && !idleTimerPending) modIdleTimer(nowJ + cfg.idleWorkerTimeoutJiffies());
    if (!disassociated && nrWorkers == nrIdle && nrRunning != 0) {
      warn("W2", "all " + nrWorkers + " workers idle but nr_running=" + nrRunning);
    }
  }

  /**
   * {@code worker_leave_idle()}: IDLE cleared, {@code nr_idle--}, off the idle (or kicked) list.
   */
  public void workerLeaveIdle(Worker w) {
    if (!w.has(WorkerFlag.IDLE)) {
      warn("W1", "worker_leave_idle() on " + w + " not idle");
      return;
    }
    workerClrFlags(w, WorkerFlag.IDLE.bit);
    nrIdle--;
    listDel(w);
  }

  private void listDel(Worker w) {
    if (w.onIdleList) idleList.remove(w);
    if (w.onKickedList) kickedList.remove(w);
    w.onIdleList = false;
    w.onKickedList = false;
  }

  private void modIdleTimer(long expires) {
    idleTimerPending = true;
    idleTimerExpires = expires;
    idleTimerChanged = true;
  }

  // ------------------------------------------------------------------ kick_pool, __queue_work

  /**
   * {@code kick_pool()}: if {@code need_more_worker()} and there is an idle worker, pick the first
   * one and wake it. The fix claims it ({@code worker_leave_idle()}); v2 parks it on {@code
   * kicked_list}. Returns the pick (the caller sends or defers the wake), or null.
   */
  public Kick kickPool(long nowJ) {
    Worker w = firstIdleWorker();
    if (!needMoreWorker() || w == null) return null;
    int others = 0;
    for (int i = 0; i < made; i++) {
      Worker o = slots[i];
      if (o != w && o.state == SlotState.LIVE && o.picked) others++;
    }
    boolean repeat = w.picked;
    boolean expired = expired(w, nowJ);
    boolean claimed = false;
    boolean parked = false;
    if (cfg.variant().claims()) {
      workerLeaveIdle(w);
      claimed = true;
    } else if (cfg.variant().parks() && w.onIdleList) {
      idleList.remove(w);
      w.onIdleList = false;
      kickedList.addFirst(w); // list_move(&worker->entry, &pool->kicked_list)
      w.onKickedList = true;
      parked = true;
    }
    w.picked = true;
    return new Kick(w, w.sleepEpoch, w.incarnation, claimed, parked, repeat, expired, others);
  }

  /** {@code insert_work()}: append to the worklist. */
  public void insertWork(WorkItem item) {
    worklist.addLast(item);
  }

  /** {@code __queue_work()}'s locked part: {@code insert_work()} then {@code kick_pool()}. */
  public Kick queueWork(WorkItem item, long nowJ) {
    insertWork(item);
    return kickPool(nowJ);
  }

  // ------------------------------------------------------------------ worker_thread()

  /**
   * {@code worker_thread()} from {@code woke_up:} to the end of the critical section: the DIE test,
   * {@code worker_leave_idle()} (with the fix: only if still IDLE), then {@code recheck:}.
   */
  public Decision wokeUp(Worker w, long nowJ, long nextEpoch) {
    w.picked = false;
    if (w.has(WorkerFlag.DIE)) return new Decision(Next.DIE, null, false, null, 0, w.stopper);
    if (!cfg.variant().claims() || w.has(WorkerFlag.IDLE)) workerLeaveIdle(w);
    return recheck(w, nowJ, nextEpoch);
  }

  /**
   * {@code recheck:}: sleep if no worker is needed; become the manager if no idle worker is left
   * (and nobody manages); else clear PREP (join {@code nr_running}) and process the first item.
   */
  public Decision recheck(Worker w, long nowJ, long nextEpoch) {
    if (!needMoreWorker()) return sleep(w, nowJ, nextEpoch);
    if (!mayStartWorking() && manageWorkers(w, nowJ)) {
      return new Decision(Next.MANAGE, null, false, null, 0, -1);
    }
    return startWorking(w, nowJ, nextEpoch);
  }

  /**
   * {@code worker_thread()} after {@code manage_workers()} returned false: "Finish PREP stage",
   * then the first item and the {@code keep_working()} loop. The kernel's comment states the
   * guarantee this relies on: "We're guaranteed to have at least one idle worker or that someone
   * else has already assumed the manager role" (W9; WQ-6 breaks it).
   */
  private Decision startWorking(Worker w, long nowJ, long nextEpoch) {
    if (!mayStartWorking() && !(managerActive && manager != w)) {
      warn(
          "W9",
          w
              + " starts on the worklist with nr_idle=0 and no manager: the pool has no worker left"
              + " to create workers or call the rescuers (nr_running="
              + nrRunning
              + ")");
    }
    if (!w.scheduled.isEmpty()) warn("W7", w + " has scheduled work while it was asleep");
    workerClrFlags(w, WorkerFlag.PREP.bit | WorkerFlag.REBOUND.bit);
    // do { assign_work(first); process_scheduled_works() } while (keep_working())
    WorkItem first = worklist.peekFirst();
    if (assignWork(first, w)) return processOneWork(w, first, nowJ);
    return keepWorkingLoop(w, nowJ, nextEpoch);
  }

  /**
   * The rest of {@code worker_thread()}'s loop: {@code while (keep_working())}, then PREP and
   * sleep.
   */
  Decision keepWorkingLoop(Worker w, long nowJ, long nextEpoch) {
    while (keepWorking()) {
      WorkItem work = worklist.peekFirst();
      if (assignWork(work, w)) return processOneWork(w, work, nowJ);
    }
    workerSetFlags(w, WorkerFlag.PREP.bit);
    return sleep(w, nowJ, nextEpoch);
  }

  /** Items punted by {@link #assignWork} since the last call: {item id, worker slot} pairs. */
  final List<long[]> punted = new ArrayList<>();

  /**
   * WORK_STRUCT_LINKED: a barrier that follows its target on the worklist and moves with it ({@code
   * move_linked_works()}); target item id -> barrier. Small (one per flusher), in insertion order.
   */
  private final java.util.LinkedHashMap<Long, WorkItem> linked = new java.util.LinkedHashMap<>();

  /** {@link #insertBarrier} results besides a worker slot. */
  public static final int NOT_FOUND = -1;

  public static final int ON_WORKLIST = -2;

  /**
   * {@code start_flush_work()} + {@code insert_wq_barrier()}: if {@code target} is queued here (the
   * worklist, or a worker's scheduled list), {@code barrier} goes right after it (on the worklist,
   * linked to it); else if a worker executes it, at the head of that worker's scheduled list (it
   * runs right after the current item). No kick. Returns {@link #ON_WORKLIST}, the slot of the
   * worker whose scheduled list took it, or {@link #NOT_FOUND} (nothing to flush).
   */
  public int insertBarrier(long target, WorkItem barrier) {
    WorkItem queued = null;
    for (WorkItem w : worklist) if (w.id() == target) queued = w;
    if (queued != null) {
      List<WorkItem> copy = new ArrayList<>(worklist);
      worklist.clear();
      for (WorkItem w : copy) {
        worklist.addLast(w);
        if (w == queued) worklist.addLast(barrier);
      }
      if (linked.containsKey(target)) {
        warn("W7", "a second barrier linked to item " + target);
      }
      linked.put(target, barrier);
      return ON_WORKLIST;
    }
    for (int s = 0; s < made; s++) {
      Worker o = slots[s];
      if (o.state != SlotState.LIVE) continue;
      List<WorkItem> copy = new ArrayList<>(o.scheduled);
      for (int i = 0; i < copy.size(); i++) {
        if (copy.get(i).id() == target) {
          copy.add(i + 1, barrier);
          o.scheduled.clear();
          o.scheduled.addAll(copy);
          return o.slot;
        }
      }
    }
    for (int s = 0; s < made; s++) {
      Worker o = slots[s];
      if (o.state == SlotState.LIVE && o.current != null && o.current.id() == target) {
        o.scheduled.addFirst(barrier);
        return o.slot;
      }
    }
    return NOT_FOUND;
  }

  /**
   * {@code assign_work()}: off the worklist; if another worker of the pool is executing this very
   * work ({@code find_worker_executing_work()}, the busy hash), it goes to that worker's scheduled
   * list (non-reentrancy) and false is returned; else to ours.
   */
  public boolean assignWork(WorkItem work, Worker w) {
    worklist.remove(work);
    Worker collision = findWorkerExecutingWork(work);
    Worker to = collision != null ? collision : w;
    to.scheduled.addLast(work);
    if (!linked.isEmpty()) { // move_linked_works(): its barrier comes along
      WorkItem barrier = linked.remove(work.id());
      if (barrier != null) {
        worklist.remove(barrier);
        to.scheduled.addLast(barrier);
      }
    }
    if (collision != null) {
      punted.add(new long[] {work.id(), collision.slot});
      return false;
    }
    return true;
  }

  /**
   * {@code find_worker_executing_work()}: the worker whose current work is {@code work}, or null.
   */
  public Worker findWorkerExecutingWork(WorkItem work) {
    for (int s = 0; s < made; s++) {
      Worker o = slots[s];
      if (o.state == SlotState.LIVE && o.current != null && o.current.id() == work.id()) return o;
    }
    for (Worker r : rescuers) if (r.current != null && r.current.id() == work.id()) return r;
    return null;
  }

  // ------------------------------------------------------------------ rescuers, destruction

  /**
   * {@code worker_attach_to_pool()} of a rescuer (a worker that belongs to no pool: flags PREP,
   * never cleared, so it never counts in {@code nr_running}); {@code id} names it.
   */
  public Worker attachRescuer(int id) {
    Worker r = new Worker(-1 - id);
    r.state = SlotState.LIVE;
    r.flags = WorkerFlag.PREP.bit | (unbound ? WorkerFlag.UNBOUND.bit : 0);
    rescuers.add(r);
    return r;
  }

  /** {@code worker_detach_from_pool()} of a rescuer. */
  public void detachRescuer(Worker r) {
    if (r.current != null || !r.scheduled.isEmpty())
      throw new IllegalStateException("rescuer detaches with work " + r.current);
    rescuers.remove(r);
  }

  /** The first item on {@code w}'s scheduled list, or null. */
  public WorkItem scheduledHead(Worker w) {
    return w.scheduled.peekFirst();
  }

  /** The items on the worklist, head first (a copy). */
  public List<WorkItem> worklistItems() {
    return new ArrayList<>(worklist);
  }

  /** {@code list_del_init(&work->entry)} of a queued item ({@code try_to_grab_pending()}). */
  public boolean removeFromWorklist(WorkItem item) {
    return worklist.remove(item);
  }

  /**
   * {@code put_unbound_pool()}: "Become the manager and destroy all workers" — takes
   * POOL_MANAGER_ACTIVE for good if nobody holds it (false: wait on {@code manager_wait}).
   */
  public boolean becomeLastManager() {
    if (managerActive) return false;
    managerActive = true;
    manager = null;
    return true;
  }

  /** {@code timer_delete_sync(&pool->idle_timer)}. */
  public void timerDeleteIdle() {
    if (idleTimerPending) {
      idleTimerPending = false;
      idleTimerChanged = true;
    }
  }

  /** {@code timer_delete_sync(&pool->mayday_timer)}. */
  public void timerDeleteMayday() {
    cancelMaydayTimer();
  }

  /** {@code work_pending(&pool->idle_cull_work)} was cleared by {@code cancel_work_sync()}. */
  public void cullWorkCancelled() {
    cullWorkPending = false;
  }

  /**
   * {@code manage_workers()}: take POOL_MANAGER_ACTIVE unless someone has it; arm the mayday timer.
   */
  boolean manageWorkers(Worker w, long nowJ) {
    if (managerActive) return false;
    managerActive = true;
    manager = w;
    managerTaken = true;
    if (!cfg.era().managerWindow()) modMaydayTimer(nowJ + Math.max(2, cfg.maydayInitialJiffies()));
    return true;
  }

  /**
   * 3.x eras ({@link WqEra#managerWindow()}): the rest of the critical section in which {@code
   * manage_workers()} took the manager role, at its end. 3.18 ({@code
   * mutex_trylock(&pool->manager_arb)}, then {@code maybe_create_worker()}): <code>
   * if (!need_to_create_worker(pool)) return false;</code> — {@code nr_running} may have been
   * raised since {@code recheck:} by another CPU's {@code wq_worker_waking_up()}, and then {@code
   * manage_workers()} returns false and this worker, the last idle one, goes on to run work items
   * (WQ-6). Otherwise (and always in 3.19) {@code maybe_create_worker()}: unlock, {@code
   * mod_timer(&pool->mayday_timer, ...)}, create.
   */
  public Decision managerCheck(Worker w, long nowJ, long nextEpoch) {
    if (manager != w) throw new IllegalStateException(w + " is not the manager");
    if (cfg.era().managerEarlyExit() && !needToCreateWorker()) {
      managerActive = false;
      manager = null;
      managerEarlyExits++;
      earlyExitNrRunning = nrRunning;
      return startWorking(w, nowJ, nextEpoch);
    }
    modMaydayTimer(nowJ + Math.max(2, cfg.maydayInitialJiffies()));
    return new Decision(Next.MANAGE, null, false, null, 0, -1);
  }

  /** Set when {@code manage_workers()} takes the role afresh (not a restart of the loop). */
  private boolean managerTaken;

  /** Whether the last decision took the manager role afresh (then resets). */
  public boolean drainManagerTaken() {
    boolean t = managerTaken;
    managerTaken = false;
    return t;
  }

  private int earlyExitNrRunning;

  /** {@code nr_running} when the last early exit tested {@code need_to_create_worker()}. */
  public int earlyExitNrRunning() {
    return earlyExitNrRunning;
  }

  /** How many early exits {@link #managerCheck} took since the last call (then resets). */
  public int drainManagerEarlyExits() {
    int n = managerEarlyExits;
    managerEarlyExits = 0;
    return n;
  }

  /**
   * {@code process_one_work()} up to its unlock: take the item off the worklist, make it current,
   * {@code kick_pool()} (chains execution for NOT_RUNNING workers; a no-op on per-CPU pools).
   */
  public Decision processOneWork(Worker w, WorkItem item, long nowJ) {
    if (item == null || !w.scheduled.remove(item)) {
      throw new IllegalStateException("process_one_work() of " + item + " not scheduled on " + w);
    }
    if (w.has(WorkerFlag.DIE)) warn("W4", w + " with WORKER_DIE starts a work item");
    if (findWorkerExecutingWork(item) != null) warn("W7", item + " would run twice at once");
    w.current = item;
    // CPU intensive works don't participate in concurrency management
    if (hooks != null && hooks.cpuIntensive(item)) workerSetFlags(w, WorkerFlag.CPU_INTENSIVE.bit);
    Kick kick = kickPool(nowJ);
    boolean counted = !unbound && (w.flags & WorkerFlag.NOT_RUNNING) == 0;
    return new Decision(Next.EXECUTE, item, counted, kick, 0, -1);
  }

  /** {@code sleep:} {@code worker_enter_idle()}, TASK_IDLE (sleep {@code nextEpoch}), unlock. */
  Decision sleep(Worker w, long nowJ, long nextEpoch) {
    workerEnterIdle(w, nowJ, nextEpoch);
    return Decision.idle(nextEpoch);
  }

  /**
   * {@code process_one_work()} after the function: relock, release the item; then the loop of
   * {@code worker_thread()}: the next item while {@code keep_working()}, else PREP and sleep.
   */
  public Decision workDone(Worker w, long item, long nowJ, long nextEpoch) {
    releaseWork(w, item);
    if (!w.scheduled.isEmpty())
      return processOneWork(w, w.scheduled.peekFirst(), nowJ); // process_scheduled_works()
    return keepWorkingLoop(w, nowJ, nextEpoch);
  }

  /**
   * {@code process_one_work()} after the function, relocked: clear CPU_INTENSIVE ({@code
   * WQ_CPU_INTENSIVE} or {@code wq_worker_tick()}), {@code hash_del()}, {@code current_work =
   * NULL}, and, "the last step", {@code pwq_dec_nr_in_flight()} (the {@link Hooks}).
   */
  public WorkItem releaseWork(Worker w, long item) {
    if (w.current == null || w.current.id() != item) {
      throw new IllegalStateException(w + " completes " + item + " but runs " + w.current);
    }
    WorkItem done = w.current;
    workerClrFlags(w, WorkerFlag.CPU_INTENSIVE.bit);
    w.current = null;
    if (hooks != null) hooks.workReleased(done);
    return done;
  }

  /**
   * {@code wq_worker_tick()} (6.5+), the scheduler tick while {@code w} runs an item and has hogged
   * the CPU for {@code wq_cpu_intensive_thresh_us} without sleeping (the caller measured that): if
   * it is concurrency managed and not going to sleep, set WORKER_CPU_INTENSIVE ({@code
   * nr_running--}) and {@code kick_pool()}, so another worker runs the pool's other items.
   */
  public Kick wqWorkerTick(Worker w, long nowJ) {
    if (w.current == null) return null; // if (!pwq) return;
    if ((w.flags & WorkerFlag.NOT_RUNNING) != 0 || w.sleeping) return null;
    workerSetFlags(w, WorkerFlag.CPU_INTENSIVE.bit);
    return kickPool(nowJ);
  }

  /**
   * {@code wq_worker_sleeping()}: a counted worker blocks: {@code nr_running--}, {@code
   * kick_pool()}.
   */
  public Kick wqWorkerSleeping(Worker w, long nowJ) {
    if ((w.flags & WorkerFlag.NOT_RUNNING) != 0) return null;
    w.sleeping = true;
    nrRunning--;
    return kickPool(nowJ);
  }

  /** {@code wq_worker_running()}: the worker runs again: back in {@code nr_running}. */
  public void wqWorkerRunning(Worker w) {
    if (!w.sleeping) return;
    if ((w.flags & WorkerFlag.NOT_RUNNING) == 0) nrRunning++;
    w.sleeping = false;
  }

  // ------------------------------------------------------------------ the manager

  /**
   * {@code create_worker()}'s locked part: a free slot gets a new kthread (flags PREP, UNBOUND on
   * unbound pools), {@code nr_workers++}, {@code worker_enter_idle()} (its first sleep is epoch 1)
   * and the first {@code wake_up_process()} (not through {@code kick_pool()}). Null if no slot.
   */
  public Worker createWorker(long nowJ, int cpu) {
    Worker w = null;
    for (int s = 0; s < made; s++) {
      if (slots[s].state == SlotState.FREE) {
        w = slots[s];
        break;
      }
    }
    if (w == null) { // the lowest free slot is the first not made yet, if any
      if (made == slots.length) return null;
      w = make();
    }
    w.state = SlotState.LIVE;
    w.incarnation++;
    // worker_attach_to_pool(): a worker of a disassociated pool is born WORKER_UNBOUND
    w.flags = WorkerFlag.PREP.bit | (unbound || disassociated ? WorkerFlag.UNBOUND.bit : 0);
    w.current = null;
    w.sleeping = false;
    w.stopper = -1;
    w.cpu = cpu;
    nrWorkers++;
    w.picked = false;
    workerEnterIdle(w, nowJ, 1);
    return w;
  }

  /**
   * The end of {@code maybe_create_worker()} (relocked) and of {@code manage_workers()}: restart if
   * a worker is still needed (stays manager, re-arms the mayday timer), else give up
   * POOL_MANAGER_ACTIVE and {@code goto recheck}.
   */
  public Decision managerDone(Worker w, long nowJ, long nextEpoch) {
    if (manager != w) throw new IllegalStateException(w + " is not the manager");
    cancelMaydayTimer();
    if (needToCreateWorker()) {
      modMaydayTimer(nowJ + Math.max(2, cfg.maydayInitialJiffies()));
      return new Decision(Next.MANAGE, null, false, null, 0, -1);
    }
    managerActive = false;
    manager = null;
    return recheck(w, nowJ, nextEpoch);
  }

  /**
   * {@code pool_mayday_timeout()}: whether it would send maydays (rescuers are not modelled);
   * re-arms.
   */
  public boolean maydayTimeout(long nowJ) {
    maydayTimerPending = false;
    boolean mayday = needToCreateWorker();
    modMaydayTimer(nowJ + cfg.maydayIntervalJiffies());
    return mayday;
  }

  private void modMaydayTimer(long expires) {
    maydayTimerPending = true;
    maydayTimerExpires = expires;
    maydayTimerChanged = true;
  }

  private void cancelMaydayTimer() {
    if (maydayTimerPending) {
      maydayTimerPending = false;
      maydayTimerChanged = true;
    }
  }

  // ------------------------------------------------------------------ idle culling

  /**
   * {@code idle_worker_timeout()}: nothing if the cull work is pending; else, with too many
   * workers, cull if the tail has expired (the caller queues {@code idle_cull_work} after the
   * unlock, which sets its PENDING), or re-arm the timer for the tail's expiry.
   */
  public Timeout idleWorkerTimeout(long nowJ) {
    idleTimerPending = false;
    if (cullWorkPending) return Timeout.CULL_PENDING;
    if (!tooManyWorkers()) return Timeout.ENOUGH_WORKERS;
    Worker tail = idleList.peekLast();
    if (tail == null) {
      warn("WQ4", "too_many_workers() with an empty idle_list (list_last_entry on an empty list)");
      return Timeout.ENOUGH_WORKERS;
    }
    long expires = tail.lastActive + cfg.idleWorkerTimeoutJiffies();
    if (nowJ < expires) {
      modIdleTimer(expires);
      return Timeout.REARMED;
    }
    cullWorkPending = true;
    return Timeout.CULL;
  }

  /**
   * {@code idle_cull_fn()}'s locked loop ({@code wq_pool_attach_mutex} and {@code pool->lock}
   * held): while {@code too_many_workers()}, {@code set_worker_dying()} the tail if it has expired,
   * else re-arm the timer for its expiry and stop. Returns the cull list, in cull order.
   */
  public List<Worker> idleCullFn(long nowJ, int requester) {
    List<Worker> cullList = new ArrayList<>();
    while (tooManyWorkers()) {
      Worker tail = idleList.peekLast();
      if (tail == null) {
        warn("WQ4", "too_many_workers() with an empty idle_list in idle_cull_fn()");
        break;
      }
      long expires = tail.lastActive + cfg.idleWorkerTimeoutJiffies();
      if (nowJ < expires) {
        modIdleTimer(expires);
        break;
      }
      if (!setWorkerDying(tail, requester)) break; // the kernel WARNs; it would spin here
      cullList.add(tail);
    }
    Worker tail = idleList.peekLast();
    if (tooManyWorkers() && tail != null && expired(tail, nowJ)) {
      warn(
          "W6", "after a cull pass too_many_workers() holds and the tail " + tail + " has expired");
    }
    return cullList;
  }

  /**
   * {@code set_worker_dying()}: refuses (WARN) unless the worker is IDLE with no current work; else
   * {@code nr_workers--}, {@code nr_idle--}, WORKER_DIE, off the idle list onto the cull list. It
   * does not look at whether the task was already woken (spec C.4).
   */
  public boolean setWorkerDying(Worker w, int requester) {
    if (w.current != null
        || !w.scheduled.isEmpty()
        || !w.has(WorkerFlag.IDLE)
        || w.state != SlotState.LIVE) {
      warn("W5", "set_worker_dying() on " + w + " (current=" + w.current + ")");
      return false;
    }
    nrWorkers--;
    nrIdle--;
    w.flags |= WorkerFlag.DIE.bit;
    listDel(w);
    w.state = SlotState.DYING;
    w.stopper = requester;
    return true;
  }

  /** The dying kthread returned ({@code ida_free()}): the slot may be reused. */
  public void workerExited(Worker w) {
    if (w.state != SlotState.DYING) throw new IllegalStateException(w + " exits while " + w.state);
    w.state = SlotState.FREE;
    w.picked = false;
    w.flags = 0;
  }

  // ------------------------------------------------------------------ CPU hotplug

  /**
   * {@code unbind_workers(cpu)}'s locked part for this pool (mainline: {@code
   * workqueue_offline_cpu()}, on the dying CPU at {@code CPUHP_AP_WORKQUEUE_ONLINE}): every
   * attached worker gets WORKER_UNBOUND, the pool POOL_DISASSOCIATED, {@code nr_running} is zapped
   * and — "with concurrency management just turned off, a busy worker blocking could lead to
   * lengthy stalls" — {@code kick_pool()} starts unbound chain execution. Returns the kick, or
   * null. The caller then {@code unbind_worker()}s every attached worker (its task may run
   * anywhere).
   */
  public Kick unbindWorkers(long nowJ) {
    wqUnbindFlags();
    nrRunning = 0;
    return kickPool(nowJ);
  }

  /**
   * v3.8/v3.9 {@code wq_unbind_fn()}'s locked part for one pool: every worker (on the idle list or
   * busy) WORKER_UNBOUND, the pool POOL_DISASSOCIATED. {@code nr_running} is left as it was: {@link
   * #zapNrRunning} follows after a {@code schedule()}.
   */
  public void wqUnbindFlags() {
    for (int s = 0; s < made; s++) {
      Worker w = slots[s];
      if (w.state == SlotState.LIVE) w.flags |= WorkerFlag.UNBOUND.bit;
    }
    disassociated = true;
  }

  /** {@code atomic_set(&pool->nr_running, 0)} (v3.8/v3.9 {@code wq_unbind_fn()}). */
  public void zapNrRunning() {
    nrRunning = 0;
  }

  /**
   * v3.x {@code wake_up_worker(pool)}: wake the first idle worker ({@code first_worker()}), whether
   * or not work is pending. Returns it, or null if the idle list is empty.
   */
  public Kick wakeUpWorker(long nowJ) {
    Worker w = idleList.peekFirst();
    if (w == null) return null;
    boolean repeat = w.picked;
    w.picked = true;
    return new Kick(w, w.sleepEpoch, w.incarnation, false, false, repeat, expired(w, nowJ), 0);
  }

  /**
   * {@code rebind_workers(pool)}'s locked part (mainline {@code workqueue_online_cpu()}): POOL_
   * DISASSOCIATED cleared; each attached worker's WORKER_UNBOUND replaced by WORKER_REBOUND (also
   * NOT_RUNNING, so {@code nr_running} is untouched; the worker clears REBOUND at its next {@code
   * recheck:} and joins concurrency management then). The caller restores the workers' affinity
   * first ({@code kthread_set_per_cpu()}, {@code set_cpus_allowed_ptr()}).
   */
  public void rebindWorkers() {
    disassociated = false;
    for (int s = 0; s < made; s++) {
      Worker w = slots[s];
      if (w.state != SlotState.LIVE) continue;
      if (!w.has(WorkerFlag.UNBOUND)) warn("W2", "rebind_workers(): " + w + " is not UNBOUND");
      w.flags = (w.flags | WorkerFlag.REBOUND.bit) & ~WorkerFlag.UNBOUND.bit;
    }
  }

  /** The attached workers ({@code pool->workers}): the live slots, in slot order. */
  public List<Worker> attachedWorkers() {
    List<Worker> out = new ArrayList<>();
    for (int s = 0; s < made; s++) if (slots[s].state == SlotState.LIVE) out.add(slots[s]);
    return out;
  }

  public boolean disassociated() {
    return disassociated;
  }

  // ------------------------------------------------------------------ invariants W1, W2, W4, WQ-4

  /**
   * Checks the accounting after a critical section (W1, W2, W4, WQ-4); problems go to {@link
   * #drainWarnings}.
   */
  public void checkAccounting() {
    int idleFlags = 0;
    int counted = 0;
    int live = 0;
    for (int s = 0; s < made; s++) { // a slot not made yet is FREE and on no list
      Worker w = slots[s];
      if (w.state != SlotState.LIVE) {
        if (w.onIdleList || w.onKickedList)
          warn("W4", w + " (" + w.state + ") is on the idle list");
        continue;
      }
      live++;
      if (w.has(WorkerFlag.IDLE)) idleFlags++;
      if ((w.flags & WorkerFlag.NOT_RUNNING) == 0 && !w.sleeping) counted++;
      if (w.has(WorkerFlag.DIE)) warn("W4", w + " is attached with WORKER_DIE");
    }
    if (nrIdle != idleFlags)
      warn("W1", "nr_idle=" + nrIdle + " but " + idleFlags + " workers have WORKER_IDLE");
    if (idleList.size() + kickedList.size() != nrIdle) {
      warn(
          "W1",
          "|idle_list|="
              + idleList.size()
              + " + |kicked_list|="
              + kickedList.size()
              + " != nr_idle="
              + nrIdle);
    }
    if (nrWorkers != live)
      warn("W1", "nr_workers=" + nrWorkers + " but " + live + " attached workers");
    // a disassociated pool's nr_running is zapped, not counted (v3.8: between the flags and the zap
    // the kernel's count is stale on purpose)
    if (!unbound && !disassociated && nrRunning != counted) {
      warn("W2", "nr_running=" + nrRunning + " but " + counted + " workers are counted");
    }
    if (kickedList.size() > 1) warn("WQ4", "kicked_list holds " + kickedList.size() + " workers");
    if (tooManyWorkers() && idleList.isEmpty()) {
      warn(
          "WQ4",
          "too_many_workers() while idle_list is empty (the cull would read list_last_entry of an empty list)");
    }
  }

  void warn(String checker, String message) {
    warnings.add(new String[] {checker, message});
  }

  /** The invariant violations (WARNs) found since the last call: {checker, message}. */
  public List<String[]> drainWarnings() {
    if (warnings.isEmpty()) return List.of();
    List<String[]> out = new ArrayList<>(warnings);
    warnings.clear();
    return out;
  }

  // ------------------------------------------------------------------ accessors

  /** Slot {@code slot}'s worker (made now, with the slots below it, if it was not yet). */
  public Worker worker(int slot) {
    if (slot < 0 || slot >= slots.length)
      throw new IndexOutOfBoundsException("slot " + slot + " of " + slots.length);
    while (made <= slot) make();
    return slots[slot];
  }

  /** The pool's slots ({@code worker(0..slots())}), made or not. */
  public int slots() {
    return slots.length;
  }

  /**
   * The slots made so far ({@code [0, createdSlots())}); every slot above is FREE and has never had
   * a kthread.
   */
  public int createdSlots() {
    return made;
  }

  /** Makes the lowest slot not made yet. */
  private Worker make() {
    Worker w = new Worker(made);
    slots[made++] = w;
    return w;
  }

  public int nrWorkers() {
    return nrWorkers;
  }

  public int nrIdle() {
    return nrIdle;
  }

  public int nrRunning() {
    return nrRunning;
  }

  public boolean managerActive() {
    return managerActive;
  }

  public int worklistLength() {
    return worklist.size();
  }

  public WorkItem worklistHead() {
    return worklist.peekFirst();
  }

  /** The idle list from head to tail (slots). */
  public List<Integer> idleListSlots() {
    List<Integer> out = new ArrayList<>();
    for (Worker w : idleList) out.add(w.slot);
    return out;
  }

  public List<Integer> kickedListSlots() {
    List<Integer> out = new ArrayList<>();
    for (Worker w : kickedList) out.add(w.slot);
    return out;
  }

  public boolean idleTimerPending() {
    return idleTimerPending;
  }

  public long idleTimerExpires() {
    return idleTimerExpires;
  }

  public boolean maydayTimerPending() {
    return maydayTimerPending;
  }

  public boolean cullWorkPending() {
    return cullWorkPending;
  }

  /** PENDING of {@code idle_cull_work} cleared by the worker that runs it. */
  public void cullWorkStarted() {
    cullWorkPending = false;
  }

  public boolean isUnbound() {
    return unbound;
  }

  public WqConfig config() {
    return cfg;
  }
}
