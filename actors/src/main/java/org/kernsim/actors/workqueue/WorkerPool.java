package org.kernsim.actors.workqueue;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.cpu.CpuMessage;
import org.kernsim.protocol.cpu.WakeUp;
import org.kernsim.protocol.hotplug.CpuhpState;
import org.kernsim.protocol.hotplug.HotplugMessage;
import org.kernsim.protocol.sched.SchedMessage;
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
import org.kernsim.protocol.workqueue.WqNote.KickSite;

/**
 * One {@code struct worker_pool}: the {@code pool->lock} domain. Every message is one critical
 * section (spec F.2): the pool runs the kernel function on its {@link PoolLogic} and answers; the
 * answer is the unlock. Wake-ups picked by {@code kick_pool()} are sent from here, under the lock,
 * except in the deferred-wake variants' hot paths ({@code __queue_work()}, {@code
 * process_one_work()}), where the requester sends them after its unlock.
 */
public final class WorkerPool implements Entity, org.kernsim.engine.AbstractState {
  private static final String IDLE_TIMER = "idle_timer";
  private static final String MAYDAY_TIMER = "mayday_timer";

  /**
   * A model layered on the pool (pool_workqueues, pool life cycle, rescuers: package {@code
   * wqlife}): it handles the messages that are not the pool's own, each as one critical section (or
   * a lockless step) on this pool, and is told when a section ends.
   */
  public interface Extension {
    /** A message that is not one of the pool's own; false if it is not the extension's either. */
    boolean receive(Context ctx, Object msg);

    /** Called at the end of every critical section of the pool, before the invariants. */
    default void afterSection(Context ctx) {}

    /**
     * Whether the pool exists at time 0 ({@code workqueue_init()} gives it its first worker) or
     * only once {@code get_unbound_pool()} creates it.
     */
    default boolean dormant() {
      return false;
    }

    /** Whether {@code msg} is a lockless step that may land inside another critical section. */
    default boolean lockless(Object msg) {
      return false;
    }

    /**
     * {@code pool_mayday_timeout()} found {@code need_to_create_worker()}: {@code send_mayday()}
     * for the work on the worklist (inside the timer's critical section).
     */
    default void maydayTimeout(Context ctx) {}
  }

  private final WqTopology topo;
  private final int index;
  private final int cpu;
  private final PoolLogic pool;
  private final WqConfig cfg;

  /** The CPU whose timer wheel holds the idle timer (the CPU that armed it). */
  private int timerCpu;

  /** The arming of the idle timer the CPU's deferrable base holds (timer.wheel = v6.13). */
  private long idleTimerToken;

  /** The CPU of the critical section being handled. */
  private int sectionCpu;

  private long reqIds;

  /** The requesting worker's next sleep, for a decision taken at the end of a manager window. */
  private long pendingEpoch;

  /** When each slot was first picked by kick_pool() since it last took the lock (ns). */
  private final long[] pickedAt;

  private final Extension ext;

  /**
   * 3.x eras: the manager's first critical section is still going on (until its {@link
   * PoolRequest.ManagerWindowEnd}); lock requests wait in {@link #waiting}, spinning.
   */
  private boolean managerWindow;

  private final java.util.ArrayDeque<Object> waiting = new java.util.ArrayDeque<>();

  /** v3.8/v3.9: the {@code CPU_DOWN_PREPARE} callback waiting in {@code flush_work()}. */
  private HotplugMessage.CpuhpCallback unbindFlush;

  public WorkerPool(WqTopology topo, int index, int slots, WqConfig cfg) {
    this(topo, index, slots, cfg, null);
  }

  /** A pool with a layered model ({@link Extension}), made from the pool once it exists. */
  public WorkerPool(
      WqTopology topo,
      int index,
      int slots,
      WqConfig cfg,
      java.util.function.Function<WorkerPool, Extension> extension) {
    this.topo = topo;
    this.index = index;
    this.cpu = topo.poolCpu(index);
    this.cfg = cfg;
    this.pool = new PoolLogic(cpu < 0, slots, cfg);
    this.timerCpu = Math.max(0, cpu);
    this.pickedAt = new long[slots];
    this.ext = extension == null ? null : extension.apply(this);
  }

  /** The pool's logic (tests). */
  PoolLogic logic() {
    return pool;
  }

  // ------------------------------------------------------------------ for a layered model

  /** The pool's state, for the {@link Extension} (one critical section per message). */
  public PoolLogic state() {
    return pool;
  }

  public int index() {
    return index;
  }

  public WqTopology topology() {
    return topo;
  }

  public WqConfig config() {
    return cfg;
  }

  /** The CPU of the critical section being handled (timelines, the idle timer's CPU). */
  public void sectionCpu(int cpu) {
    this.sectionCpu = cpu;
  }

  /**
   * Wakes the worker {@code kick_pool()} picked under the lock, or (deferred variants, when {@code
   * deferrable}) returns it for the requester to wake after the unlock.
   */
  public Wake kicked(Context ctx, PoolLogic.Kick k, int reqCpu, KickSite site, boolean deferrable) {
    if (k == null) return Wake.NONE;
    if (deferrable && cfg.variant().defers()) return deferredWake(ctx, k, reqCpu, site);
    wakeNow(ctx, k, reqCpu, site);
    return Wake.NONE;
  }

  /** {@code create_worker()}'s locked part for a pool {@code get_unbound_pool()} just made. */
  public boolean createFirstWorker(Context ctx, int reqCpu) {
    return createWorker(ctx, cpu < 0 ? Math.max(0, reqCpu) : cpu, reqCpu);
  }

  /** Ends a critical section of the extension: timers, the invariants, the pool's state note. */
  public void endSection(Context ctx) {
    afterSection(ctx);
  }

  /** For exploration coverage: see {@link PoolAbstraction}. */
  @Override
  public long abstractState(long now) {
    return PoolAbstraction.of(pool, now);
  }

  @Override
  public void start(Context ctx) {
    if (ext != null && ext.dormant()) return;
    // workqueue_init(): one initial worker per pool
    createWorker(ctx, cpu < 0 ? 0 : cpu, -1);
    afterSection(ctx);
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (managerWindow && !(msg instanceof PoolRequest.ManagerWindowEnd) && !lockless(msg)) {
      waiting.addLast(msg); // spins on pool->lock until the manager's section ends
      return;
    }
    if (msg instanceof PoolRequest.QueueWork q) onQueueWork(ctx, q);
    else if (msg instanceof PoolRequest.WorkerWokeUp w) onWokeUp(ctx, w);
    else if (msg instanceof PoolRequest.WorkDone d) onWorkDone(ctx, d);
    else if (msg instanceof PoolRequest.WorkerSleeping s) onWorkerSleeping(ctx, s);
    else if (msg instanceof PoolRequest.WorkerRunning r) onWorkerRunning(ctx, r);
    else if (msg instanceof PoolRequest.CreateWorker c) onCreateWorker(ctx, c);
    else if (msg instanceof PoolRequest.ManagerDone m) onManagerDone(ctx, m);
    else if (msg instanceof PoolRequest.IdleCullPass c) onIdleCullPass(ctx, c);
    else if (msg instanceof PoolRequest.WorkerExited e) onWorkerExited(ctx, e);
    else if (msg instanceof PoolRequest.PendingCleared p) onPendingCleared(ctx, p);
    else if (msg instanceof PoolRequest.IdleTimerFired) onIdleTimerDue(ctx);
    else if (msg instanceof SchedMessage.TimerSoftirq t) onIdleTimerSoftirq(ctx, t);
    else if (msg instanceof PoolRequest.MaydayTimerFired) onMaydayTimer(ctx);
    else if (msg instanceof PoolRequest.QueueWorkIfExecuting q) onQueueWorkIfExecuting(ctx, q);
    else if (msg instanceof PoolRequest.InsertBarrier b) onInsertBarrier(ctx, b);
    else if (msg instanceof PoolReply.Queued q) onOwnQueueReply(ctx, q);
    else if (msg instanceof PoolRequest.ManagerWindowEnd m) onManagerWindowEnd(ctx, m);
    else if (msg instanceof PoolRequest.WorkerTick t) onWorkerTick(ctx, t);
    else if (msg instanceof HotplugMessage.CpuhpCallback c) onCpuhpCallback(ctx, c);
    else if (msg instanceof WqHotplug.UnbindStep u) onUnbindStep(ctx, u);
    else if (ext == null || !ext.receive(ctx, msg))
      throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected " + msg);
  }

  private boolean lockless(Object msg) {
    // 3.x: wq_worker_sleeping() runs under the runqueue lock, not pool->lock
    if (msg instanceof PoolRequest.WorkerSleeping) return cfg.era().nrRunningAtWakeUp();
    // wq_unbind_fn(): atomic_set(&pool->nr_running, 0) takes no lock
    if (msg instanceof WqHotplug.UnbindStep u) return u.step() == WqHotplug.Step.ZAP_NR_RUNNING;
    return msg instanceof PoolRequest.WorkerRunning
        || msg instanceof PoolReply.Queued
        || (ext != null && ext.lockless(msg));
  }

  // ------------------------------------------------------------------ 3.x: the manager's section

  /**
   * The end of the critical section in which a worker took the manager role (3.x eras): 3.18's
   * early exit or {@code maybe_create_worker()}'s unlock; then the lock requests that spun
   * meanwhile.
   */
  private void onManagerWindowEnd(Context ctx, PoolRequest.ManagerWindowEnd m) {
    managerWindow = false;
    sectionCpu = m.cpu();
    PoolLogic.Worker w = worker(ctx, m.manager(), m.incarnation());
    PoolLogic.Decision d = pool.managerCheck(w, cfg.jiffies(ctx.now()), m.nextEpoch());
    if (pool.drainManagerEarlyExits() > 0) {
      ctx.count("managerEarlyExits", 1);
      if (ctx.tracing()) {
        ctx.trace(
            new WqNote.ManagerEarlyExit(
                ctx.self(), m.cpu(), m.manager(), pool.earlyExitNrRunning(), pool.nrIdle()));
      }
    }
    answer(ctx, m.manager(), w, d, m.cpu());
    afterSection(ctx);
    while (!managerWindow && !waiting.isEmpty()) receive(ctx, waiting.pollFirst());
  }

  // ------------------------------------------------------------------ wq_worker_tick()

  private void onWorkerTick(Context ctx, PoolRequest.WorkerTick t) {
    sectionCpu = t.cpu();
    PoolLogic.Worker w = worker(ctx, t.worker(), t.incarnation());
    WorkItem item = w.current();
    PoolLogic.Kick kick = pool.wqWorkerTick(w, cfg.jiffies(ctx.now()));
    boolean marked = w.has(WorkerFlag.CPU_INTENSIVE);
    if (marked) {
      ctx.count("cpuIntensiveMarked", 1);
      if (ctx.tracing() && item != null) {
        ctx.trace(
            new WqNote.CpuIntensiveSet(
                ctx.self(), t.cpu(), t.worker(), item.id(), pool.nrRunning()));
      }
    }
    if (kick != null) wakeNow(ctx, kick, t.cpu(), KickSite.WORKER_TICK);
    ctx.send(t.worker(), new PoolReply.TickDone(marked), topo.machine.latencies().lock());
    afterSection(ctx);
  }

  // ------------------------------------------------------------------ __queue_work()

  private void onQueueWork(Context ctx, PoolRequest.QueueWork q) {
    Wake deferred = queueWork(ctx, q.requester(), q.cpu(), q.item());
    ctx.send(
        q.requester(), new PoolReply.Queued(q.reqId(), deferred), topo.machine.latencies().lock());
    afterSection(ctx);
  }

  /**
   * {@code __queue_work()} on the pool the item last ran on: if it is executing here, queue it here
   * (non-reentrancy); else unlock and go on to the pool the caller chose.
   */
  private void onQueueWorkIfExecuting(Context ctx, PoolRequest.QueueWorkIfExecuting q) {
    if (ctx.self() != q.fallbackPool() && pool.findWorkerExecutingWork(q.item()) == null) {
      ctx.send(
          q.fallbackPool(),
          new PoolRequest.QueueWorkIfExecuting(
              q.requester(), q.cpu(), q.reqId(), q.item(), q.context(), q.fallbackPool()),
          topo.machine.latencies().lock());
      return;
    }
    Wake deferred = queueWork(ctx, q.requester(), q.cpu(), q.item());
    ctx.send(
        q.requester(),
        new PoolReply.QueuedOn(q.reqId(), ctx.self(), deferred),
        topo.machine.latencies().lock());
    afterSection(ctx);
  }

  /**
   * {@code flush_work()}: {@code insert_wq_barrier()} after the target if it is queued or executing
   * in this pool; no kick either way.
   */
  private void onInsertBarrier(Context ctx, PoolRequest.InsertBarrier b) {
    sectionCpu = b.cpu();
    int where = pool.insertBarrier(b.target(), b.barrier());
    boolean inserted = where != PoolLogic.NOT_FOUND;
    if (inserted && ctx.tracing()) {
      ctx.trace(
          new WqNote.BarrierInserted(
              ctx.self(),
              b.cpu(),
              b.barrier().id(),
              b.target(),
              where == PoolLogic.ON_WORKLIST ? -1 : topo.worker(index, where)));
    }
    ctx.count(inserted ? "flushBarriersInserted" : "flushesWithNothingToFlush", 1);
    ctx.send(
        b.requester(),
        new PoolReply.BarrierInserted(b.reqId(), inserted),
        topo.machine.latencies().lock());
    afterSection(ctx);
  }

  /**
   * {@code __queue_work()}'s locked part; returns the worker to wake after the unlock (deferred
   * variants).
   */
  private Wake queueWork(Context ctx, int requester, int reqCpu, WorkItem item) {
    sectionCpu = reqCpu;
    long nowJ = cfg.jiffies(ctx.now());
    if (item.kind() == WorkKind.IDLE_CULL) ctx.count("cullWorkQueued", 1);
    else if (item.kind() == WorkKind.UNBIND) ctx.count("unbindWorkQueued", 1);
    else ctx.count("workItemsQueued", 1);
    pool.insertWork(item);
    if (ctx.tracing()) {
      ctx.trace(
          new WqNote.WorkQueued(ctx.self(), reqCpu, item.id(), requester, pool.worklistLength()));
    }
    PoolLogic.Kick kick = pool.kickPool(nowJ);
    Wake deferred = Wake.NONE;
    if (kick != null) {
      if (cfg.variant().defers()) deferred = deferredWake(ctx, kick, reqCpu, KickSite.QUEUE_WORK);
      else wakeNow(ctx, kick, reqCpu, KickSite.QUEUE_WORK);
    }
    return deferred;
  }

  /** The reply to this pool's own queueing of another pool's (or its own) idle_cull_work. */
  private void onOwnQueueReply(Context ctx, PoolReply.Queued q) {
    if (q.wake().present())
      sendDeferredWake(
          ctx,
          ctx.self(),
          timerCpu,
          topo.unboundPool(),
          q.wake(),
          cfg,
          topo.machine.latencies().lock());
  }

  /** Sends a deferred wake-up after the unlock (any requester: a task, a timer, a pool). */
  public static void sendDeferredWake(
      Context ctx, int waker, int cpu, int pool, Wake w, WqConfig cfg, Latency latency) {
    boolean pinned = cfg.variant().parks() || cfg.pinnedDeferredWake();
    if (ctx.tracing())
      ctx.trace(new WqNote.DeferredWake(waker, cpu, pool, w.worker(), w.incarnation(), pinned));
    ctx.count("deferredWakes", 1);
    ctx.send(w.worker(), new WakeUp(waker, w.epoch(), w.incarnation(), pinned), latency);
  }

  // ------------------------------------------------------------------ worker_thread()

  private PoolLogic.Worker worker(Context ctx, int entity, long incarnation) {
    if (!topo.isWorker(entity) || topo.poolOfWorker(entity) != index) {
      throw new IllegalStateException(
          ctx.name(ctx.self()) + ": " + ctx.name(entity) + " is not one of its workers");
    }
    PoolLogic.Worker w = pool.worker(topo.slotOf(entity));
    if (w.incarnation() != incarnation) {
      throw new IllegalStateException(
          ctx.name(entity)
              + " life "
              + incarnation
              + " talks to its pool, which knows life "
              + w.incarnation());
    }
    return w;
  }

  private void onWokeUp(Context ctx, PoolRequest.WorkerWokeUp r) {
    sectionCpu = r.cpu();
    PoolLogic.Worker w = worker(ctx, r.worker(), r.incarnation());
    long nowJ = cfg.jiffies(ctx.now());
    boolean wasIdle = w.has(WorkerFlag.IDLE);
    boolean die = w.has(WorkerFlag.DIE);
    if (w.picked())
      ctx.record("kickToLockNanos", ctx.now() - pickedAt[w.slot]); // the seed's window
    if (ctx.tracing())
      ctx.trace(new WqNote.WokeUp(ctx.self(), r.cpu(), r.worker(), r.incarnation(), wasIdle, die));
    pendingEpoch = r.nextEpoch();
    PoolLogic.Decision d = pool.wokeUp(w, nowJ, r.nextEpoch());
    if (d.next() == PoolLogic.Next.IDLE && !die) ctx.count("wakeupsWithoutWork", 1);
    answer(ctx, r.worker(), w, d, r.cpu());
    afterSection(ctx);
  }

  private void onWorkDone(Context ctx, PoolRequest.WorkDone r) {
    sectionCpu = r.cpu();
    PoolLogic.Worker w = worker(ctx, r.worker(), r.incarnation());
    WorkItem item = w.current();
    if (item != null && item.kind() != WorkKind.IDLE_CULL && item.kind() != WorkKind.UNBIND)
      ctx.count("workItemsCompleted", 1);
    if (item != null && item.kind() == WorkKind.UNBIND && unbindFlush != null) {
      // flush_work(&unbind_work) in workqueue_cpu_down_callback() returns: CPU_DOWN_PREPARE is done
      ctx.send(
          unbindFlush.replyTo(),
          new HotplugMessage.CpuhpCallbackDone(
              unbindFlush.op(), CpuhpState.CPU_DOWN_PREPARE, unbindFlush.cpu()),
          topo.machine.latencies().lock());
      unbindFlush = null;
    }
    if (ctx.tracing())
      ctx.trace(new WqNote.WorkCompleted(ctx.self(), r.cpu(), r.worker(), r.item()));
    PoolLogic.Decision d = pool.workDone(w, r.item(), cfg.jiffies(ctx.now()), r.nextEpoch());
    answer(ctx, r.worker(), w, d, r.cpu());
    afterSection(ctx);
  }

  private void onManagerDone(Context ctx, PoolRequest.ManagerDone r) {
    sectionCpu = r.cpu();
    PoolLogic.Worker w = worker(ctx, r.manager(), r.incarnation());
    pendingEpoch = r.nextEpoch();
    PoolLogic.Decision d = pool.managerDone(w, cfg.jiffies(ctx.now()), r.nextEpoch());
    answer(ctx, r.manager(), w, d, r.cpu());
    afterSection(ctx);
  }

  /** Turns a worker's decision into notes, wakes and the reply (the unlock). */
  private void answer(
      Context ctx, int entity, PoolLogic.Worker w, PoolLogic.Decision d, int reqCpu) {
    var lock = topo.machine.latencies().lock();
    switch (d.next()) {
      case DIE -> {
        if (ctx.tracing()) {
          ctx.trace(
              new WqNote.DieSeen(
                  ctx.self(), reqCpu, entity, w.incarnation(), pool.worklistLength()));
        }
        ctx.send(entity, new PoolReply.Die(d.stopper()), lock);
      }
      case IDLE -> {
        if (ctx.tracing()) {
          ctx.trace(
              new WqNote.EnteredIdle(
                  ctx.self(),
                  reqCpu,
                  entity,
                  w.lastActive(),
                  pool.worklistLength(),
                  pool.nrIdle()));
        }
        ctx.send(entity, new PoolReply.GoIdle(d.epoch()), lock);
      }
      case MANAGE -> {
        if (pool.drainManagerTaken() && cfg.era().managerWindow()) {
          // the section goes on: mutex_trylock(&pool->manager_arb), maybe_create_worker()'s test
          managerWindow = true;
          ctx.sendAfter(
              ctx.self(),
              new PoolRequest.ManagerWindowEnd(entity, w.incarnation(), reqCpu, pendingEpoch),
              Math.max(1, cfg.manageWindow().sample(ctx.random())));
          return;
        }
        ctx.count("managerRuns", 1);
        if (ctx.tracing()) ctx.trace(new WqNote.ManagerStarted(ctx.self(), reqCpu, entity));
        ctx.send(entity, new PoolReply.BecomeManager(), lock);
      }
      case EXECUTE -> {
        WorkItem item = d.item();
        if (ctx.tracing()) {
          ctx.trace(
              new WqNote.WorkStarted(ctx.self(), reqCpu, entity, item.id(), pool.worklistLength()));
        }
        clearPending(ctx, item);
        Wake deferred = Wake.NONE;
        boolean preemptible = false;
        if (d.kick() != null) {
          if (cfg.variant().defers()) {
            deferred = deferredWake(ctx, d.kick(), reqCpu, KickSite.PROCESS_ONE_WORK);
            preemptible = cfg.variant().preemptibleDeferral();
          } else {
            wakeNow(ctx, d.kick(), reqCpu, KickSite.PROCESS_ONE_WORK);
          }
        }
        ctx.send(entity, new PoolReply.Execute(item, d.counted(), deferred, preemptible), lock);
      }
      default -> throw new IllegalStateException("unexpected decision " + d);
    }
  }

  /** {@code set_work_pool_and_clear_pending()}: tell whoever holds the item's PENDING bit. */
  private void clearPending(Context ctx, WorkItem item) {
    if (item.owner() < 0 || item.kind() == WorkKind.BARRIER) return;
    if (item.kind() == WorkKind.IDLE_CULL) {
      if (item.owner() == ctx.self()) pool.cullWorkStarted();
      else
        ctx.send(
            item.owner(),
            new PoolRequest.PendingCleared(item.id()),
            topo.machine.latencies().lock());
    } else {
      ctx.send(
          item.owner(),
          new WorkloadMessage.PendingCleared(item.id()),
          topo.machine.latencies().lock());
    }
  }

  private void onPendingCleared(Context ctx, PoolRequest.PendingCleared p) {
    if (p.item() != WorkItem.idleCull(ctx.self()).id())
      throw new IllegalStateException("unknown pending item " + p.item());
    pool.cullWorkStarted();
  }

  // ------------------------------------------------------------------ concurrency management

  private void onWorkerSleeping(Context ctx, PoolRequest.WorkerSleeping s) {
    sectionCpu = s.cpu();
    PoolLogic.Worker w = worker(ctx, s.worker(), s.incarnation());
    PoolLogic.Kick kick = pool.wqWorkerSleeping(w, cfg.jiffies(ctx.now()));
    if (ctx.tracing())
      ctx.trace(new WqNote.WorkerSleepingNote(ctx.self(), s.cpu(), s.worker(), pool.nrRunning()));
    if (kick != null) wakeNow(ctx, kick, s.cpu(), KickSite.WORKER_SLEEPING); // never deferred
    ctx.send(s.worker(), new PoolReply.SleepingDone(), topo.machine.latencies().lock());
    afterSection(ctx);
  }

  private void onWorkerRunning(Context ctx, PoolRequest.WorkerRunning r) {
    pool.wqWorkerRunning(worker(ctx, r.worker(), r.incarnation()));
    if (cfg.era().nrRunningAtWakeUp() && ctx.tracing())
      ctx.trace(new WqNote.WakingUp(ctx.self(), r.worker(), pool.nrRunning()));
    afterSection(ctx);
  }

  // ------------------------------------------------------------------ kicks

  private void countKick(
      Context ctx, PoolLogic.Kick k, int reqCpu, KickSite site, boolean deferred) {
    ctx.count("kicks", 1);
    if (k.repeat()) ctx.count("kicksCoalesced", 1);
    if (k.othersPicked() > 0 && !k.repeat()) ctx.count("kicksWhileAnotherPicked", 1);
    if (k.expired()) ctx.count("kicksOfExpiredWorkers", 1);
    int entity = topo.worker(index, k.worker().slot);
    if (!k.repeat()) pickedAt[k.worker().slot] = ctx.now();
    if (ctx.tracing()) {
      ctx.trace(
          new WqNote.Kicked(
              ctx.self(),
              reqCpu,
              entity,
              k.incarnation(),
              site,
              k.claimed(),
              k.parked(),
              deferred,
              k.repeat(),
              k.expired()));
    }
  }

  private void wakeNow(Context ctx, PoolLogic.Kick k, int reqCpu, KickSite site) {
    countKick(ctx, k, reqCpu, site, false);
    int entity = topo.worker(index, k.worker().slot);
    ctx.send(
        entity,
        new WakeUp(ctx.self(), k.epoch(), k.incarnation(), true),
        topo.machine.latencies().lock());
  }

  private Wake deferredWake(Context ctx, PoolLogic.Kick k, int reqCpu, KickSite site) {
    countKick(ctx, k, reqCpu, site, true);
    return new Wake(topo.worker(index, k.worker().slot), k.epoch(), k.incarnation());
  }

  // ------------------------------------------------------------------ CPU hotplug

  /**
   * A hotplug callback for this pool's CPU. Mainline ({@code kernel/workqueue.c}): {@code
   * workqueue_prepare_cpu()} ({@code CPUHP_WORKQUEUE_PREP}: a first worker if the pool has none),
   * {@code workqueue_offline_cpu()} → {@code unbind_workers()} and {@code workqueue_online_cpu()} →
   * {@code rebind_workers()} ({@code CPUHP_AP_WORKQUEUE_ONLINE}), for the CPU's normal pool and
   * then ({@code for_each_cpu_worker_pool}) its highpri pool. v3.8/v3.9 {@code
   * workqueue_cpu_down_callback()} ({@code CPU_DOWN_PREPARE}, on the highpri pool): {@code
   * queue_work_on(cpu, system_highpri_wq, &unbind_work); flush_work(&unbind_work)}.
   */
  private void onCpuhpCallback(Context ctx, HotplugMessage.CpuhpCallback c) {
    long nowJ = cfg.jiffies(ctx.now());
    if (c.state() == CpuhpState.CPU_DOWN_PREPARE) {
      unbindFlush = c;
      Wake deferred = queueWork(ctx, c.replyTo(), 0, WorkItem.unbind(ctx.self(), cpu, c.op()));
      if (deferred.present())
        sendDeferredWake(
            ctx, ctx.self(), 0, ctx.self(), deferred, cfg, topo.machine.latencies().lock());
      afterSection(ctx);
      return;
    }
    sectionCpu = cpu;
    if (c.state() == CpuhpState.WORKQUEUE_PREP) {
      if (pool.nrWorkers() == 0) createWorker(ctx, cpu, cpu); // workqueue_prepare_cpu()
    } else if (c.state() == CpuhpState.AP_WORKQUEUE_ONLINE && !c.bringup()) {
      if (pool.worklistLength() > 0) ctx.count("poolsUnboundWithWorkPending", 1);
      PoolLogic.Kick kick = pool.unbindWorkers(nowJ); // unbind_workers(), locked part
      ctx.count("poolsUnbound", 1);
      if (kick != null) wakeNow(ctx, kick, cpu, KickSite.HOTPLUG_UNBIND);
      // unbind_worker(): kthread_set_per_cpu(task, -1); set_cpus_allowed_ptr(wq_unbound_cpumask)
      for (PoolLogic.Worker w : pool.attachedWorkers())
        ctx.send(
            topo.worker(index, w.slot),
            new CpuMessage.SetCpusAllowed(-1, false),
            topo.machine.latencies().lock());
    } else if (c.state() == CpuhpState.AP_WORKQUEUE_ONLINE) {
      // rebind_workers(): affinity first (kthread_set_per_cpu, set_cpus_allowed_ptr), then the lock
      for (PoolLogic.Worker w : pool.attachedWorkers())
        ctx.send(
            topo.worker(index, w.slot),
            new CpuMessage.SetCpusAllowed(cpu, true),
            topo.machine.latencies().lock());
      pool.rebindWorkers();
      ctx.count("poolsRebound", 1);
    }
    afterSection(ctx);
    if (topo.highpri && !topo.isHighpri(index)) {
      ctx.send(topo.highpriPool(cpu), c, topo.machine.latencies().lock()); // the next std pool
    } else {
      ctx.send(
          c.replyTo(),
          new HotplugMessage.CpuhpCallbackDone(c.op(), c.state(), c.cpu()),
          topo.machine.latencies().lock());
    }
  }

  /** A step of v3.8/v3.9 {@code wq_unbind_fn()} on this pool, by the kworker running it. */
  private void onUnbindStep(Context ctx, WqHotplug.UnbindStep u) {
    sectionCpu = u.cpu();
    switch (u.step()) {
      case UNBIND -> {
        if (pool.worklistLength() > 0) ctx.count("poolsUnboundWithWorkPending", 1);
        pool.wqUnbindFlags();
        ctx.count("poolsUnbound", 1);
      }
      case ZAP_NR_RUNNING -> pool.zapNrRunning();
      case WAKE_UP_WORKER -> {
        PoolLogic.Kick kick = pool.wakeUpWorker(cfg.jiffies(ctx.now()));
        if (kick != null) wakeNow(ctx, kick, u.cpu(), KickSite.HOTPLUG_UNBIND);
      }
      default -> throw new IllegalStateException("unbind step " + u);
    }
    if (u.step() != WqHotplug.Step.ZAP_NR_RUNNING)
      ctx.send(u.worker(), new WqHotplug.UnbindStepDone(u.step()), topo.machine.latencies().lock());
    afterSection(ctx);
  }

  // ------------------------------------------------------------------ the manager

  private void onCreateWorker(Context ctx, PoolRequest.CreateWorker c) {
    sectionCpu = c.cpu();
    worker(ctx, c.manager(), c.incarnation());
    if (c.afterCooldown() && !pool.needToCreateWorker()) {
      ctx.send(
          c.manager(), new PoolReply.CreateResult(false, false), topo.machine.latencies().lock());
      afterSection(ctx);
      return;
    }
    int newCpu = cpu >= 0 ? cpu : ctx.random().nextInt(topo.cpus);
    boolean created = createWorker(ctx, newCpu, c.cpu());
    if (!created) ctx.count("createWorkerFailures", 1);
    ctx.send(
        c.manager(),
        new PoolReply.CreateResult(created, pool.needToCreateWorker()),
        topo.machine.latencies().lock());
    afterSection(ctx);
  }

  /** {@code create_worker()}: a free slot gets a new kthread, idle at the head, woken. */
  private boolean createWorker(Context ctx, int newCpu, int reqCpu) {
    PoolLogic.Worker w = pool.createWorker(cfg.jiffies(ctx.now()), newCpu);
    if (w == null) return false;
    int entity = topo.worker(index, w.slot);
    ctx.count("workersCreated", 1);
    if (ctx.tracing())
      ctx.trace(new WqNote.WorkerCreated(ctx.self(), Math.max(0, reqCpu), entity, w.incarnation()));
    // the kthread and its first wake_up_process(): with the smallest delay, so that it is born
    // before any later wake-up can reach it
    ctx.sendAfter(
        entity,
        new WorkerMessage.CreateKthread(ctx.self(), w.incarnation(), newCpu),
        topo.machine.latencies().min());
    if (cpu >= 0 && pool.disassociated()) {
      // worker_attach_to_pool() of a disassociated pool: kthread_bind_mask() to the (offline) CPU,
      // but no kthread_set_per_cpu(): the scheduler moves it (select_fallback_rq)
      ctx.sendAfter(
          entity, new CpuMessage.SetCpusAllowed(cpu, false), topo.machine.latencies().min() + 1);
    }
    return true;
  }

  private void onMaydayTimer(Context ctx) {
    if (pool.maydayTimeout(cfg.jiffies(ctx.now()))) {
      ctx.count("maydays", 1);
      if (ext != null) ext.maydayTimeout(ctx);
    }
    afterSection(ctx);
  }

  // ------------------------------------------------------------------ idle culling

  /**
   * The idle timer's wheel bucket expired. It is {@code TIMER_DEFERRABLE} ({@code
   * init_worker_pool()}: {@code timer_setup(&pool->idle_timer, idle_worker_timeout,
   * TIMER_DEFERRABLE)}, v6.13.7 {@code kernel/workqueue.c:4773}): with {@code timer.wheel = v6.13}
   * the CPU whose {@code BASE_DEF} holds it runs it at its next tick ({@code
   * SchedMessage.DeferrableTimer}); without the wheel it runs now.
   */
  private void onIdleTimerDue(Context ctx) {
    if (topo.machine.timers().exact()) {
      onIdleTimer(ctx);
      return;
    }
    ctx.send(
        topo.machine.cpu(timerCpu),
        new SchedMessage.DeferrableTimer(ctx.self(), idleTimerToken, cfg.jiffyNanos()),
        topo.machine.latencies().local());
  }

  /** The timer softirq of the CPU runs {@code idle_worker_timeout()} (if still armed so). */
  private void onIdleTimerSoftirq(Context ctx, SchedMessage.TimerSoftirq t) {
    if (t.token() != idleTimerToken || !pool.idleTimerPending()) return; // re-armed or deleted
    ctx.count("idleTimerDelayNanos", ctx.now() - pool.idleTimerExpires() * cfg.jiffyNanos());
    onIdleTimer(ctx);
  }

  private void onIdleTimer(Context ctx) {
    sectionCpu = timerCpu;
    long nowJ = cfg.jiffies(ctx.now());
    if (cfg.era().cullInTimer()) {
      idleTimerDestroys(ctx, nowJ);
      return;
    }
    PoolLogic.Timeout t = pool.idleWorkerTimeout(nowJ);
    ctx.count("idleTimerFires", 1);
    if (ctx.tracing()) {
      ctx.trace(
          new WqNote.IdleTimeout(
              ctx.self(),
              timerCpu,
              t == PoolLogic.Timeout.CULL,
              t == PoolLogic.Timeout.CULL_PENDING,
              pool.idleTimerPending() ? pool.idleTimerExpires() : -1));
    }
    if (t == PoolLogic.Timeout.CULL) {
      // after the unlock: queue_work(system_unbound_wq, &pool->idle_cull_work), from the timer
      // softirq
      ctx.send(
          topo.unboundPool(),
          new PoolRequest.QueueWork(
              ctx.self(),
              timerCpu,
              ++reqIds,
              WorkItem.idleCull(ctx.self()),
              PoolRequest.QueueContext.SOFTIRQ),
          topo.machine.latencies().lock());
    }
    afterSection(ctx);
  }

  /**
   * {@code idle_worker_timeout()} of 3.17 .. 6.4: under {@code pool->lock}, while {@code
   * too_many_workers()}, {@code destroy_worker()} the expired tail (WORKER_DIE, off the idle list,
   * {@code wake_up_process()}), or re-arm the timer for its expiry. Nobody reaps: the woken worker
   * sees WORKER_DIE and returns.
   */
  private void idleTimerDestroys(Context ctx, long nowJ) {
    pool.idleTimerPending = false;
    ctx.count("idleTimerFires", 1);
    List<PoolLogic.Worker> destroyed = pool.idleCullFn(nowJ, -1);
    for (PoolLogic.Worker w : destroyed) {
      int entity = topo.worker(index, w.slot);
      ctx.count("culls", 1);
      if (w.picked()) ctx.count("kickedWorkersCulled", 1);
      if (ctx.tracing()) {
        ctx.trace(
            new WqNote.WorkerDying(
                ctx.self(), timerCpu, entity, w.incarnation(), w.lastActive(), w.picked()));
      }
      ctx.send(
          entity,
          new WakeUp(ctx.self(), w.sleepEpoch(), w.incarnation(), true),
          topo.machine.latencies().lock());
    }
    if (ctx.tracing()) {
      ctx.trace(
          new WqNote.CullPass(
              ctx.self(), timerCpu, destroyed.size(), pool.nrIdle(), pool.nrWorkers()));
    }
    afterSection(ctx);
  }

  private void onIdleCullPass(Context ctx, PoolRequest.IdleCullPass c) {
    sectionCpu = c.cpu();
    long nowJ = cfg.jiffies(ctx.now());
    // near misses: a kicked worker that has not run yet sits on the idle list when the cull looks
    boolean kickedIdle = false;
    boolean kickedExpired = false;
    for (int s = 0; s < pool.createdSlots(); s++) { // the rest are FREE
      PoolLogic.Worker w = pool.worker(s);
      if (w.picked() && w.has(WorkerFlag.IDLE)) {
        kickedIdle = true;
        kickedExpired |= pool.expired(w, nowJ);
      }
    }
    if (kickedIdle) ctx.count("cullPassesWithKickedIdleWorker", 1);
    if (kickedExpired) ctx.count("cullPassesWithKickedExpiredWorker", 1);
    List<PoolLogic.Worker> culled = pool.idleCullFn(nowJ, c.requester());
    List<DyingWorker> dying = new ArrayList<>(culled.size());
    ctx.count("cullPasses", 1);
    for (PoolLogic.Worker w : culled) {
      int entity = topo.worker(index, w.slot);
      dying.add(new DyingWorker(entity, w.incarnation(), w.sleepEpoch()));
      ctx.count("culls", 1);
      if (w.picked()) ctx.count("kickedWorkersCulled", 1);
      if (ctx.tracing()) {
        ctx.trace(
            new WqNote.WorkerDying(
                ctx.self(), c.cpu(), entity, w.incarnation(), w.lastActive(), w.picked()));
      }
    }
    if (ctx.tracing())
      ctx.trace(
          new WqNote.CullPass(ctx.self(), c.cpu(), culled.size(), pool.nrIdle(), pool.nrWorkers()));
    ctx.send(
        c.requester(), new PoolReply.CullList(List.copyOf(dying)), topo.machine.latencies().lock());
    afterSection(ctx);
  }

  private void onWorkerExited(Context ctx, PoolRequest.WorkerExited e) {
    PoolLogic.Worker w = pool.worker(topo.slotOf(e.worker()));
    if (w.incarnation() != e.incarnation())
      throw new IllegalStateException("exit of a past life of " + w);
    pool.workerExited(w);
  }

  // ------------------------------------------------------------------ after every section

  private void afterSection(Context ctx) {
    if (!pool.punted.isEmpty()) {
      for (long[] p : pool.punted) {
        if (ctx.tracing())
          ctx.trace(
              new WqNote.WorkPunted(ctx.self(), sectionCpu, p[0], topo.worker(index, (int) p[1])));
        ctx.count("workPunted", 1);
      }
      pool.punted.clear();
    }
    if (pool.idleTimerChanged) {
      pool.idleTimerChanged = false;
      idleTimerToken++;
      if (pool.idleTimerPending) {
        timerCpu = cpu >= 0 ? cpu : sectionCpu;
        // mod_timer(): due at the expiry, or (timer.wheel = v6.13) at its wheel bucket's expiry
        long at =
            topo.machine.timers().dueNanos(pool.idleTimerExpires, ctx.now(), cfg.jiffyNanos());
        ctx.startTimer(IDLE_TIMER, Math.max(1, at - ctx.now()), new PoolRequest.IdleTimerFired());
      } else {
        ctx.cancelTimer(IDLE_TIMER);
      }
    }
    if (pool.maydayTimerChanged) {
      pool.maydayTimerChanged = false;
      if (pool.maydayTimerPending) {
        long at =
            topo.machine.timers().dueNanos(pool.maydayTimerExpires, ctx.now(), cfg.jiffyNanos());
        ctx.startTimer(
            MAYDAY_TIMER, Math.max(1, at - ctx.now()), new PoolRequest.MaydayTimerFired());
      } else {
        ctx.cancelTimer(MAYDAY_TIMER);
      }
    }
    if (ext != null) ext.afterSection(ctx);
    pool.checkAccounting();
    for (String[] w : pool.drainWarnings()) ctx.violation(w[0], ctx.name(ctx.self()) + ": " + w[1]);
    if (ctx.tracing()) {
      WorkItem head = pool.worklistHead();
      ctx.trace(
          new WqNote.PoolState(
              ctx.self(),
              pool.worklistLength(),
              pool.nrWorkers(),
              pool.nrIdle(),
              pool.nrRunning(),
              pool.managerActive(),
              head == null ? -1 : head.id()));
    }
  }
}
