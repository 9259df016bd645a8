package org.kernsim.actors.workqueue;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.cpu.WakeUp;
import org.kernsim.protocol.workqueue.DyingWorker;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.Wake;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;
import org.kernsim.protocol.workqueue.WorkerMessage;
import org.kernsim.protocol.workqueue.WorkloadMessage;
import org.kernsim.protocol.workqueue.WqHotplug;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * One kworker slot: a kthread running {@code worker_thread()}, split at its lock boundaries (spec
 * F.2). While it waits for its pool's answer it spins on {@code pool->lock}: it keeps its CPU and
 * cannot be preempted. Between critical sections it runs like any task: it is preempted at its
 * preemption points and in its work item's CPU time, and it blocks in its item's sleeps.
 *
 * <ul>
 *   <li>{@code woke_up:} → {@link PoolRequest.WorkerWokeUp}: die, go idle, manage, or run an item;
 *   <li>{@code process_one_work()}: unlock (and, in the deferred variants, the wake-up of the
 *       worker {@code kick_pool()} picked), preemption point, the function (CPU, maybe a sleep with
 *       {@code wq_worker_sleeping()} / {@code wq_worker_running()}, CPU), {@code cond_resched()},
 *       relock → {@link PoolRequest.WorkDone};
 *   <li>the manager: kthread creation (a sleep), {@code create_worker()}, CREATE_COOLDOWN, relock;
 *   <li>{@code idle_cull_fn()} when its item is the cull work: the locked loop, then {@code
 *       reap_dying_workers()}: {@code kthread_stop()} (wake, wait for the exit) per dying worker.
 * </ul>
 */
public final class PoolWorker extends Task {

  private enum Pc {
    UNBORN,
    WOKE_UP,
    AFTER_UNLOCK,
    ITEM_CPU1_DONE,
    ITEM_RESUMED,
    ITEM_END,
    MANAGER_CREATE,
    MANAGER_AFTER_COOLDOWN,
    CULL_LOCK,
    REAP,
    BARRIER_DONE,
    FN_RESUME,
    FN_COMPUTED,
    FN_RUNNING,
    /** {@code wq_worker_tick()}: the tick at which the item's CPU time passed the threshold. */
    ITEM_TICK,
    /** WORKER_DIE seen: {@code set_pf_worker(false)} takes {@code wq_pool_attach_mutex}. */
    DIE_ATTACH,
    /** {@code idle_cull_fn()}: {@code mutex_lock(&wq_pool_attach_mutex)} before the pool. */
    CULL_ATTACH,
    /** {@code create_worker()}: {@code worker_attach_to_pool()} under the attach mutex. */
    CREATE_ATTACH,
    UNBIND_FN,
    ITEM_CHUNK,
    DEAD,
    /** v2: the wake_q's wake after an interrupt delivered by raw_spin_unlock_irq_wake(). */
    WAKE_AFTER_IRQ
  }

  /** Where an external function's wait stands. */
  private enum FnWait {
    NONE,
    /** Spinning on the CPU for the reply. */
    SPIN,
    /** In {@code wq_worker_sleeping()} (spinning on pool->lock) before it blocks. */
    SLEEPING_LOCK,
    /** Blocked until the reply. */
    ASLEEP
  }

  private static final String TIMER = "worker-timer";

  /** Lock classes for the lock-order checker. */
  static final String ATTACH = "wq_pool_attach_mutex";

  static final String CULL_WORK = "(work_completion)(&pool->idle_cull_work)";

  private final WqTopology topo;
  private final int pool;
  private final int poolIndex;
  private final WqConfig cfg;
  private final Latency kthreadCreate;
  private final long createCooldown;
  private Pc pc = Pc.UNBORN;
  private boolean awaiting;
  private WorkItem item;
  private boolean counted;

  /** {@code worker->sleeping}: wq_worker_sleeping() done, wq_worker_running() not yet. */
  private boolean marked;

  private Wake pendingWake = Wake.NONE;
  private long pendingWakeSince;
  private long timerToken;
  private long timerEpoch;
  private boolean afterCooldown;
  private List<DyingWorker> reapList = List.of();
  private int reapIndex;
  private boolean stopSent;
  private DyingWorker waitingExit;
  private long waitEpoch;
  private final List<long[]> exited = new ArrayList<>();

  /** Who provides the functions of external items (null: none in this simulation). */
  private final WorkFunction.Registry functions;

  /**
   * ABLATION (not the kernel): an external function's sleeps skip {@code wq_worker_sleeping()}, as
   * if kworkers were run-to-completion actors (spec KX-2).
   */
  private final boolean runToCompletion;

  /** v3.8/v3.9 {@code wq_unbind_fn()}: its steps (a pool entity and a step; null = schedule()). */
  private List<Object[]> unbindSteps = List.of();

  private int unbindStep;

  /**
   * {@code workload.item-cond-resched}: a workload item's CPU time runs in chunks of at most this
   * long, each followed by {@code cond_resched()} (0: one piece).
   */
  private long condResched;

  /** The item's CPU time since its last {@code cond_resched()} (or since the phase began). */
  private long sinceResched;

  private WorkFunction fn;
  private FnWait fnWait = FnWait.NONE;
  private long fnEpoch;
  private final FnHost host = new FnHost();

  /** {@code wq_pool_attach_mutex}, when the layout has it as an entity (else null). */
  private final org.kernsim.actors.mutex.MutexClient attach;

  /** Which workqueue an item belongs to, for the lock-order checker (null: no annotation). */
  private WorkqueueNames wqNames;

  /** The workqueue map held while the current item's function runs, and the cull work's. */
  private String heldWqMap;

  private boolean heldCullWork;

  /** Annotates the items' workqueues for the lock-order checker (see {@link WorkqueueNames}). */
  public void setWorkqueueNames(WorkqueueNames names) {
    this.wqNames = names;
  }

  /** The item's CPU time still to spend in the current segment, and where to go after it. */
  private long segmentLeft;

  private Pc segmentNext;

  /** CPU time since {@code current_at} was last set (process_one_work, wq_worker_running). */
  private long sinceCurrentAt;

  private boolean tickDone;
  private int stopperAfterDie = -1;

  public PoolWorker(
      WqTopology topo, int poolIndex, WqConfig cfg, Latency kthreadCreate, long createCooldown) {
    this(topo, poolIndex, cfg, kthreadCreate, createCooldown, null, false);
  }

  public PoolWorker(
      WqTopology topo,
      int poolIndex,
      WqConfig cfg,
      Latency kthreadCreate,
      long createCooldown,
      WorkFunction.Registry functions,
      boolean runToCompletion) {
    super(topo.machine, Math.max(0, topo.poolCpu(poolIndex)));
    this.topo = topo;
    this.pool = topo.pool(poolIndex);
    this.poolIndex = poolIndex;
    this.cfg = cfg;
    this.kthreadCreate = kthreadCreate;
    this.createCooldown = createCooldown;
    this.functions = functions;
    this.runToCompletion = runToCompletion;
    this.attach =
        topo.attachMutex() < 0
            ? null
            : new org.kernsim.actors.mutex.MutexClient(
                new AttachHost(), topo.machine.latencies().lock());
    int p = poolIndex;
    // create_worker(): kthread_bind_mask() to the pool's CPU and, attached to an associated per-CPU
    // pool, kthread_set_per_cpu(); highpri pools' kworkers get set_user_nice(HIGHPRI_NICE_LEVEL)
    if (topo.poolCpu(p) >= 0) setPerCpuKthread(true);
    else setAllowedCpu(-1);
    if (topo.isHighpri(p)) setNice(-20);
  }

  /** The worker as the caller of {@code wq_pool_attach_mutex}. */
  private final class AttachHost implements org.kernsim.actors.mutex.MutexClient.Host {
    @Override
    public int self(Context ctx) {
      return ctx.self();
    }

    @Override
    public int cpu() {
      return PoolWorker.this.cpu();
    }

    @Override
    public long nextEpoch() {
      return PoolWorker.this.nextEpoch();
    }

    @Override
    public boolean sleep(Context ctx) {
      return PoolWorker.this.sleep(ctx);
    }

    @Override
    public void wake(Context ctx, long epoch) {
      PoolWorker.this.wake(ctx, epoch);
    }

    @Override
    public void resume(Context ctx) {
      PoolWorker.this.run(ctx);
    }
  }

  /**
   * 3.x eras: {@code wq_worker_waking_up()} increments {@code nr_running} when the blocked worker
   * is woken (from {@code try_to_wake_up()} on the waker's CPU, without {@code pool->lock}), not
   * when it runs again.
   */
  private void wakingUp(Context ctx) {
    if (marked && cfg.era().nrRunningAtWakeUp()) {
      marked = false;
      ctx.sendAfter(
          pool,
          new PoolRequest.WorkerRunning(ctx.self(), incarnation()),
          topo.machine.latencies().min());
    }
  }

  // ------------------------------------------------------------------ messages

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof PoolReply r) {
      if (!awaiting)
        throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected reply " + r);
      awaiting = false;
      onReply(ctx, r);
    } else if (attach != null && attach.onMessage(ctx, msg)) {
      return;
    } else if (msg instanceof WorkerMessage.WorkerTimer t) {
      if (t.token() == timerToken) {
        wakingUp(ctx);
        wake(ctx, timerEpoch);
      }
    } else if (msg instanceof WorkerMessage.CreateKthread c) {
      reborn(c.incarnation(), c.cpu());
      if (topo.poolCpu(poolIndex) >= 0) { // a new kthread: bound again (hotplug may follow)
        setAllowedCpu(c.cpu());
        setPerCpuKthread(true);
      }
      pc = Pc.WOKE_UP;
      awaiting = false;
      item = null;
      counted = false;
      marked = false;
      pendingWake = Wake.NONE;
      wake(ctx, 1); // create_worker()'s wake_up_process()
    } else if (msg instanceof WorkerMessage.KthreadExited e) {
      exited.add(new long[] {e.worker(), e.incarnation()});
      if (waitingExit != null
          && waitingExit.worker() == e.worker()
          && waitingExit.incarnation() == e.incarnation()) {
        waitingExit = null;
        wake(ctx, waitEpoch);
      }
    } else if (msg instanceof WqHotplug.UnbindStepDone) {
      if (!awaiting)
        throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected reply " + msg);
      awaiting = false;
      unbindNext(ctx);
    } else if (fn != null && fn.onMessage(ctx, msg, host)) {
      return;
    } else if (functions != null && functions.stray(msg)) {
      return;
    } else {
      super.onMessage(ctx, msg);
    }
  }

  @Override
  protected void onWakeAfterExit(Context ctx, WakeUp w) {
    ctx.count(w.pinned() ? "wakesAfterExitPinned" : "wakesAfterExitBare", 1);
    if (ctx.tracing())
      ctx.trace(new WqNote.WakeAfterExit(ctx.self(), w.incarnation(), w.waker(), w.pinned()));
  }

  private void request(Context ctx, PoolRequest r) {
    request(ctx, pool, r);
  }

  private void request(Context ctx, int target, PoolRequest r) {
    awaiting = true;
    ctx.send(target, r, topo.machine.latencies().lock());
  }

  // ------------------------------------------------------------------ the program

  @Override
  protected void run(Context ctx) {
    if (awaiting)
      throw new IllegalStateException(ctx.name(ctx.self()) + " runs while spinning on pool->lock");
    switch (pc) {
      case WOKE_UP ->
          request(ctx, new PoolRequest.WorkerWokeUp(ctx.self(), incarnation(), cpu(), nextEpoch()));
      case AFTER_UNLOCK -> afterUnlock(ctx);
      case WAKE_AFTER_IRQ -> {
        sendPendingWake(ctx);
        pc = Pc.AFTER_UNLOCK;
        if (preemptionPoint(ctx)) return;
        afterUnlock(ctx);
      }
      case ITEM_CPU1_DONE -> afterCpu1(ctx);
      case ITEM_RESUMED -> {
        if (marked) { // wq_worker_running(): lockless, on the local CPU, before anything else
          marked = false;
          ctx.sendAfter(
              pool,
              new PoolRequest.WorkerRunning(ctx.self(), incarnation()),
              topo.machine.latencies().min());
        }
        sinceCurrentAt = 0; // wq_worker_running(): worker->current_at = sum_exec_runtime
        computeItem(ctx, item.cpuNanos2(), Pc.ITEM_END);
      }
      case ITEM_END -> itemEnd(ctx);
      case MANAGER_CREATE -> {
        if (attach != null) { // worker_attach_to_pool(): mutex_lock(&wq_pool_attach_mutex)
          pc = Pc.CREATE_ATTACH;
          attach.lock(ctx, topo.attachMutex(), ATTACH, "worker_attach_to_pool");
          return;
        }
        request(ctx, new PoolRequest.CreateWorker(ctx.self(), incarnation(), cpu(), afterCooldown));
      }
      case CREATE_ATTACH -> {
        attach.unlock(ctx, topo.attachMutex(), ATTACH);
        request(ctx, new PoolRequest.CreateWorker(ctx.self(), incarnation(), cpu(), afterCooldown));
      }
      case ITEM_TICK -> tick(ctx);
      case DIE_ATTACH -> {
        attach.unlock(ctx, topo.attachMutex(), ATTACH);
        die(ctx);
      }
      case CULL_ATTACH -> {
        Lockdep.acquire(ctx, ctx.self(), "&pool->lock", "idle_cull_fn");
        request(ctx, item.cullPool(), new PoolRequest.IdleCullPass(ctx.self(), cpu()));
      }
      case MANAGER_AFTER_COOLDOWN -> startKthreadCreate(ctx, true);
      case CULL_LOCK -> {
        if (attach != null) { // idle_cull_fn(): mutex_lock(&wq_pool_attach_mutex) first
          pc = Pc.CULL_ATTACH;
          attach.lock(ctx, topo.attachMutex(), ATTACH, "idle_cull_fn");
          return;
        }
        request(ctx, item.cullPool(), new PoolRequest.IdleCullPass(ctx.self(), cpu()));
      }
      case REAP -> reapNext(ctx);
      case BARRIER_DONE -> { // wq_barrier_func(): complete(&barr->done)
        ctx.send(
            item.owner(),
            new WorkloadMessage.BarrierDone(item.id()),
            topo.machine.latencies().lock());
        itemEnd(ctx);
      }
      case FN_RESUME -> {
        fnWait = FnWait.NONE;
        if (marked) { // wq_worker_running()
          marked = false;
          ctx.sendAfter(
              pool,
              new PoolRequest.WorkerRunning(ctx.self(), incarnation()),
              topo.machine.latencies().min());
        }
        pc = Pc.FN_RUNNING;
        fn.resume(ctx, host);
      }
      case FN_COMPUTED -> {
        pc = Pc.FN_RUNNING;
        fn.resume(ctx, host);
      }
      case UNBIND_FN -> unbindNext(ctx); // back from schedule()
      case ITEM_CHUNK -> { // a chunk of the item's CPU time is done: cond_resched()
        quiescentState(ctx);
        sinceResched = 0;
        if (preemptionPoint(ctx)) return;
        nextSegment(ctx);
      }
      default -> throw new IllegalStateException(ctx.name(ctx.self()) + ": runs in state " + pc);
    }
  }

  private void onReply(Context ctx, PoolReply r) {
    if (r instanceof PoolReply.GoIdle g) {
      // worker_enter_idle() + TASK_IDLE + unlock were one critical section: we sleep in the
      // sleep we published, so a waker that saw us on the idle list cannot be lost (W8)
      if (g.epoch() != nextEpoch()) {
        ctx.violation(
            "W8",
            ctx.name(ctx.self())
                + " published sleep "
                + g.epoch()
                + " but sleeps in "
                + nextEpoch());
      }
      pc = Pc.WOKE_UP;
      if (!sleep(ctx)) run(ctx);
    } else if (r instanceof PoolReply.Die d) {
      stopperAfterDie = d.stopper();
      if (attach != null) { // set_pf_worker(false): mutex_lock(&wq_pool_attach_mutex)
        pc = Pc.DIE_ATTACH;
        attach.lock(ctx, topo.attachMutex(), ATTACH, "set_pf_worker");
        return;
      }
      die(ctx);
    } else if (r instanceof PoolReply.TickDone t) {
      tickDone = true;
      nextSegment(ctx);
    } else if (r instanceof PoolReply.Execute e) {
      item = e.item();
      counted = e.counted();
      pendingWake = e.wake();
      pendingWakeSince = ctx.now();
      // v2 (raw_spin_unlock_irq_wake): preemption stays disabled until the wake_q is woken; an
      // interrupt that came while pool->lock was held runs first (irq.rate), the wake after it
      if (pendingWake.present() && !e.preemptible()) {
        if (irqsOn(ctx, false)) {
          ctx.count("deferredWakesAfterIrq", 1);
          pc = Pc.WAKE_AFTER_IRQ;
          return;
        }
        sendPendingWake(ctx);
      }
      pc = Pc.AFTER_UNLOCK;
      // raw_spin_unlock_irq(): a pending interrupt runs now; v1 sends its wake after it (and after
      // a preemption at the interrupt's return, irqentry_exit())
      if (pendingWake.present() && irqsOn(ctx, true)) {
        ctx.count("deferredWakesAfterIrq", 1);
        return;
      }
      if (preemptionPoint(ctx)) return;
      afterUnlock(ctx);
    } else if (r instanceof PoolReply.BecomeManager) {
      startKthreadCreate(ctx, false);
    } else if (r instanceof PoolReply.CreateResult c) {
      if (c.created() || !c.needToCreate()) {
        request(ctx, new PoolRequest.ManagerDone(ctx.self(), incarnation(), cpu(), nextEpoch()));
      } else { // schedule_timeout_interruptible(CREATE_COOLDOWN)
        pc = Pc.MANAGER_AFTER_COOLDOWN;
        sleepFor(ctx, createCooldown);
      }
    } else if (r instanceof PoolReply.SleepingDone) {
      if (fn != null && fnWait == FnWait.SLEEPING_LOCK) fnAsleep(ctx);
      else blockInItem(ctx);
    } else if (r instanceof PoolReply.CullList l) {
      if (attach != null) { // detach_dying_workers(); mutex_unlock(&wq_pool_attach_mutex)
        Lockdep.release(ctx, ctx.self(), "&pool->lock");
        if (!l.dying().isEmpty() && ctx.tracing()) {
          List<Integer> ws = new ArrayList<>();
          for (DyingWorker d : l.dying()) ws.add(d.worker());
          ctx.trace(new WqNote.WorkersDetached(item.cullPool(), cpu(), ws));
        }
        attach.unlock(ctx, topo.attachMutex(), ATTACH);
      }
      reapList = l.dying();
      reapIndex = 0;
      stopSent = false;
      pc = Pc.REAP;
      reapNext(ctx);
    } else {
      throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected reply " + r);
    }
  }

  /**
   * The end of {@code worker_thread()} after WORKER_DIE: {@code worker->pool = NULL}, {@code
   * ida_free(&pool->worker_ida, ...)} (the slot is free again: {@link PoolRequest.WorkerExited}),
   * {@code return 0}: the kthread exits and {@code kthread_stop()} returns to the reaper.
   */
  private void die(Context ctx) {
    pc = Pc.DEAD;
    if (attach != null) { // in the kernel's order: ida_free() touches the pool before the exit
      ctx.send(
          pool,
          new PoolRequest.WorkerExited(ctx.self(), incarnation()),
          topo.machine.latencies().lock());
    }
    exit(ctx);
    if (stopperAfterDie >= 0) {
      ctx.send(
          stopperAfterDie,
          new WorkerMessage.KthreadExited(ctx.self(), incarnation()),
          topo.machine.latencies().lock());
    }
    if (attach == null) {
      ctx.send(
          pool,
          new PoolRequest.WorkerExited(ctx.self(), incarnation()),
          topo.machine.latencies().lock());
    }
  }

  /**
   * Spends {@code nanos} of the item's CPU time, then continues at {@code next}. The time is cut
   * into segments at two kinds of points, whichever comes first:
   *
   * <ul>
   *   <li>{@code wq_worker_tick()} (6.5+): a concurrency-managed worker whose CPU time since {@code
   *       current_at} reaches {@code wq_cpu_intensive_thresh_us} is looked at by the next scheduler
   *       tick (taken at the first jiffy boundary after the threshold, counted in the worker's own
   *       CPU time, which is what {@code sum_exec_runtime} counts): {@link Pc#ITEM_TICK};
   *   <li>{@code workload.item-cond-resched}: the item's loop calls {@code cond_resched()} after
   *       every chunk of that much CPU time, except after its last: {@link Pc#ITEM_CHUNK}. The tick
   *       is an interrupt: it does not move the loop's {@code cond_resched()} points.
   * </ul>
   *
   * With both off, one piece, as before either existed.
   */
  private void computeItem(Context ctx, long nanos, Pc next) {
    segmentLeft = nanos;
    segmentNext = next;
    sinceResched = 0;
    nextSegment(ctx);
  }

  /** The next piece of {@link #segmentLeft}: up to a tick, a cond_resched() point or the end. */
  private void nextSegment(Context ctx) {
    long nanos = segmentLeft;
    long piece = nanos;
    Pc at = segmentNext;
    if (condResched > 0 && nanos > condResched - sinceResched) {
      piece = condResched - sinceResched;
      at = Pc.ITEM_CHUNK;
    }
    long thresh = cfg.cpuIntensiveThreshNanos();
    if (cfg.cpuIntensiveTick() && counted && !tickDone && sinceCurrentAt + piece > thresh) {
      long toThresh = Math.max(0, thresh - sinceCurrentAt);
      long when = ctx.now() + toThresh;
      long j = cfg.jiffyNanos();
      long toTick = toThresh + (j - Math.floorMod(when, j));
      if (toTick < piece) {
        piece = toTick;
        at = Pc.ITEM_TICK;
      }
    }
    sinceCurrentAt += piece;
    sinceResched += piece;
    segmentLeft = nanos - piece;
    pc = at;
    compute(ctx, piece, true);
  }

  /** The scheduler tick: {@code wq_worker_tick()} takes {@code pool->lock} from IRQ context. */
  private void tick(Context ctx) {
    request(ctx, new PoolRequest.WorkerTick(ctx.self(), incarnation(), cpu()));
  }

  /** Sleeps for {@code nanos} on the worker's own timer; {@link #run} continues at {@code pc}. */
  private void sleepFor(Context ctx, long nanos) {
    timerEpoch = nextEpoch();
    ctx.startTimer(TIMER, Math.max(1, nanos), new WorkerMessage.WorkerTimer(++timerToken));
    if (!sleep(ctx)) run(ctx);
  }

  private void startKthreadCreate(Context ctx, boolean cooldown) {
    afterCooldown = cooldown;
    pc = Pc.MANAGER_CREATE; // kthread_create_on_node(): waits for kthreadd
    sleepFor(ctx, kthreadCreate.sample(ctx.random()));
  }

  private void sendPendingWake(Context ctx) {
    long delay = ctx.now() - pendingWakeSince;
    ctx.record("deferredWakeDelayNanos", delay);
    if (delay > 0) ctx.count("deferredWakesAfterPreemption", 1);
    WorkerPool.sendDeferredWake(
        ctx, ctx.self(), cpu(), pool, pendingWake, cfg, topo.machine.latencies().lock());
    pendingWake = Wake.NONE;
  }

  private void afterUnlock(Context ctx) {
    if (pendingWake.present()) sendPendingWake(ctx); // v1: wake_up_process() after the unlock
    // lock_map_acquire(pwq->wq->lockdep_map); lock_map_acquire(&lockdep_map) of the work
    heldWqMap = wqNames == null ? null : wqNames.of(item);
    if (heldWqMap != null)
      Lockdep.acquire(ctx, ctx.self(), "(wq_completion)" + heldWqMap, "process_one_work");
    if (item.kind() == WorkKind.IDLE_CULL) {
      if (attach != null) {
        heldCullWork = true;
        Lockdep.acquire(ctx, ctx.self(), CULL_WORK, "process_one_work");
      }
      pc = Pc.CULL_LOCK;
      compute(ctx, item.cpuNanos(), true);
      return;
    }
    if (item.kind() == WorkKind.BARRIER) {
      pc = Pc.BARRIER_DONE;
      compute(ctx, item.cpuNanos(), true);
      return;
    }
    if (item.kind() == WorkKind.UNBIND) {
      startUnbind(ctx);
      return;
    }
    if (item.kind() == WorkKind.EXTERNAL) {
      if (functions == null)
        throw new IllegalStateException(
            ctx.name(ctx.self()) + ": no function for external " + item);
      fn = functions.create(item);
      fnWait = FnWait.NONE;
      pc = Pc.FN_RUNNING;
      if (ctx.tracing())
        ctx.trace(new WqNote.ExternalCalled(pool, cpu(), ctx.self(), item.id(), item.owner()));
      fn.call(ctx, host);
      return;
    }
    sinceCurrentAt = 0; // process_one_work(): worker->current_at = sum_exec_runtime
    tickDone = false;
    computeItem(ctx, item.cpuNanos(), Pc.ITEM_CPU1_DONE);
  }

  private void afterCpu1(Context ctx) {
    if (item.sleepNanos() <= 0) {
      pc = Pc.ITEM_END;
      itemEnd(ctx);
      return;
    }
    // the function blocks (I/O): the completion is this worker's own timer
    timerEpoch = nextEpoch();
    ctx.startTimer(TIMER, item.sleepNanos(), new WorkerMessage.WorkerTimer(++timerToken));
    if (counted && !marked) { // schedule() -> wq_worker_sleeping(), under pool->lock
      marked = true;
      request(ctx, new PoolRequest.WorkerSleeping(ctx.self(), incarnation(), cpu()));
      return;
    }
    blockInItem(ctx);
  }

  private void blockInItem(Context ctx) {
    pc = Pc.ITEM_RESUMED;
    if (!sleep(ctx)) run(ctx);
  }

  /** The function returned: {@code cond_resched()}, then relock. */
  private void itemEnd(Context ctx) {
    if (heldCullWork) { // lock_map_release(&lockdep_map)
      heldCullWork = false;
      Lockdep.release(ctx, ctx.self(), CULL_WORK);
    }
    if (heldWqMap != null) { // lock_map_release(pwq->wq->lockdep_map)
      Lockdep.release(ctx, ctx.self(), "(wq_completion)" + heldWqMap);
      heldWqMap = null;
    }
    pc = Pc.ITEM_END;
    if (preemptionPoint(ctx)) return;
    request(
        ctx, new PoolRequest.WorkDone(ctx.self(), incarnation(), cpu(), item.id(), nextEpoch()));
  }

  // ------------------------------------------------------------------ external functions

  private void fnAsleep(Context ctx) {
    fnWait = FnWait.ASLEEP;
    pc = Pc.FN_RESUME;
    if (!sleep(ctx)) run(ctx);
  }

  /** The kworker as seen by the external function it runs. */
  private final class FnHost implements WorkFunction.Kworker {
    @Override
    public int cpu() {
      return PoolWorker.this.cpu();
    }

    @Override
    public void await(Context ctx, boolean blocking) {
      if (fnWait != FnWait.NONE)
        throw new IllegalStateException(ctx.name(ctx.self()) + ": await while " + fnWait);
      fnWait = FnWait.SPIN;
      if (blocking) block(ctx);
    }

    @Override
    public void block(Context ctx) {
      if (fnWait != FnWait.SPIN) return; // the reply came first, or it already sleeps
      fnEpoch = nextEpoch();
      if (counted
          && !marked
          && !runToCompletion) { // schedule() -> wq_worker_sleeping(), under pool->lock
        marked = true;
        fnWait = FnWait.SLEEPING_LOCK;
        request(ctx, new PoolRequest.WorkerSleeping(ctx.self(), incarnation(), cpu()));
        return;
      }
      fnAsleep(ctx);
    }

    @Override
    public void done(Context ctx) {
      switch (fnWait) {
        case SPIN -> { // it spun on its CPU: goes on at once
          fnWait = FnWait.NONE;
          fn.resume(ctx, host);
        }
        case SLEEPING_LOCK, ASLEEP -> {
          wakingUp(ctx);
          wake(ctx, fnEpoch); // try_to_wake_up(); before the sleep: it does not block
        }
        default ->
            throw new IllegalStateException(
                ctx.name(ctx.self()) + ": a reply for a function that does not wait");
      }
    }

    @Override
    public void compute(Context ctx, long nanos) {
      pc = Pc.FN_COMPUTED;
      PoolWorker.this.compute(ctx, nanos, true);
    }

    @Override
    public void returned(Context ctx) {
      if (fnWait != FnWait.NONE)
        throw new IllegalStateException(
            ctx.name(ctx.self()) + ": function returns while " + fnWait);
      fn = null;
      itemEnd(ctx);
    }
  }

  /** {@code workload.item-cond-resched}; 0 (the default) runs an item's CPU time in one piece. */
  public void setCondResched(long nanos) {
    this.condResched = nanos;
  }

  // ------------------------------------------------------------------ wq_unbind_fn()

  /**
   * v3.8 {@code gcwq_unbind_fn()} / v3.9 {@code wq_unbind_fn()} ({@code kernel/workqueue.c}: v3.8.3
   * lines 3562-3611, v3.9.6 lines 3420-3478), run by a kworker of the dying CPU's highpri pool,
   * over the CPU's standard pools (normal, then highpri). v3.8: the flags of both pools ({@code
   * WORKER_UNBOUND}, {@code GCWQ_DISASSOCIATED}), one {@code schedule()}, then both {@code
   * nr_running} zapped — nothing kicks the normal pool. In v3.8 both pools sit under one {@code
   * gcwq->lock} and the flags are set in one section; the model's pools are separate lock domains,
   * so it sets them in two sections back to back (the highpri pool, where this worker runs, second:
   * nothing of the normal pool's can run in between that would see a difference). v3.9
   * (eb2834285cf1, merged in the v3.9 merge window): per pool, the flags, {@code schedule()}, the
   * zap and {@code wake_up_worker(pool)} under the lock.
   */
  private void startUnbind(Context ctx) {
    int cpu = item.cullPool();
    int[] pools = {topo.pool(cpu), topo.highpriPool(cpu)};
    List<Object[]> steps = new ArrayList<>();
    if (topo.machine.hotplug().kernel() == org.kernsim.actors.machine.HotplugConfig.Kernel.V3_8) {
      for (int p : pools) steps.add(new Object[] {p, WqHotplug.Step.UNBIND});
      steps.add(new Object[] {-1, null});
      for (int p : pools) steps.add(new Object[] {p, WqHotplug.Step.ZAP_NR_RUNNING});
    } else {
      for (int p : pools) {
        steps.add(new Object[] {p, WqHotplug.Step.UNBIND});
        steps.add(new Object[] {-1, null});
        steps.add(new Object[] {p, WqHotplug.Step.ZAP_NR_RUNNING});
        steps.add(new Object[] {p, WqHotplug.Step.WAKE_UP_WORKER});
      }
    }
    unbindSteps = steps;
    unbindStep = 0;
    pc = Pc.UNBIND_FN;
    unbindNext(ctx);
  }

  private void unbindNext(Context ctx) {
    while (unbindStep < unbindSteps.size()) {
      Object[] st = unbindSteps.get(unbindStep++);
      WqHotplug.Step step = (WqHotplug.Step) st[1];
      if (step == null) { // schedule(): cross rq->lock so the scheduler hooks see WORKER_UNBOUND
        schedule(ctx);
        return;
      }
      var msg = new WqHotplug.UnbindStep(ctx.self(), incarnation(), cpu(), step);
      if (step == WqHotplug.Step.ZAP_NR_RUNNING) { // atomic_set(): no lock, no wait
        ctx.send((int) st[0], msg, topo.machine.latencies().lock());
        continue;
      }
      awaiting = true;
      ctx.send((int) st[0], msg, topo.machine.latencies().lock());
      return;
    }
    unbindSteps = List.of();
    itemEnd(ctx);
  }

  // ------------------------------------------------------------------ reap_dying_workers()

  private void reapNext(Context ctx) {
    while (reapIndex < reapList.size()) {
      DyingWorker d = reapList.get(reapIndex);
      if (!stopSent) { // kthread_stop(): wake_up_process() on a task we hold a reference to
        stopSent = true;
        ctx.send(
            d.worker(),
            new WakeUp(ctx.self(), d.epoch(), d.incarnation(), true),
            topo.machine.latencies().lock());
      }
      if (takeExited(d)) { // put_task_struct(): the task may now be freed
        if (ctx.tracing()) {
          ctx.trace(
              new WqNote.WorkerReaped(
                  topo.pool(topo.poolOfWorker(d.worker())), cpu(), d.worker(), d.incarnation()));
        }
        reapIndex++;
        stopSent = false;
        continue;
      }
      waitingExit = d; // wait_for_completion(&kthread->exited)
      waitEpoch = nextEpoch();
      if (sleep(ctx)) return;
    }
    reapList = List.of();
    itemEnd(ctx);
  }

  private boolean takeExited(DyingWorker d) {
    for (int i = 0; i < exited.size(); i++) {
      long[] e = exited.get(i);
      if (e[0] == d.worker() && e[1] == d.incarnation()) {
        exited.remove(i);
        return true;
      }
    }
    return false;
  }
}
