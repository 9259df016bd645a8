package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.workqueue.PoolLogic;
import org.kernsim.actors.workqueue.WorkerFlag;
import org.kernsim.actors.workqueue.WorkerPool;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.workqueue.DyingWorker;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.Wake;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.workqueue.WqNote.KickSite;
import org.kernsim.protocol.wqlife.LifeMessage;
import org.kernsim.protocol.wqlife.LifeNote;
import org.kernsim.protocol.wqlife.LifeReply;
import org.kernsim.protocol.wqlife.PwqRequest;
import org.kernsim.protocol.wqlife.WqRequest;

/**
 * The life of one worker pool and of its pool_workqueues, layered on a {@link WorkerPool} (its
 * {@link WorkerPool.Extension}): the {@code pool->lock} sections of {@code __queue_work()} through
 * a pwq, {@code put_pwq()}, flushes, {@code put_unbound_pool()}, timer and work cancellation,
 * mayday and rescuers, and {@code rcu_free_pool()} after the grace period ({@code
 * kernel/workqueue.c}, 2026). The decisions are {@link PwqLogic}'s and {@link PoolLogic}'s; this
 * class turns them into messages.
 */
public final class PoolLife implements WorkerPool.Extension {

  /** Where the pool is in its life. */
  public enum State {
    /** Not created yet: an unbound pool {@code get_unbound_pool()} may create later. */
    DORMANT,
    LIVE,
    /** {@code put_unbound_pool()} took it apart; {@code rcu_free_pool()} follows. */
    DESTROYING,
    /** {@code rcu_free_pool()} ran: its memory is freed. */
    FREED
  }

  private final WorkerPool wp;
  private final PoolLogic pool;
  private final PwqLogic pwqs;
  private final int releaseWorker;
  private final Latency lock;
  private State state;
  private final Map<Integer, PoolLogic.Worker> rescuers = new HashMap<>();

  /** {@code manager_wait}: the destroyer waiting for POOL_MANAGER_ACTIVE to clear (task, token). */
  private long[] managerWaiter;

  /**
   * @param releaseWorker the entity of {@code pwq_release_worker}
   * @param dormant whether the pool only exists once {@code get_unbound_pool()} creates it
   */
  public PoolLife(WorkerPool wp, int releaseWorker, boolean dormant) {
    this.wp = wp;
    this.pool = wp.state();
    this.pwqs = new PwqLogic(pool);
    this.releaseWorker = releaseWorker;
    this.lock = wp.topology().machine.latencies().lock();
    this.state = dormant ? State.DORMANT : State.LIVE;
  }

  public PwqLogic pwqs() {
    return pwqs;
  }

  public State state() {
    return state;
  }

  @Override
  public boolean dormant() {
    return state == State.DORMANT;
  }

  @Override
  public boolean lockless(Object msg) {
    return msg instanceof RcuMessage.GracePeriodDone
        || msg instanceof PwqRequest.InitPwq
        || msg instanceof PwqRequest.CullWorkCancelled;
  }

  @Override
  public boolean receive(Context ctx, Object msg) {
    if (msg instanceof PwqRequest.QueueOnPwq q) onQueue(ctx, q);
    else if (msg instanceof PwqRequest.InitPwq i) onInitPwq(ctx, i);
    else if (msg instanceof PwqRequest.PutPwq p) onPutPwq(ctx, p);
    else if (msg instanceof PwqRequest.PwqBusy b) onPwqBusy(ctx, b);
    else if (msg instanceof PwqRequest.FlushPwq f) onFlush(ctx, f);
    else if (msg instanceof PwqRequest.InitPool i) onInitPool(ctx, i);
    else if (msg instanceof PwqRequest.PutUnboundPoolLocked p) onPutUnboundPool(ctx, p);
    else if (msg instanceof PwqRequest.DeleteIdleTimer d) onDeleteIdleTimer(ctx, d);
    else if (msg instanceof PwqRequest.DeleteMaydayTimer d) onDeleteMaydayTimer(ctx, d);
    else if (msg instanceof PwqRequest.CancelWork c) onCancelWork(ctx, c);
    else if (msg instanceof PwqRequest.CullWorkCancelled) pool.cullWorkCancelled();
    else if (msg instanceof PwqRequest.MaydayRejected m) onMaydayRejected(ctx, m);
    else if (msg instanceof PwqRequest.RescueStart r) onRescueStart(ctx, r);
    else if (msg instanceof PwqRequest.RescueWorkDone r) onRescueWorkDone(ctx, r);
    else if (msg instanceof RcuMessage.GracePeriodDone g) rcuFreePool(ctx);
    else return false;
    return true;
  }

  private long nowJ(Context ctx) {
    return wp.config().jiffies(ctx.now());
  }

  private PwqLogic.Pwq pwq(Context ctx, long id) {
    PwqLogic.Pwq p = pwqs.pwq(id);
    if (p == null) throw new IllegalStateException(ctx.name(ctx.self()) + ": no pwq " + id);
    return p;
  }

  // ------------------------------------------------------------------ pwqs

  /** {@code init_pwq()} (the new pwq is not published yet: no lock). */
  private void onInitPwq(Context ctx, PwqRequest.InitPwq i) {
    pwqs.initPwq(i.pwq(), i.wq(), i.unbound(), i.maxActive(), i.cpuIntensive(), i.rescuer());
    ctx.send(i.requester(), new LifeReply.Done(i.token()), lock);
  }

  /** {@code __queue_work()} with the pwq determined, under its pool's lock. */
  private void onQueue(Context ctx, PwqRequest.QueueOnPwq q) {
    wp.sectionCpu(q.cpu());
    PwqLogic.Pwq p = pwq(ctx, q.pwq());
    PwqLogic.Queued r = pwqs.queueWork(p, q.item(), nowJ(ctx));
    if (r == PwqLogic.Queued.RETRY) { // unlock, cpu_relax(), goto retry
      ctx.count("queueRetries", 1);
      ctx.send(
          q.wq(),
          new WqRequest.QueueWork(q.requester(), q.cpu(), q.reqId(), q.item(), false),
          lock);
      wp.endSection(ctx);
      return;
    }
    ctx.count("workItemsQueued", 1);
    Wake wake = Wake.NONE;
    if (r == PwqLogic.Queued.ACTIVE) {
      if (ctx.tracing()) {
        ctx.trace(
            new WqNote.WorkQueued(
                ctx.self(), q.cpu(), q.item().id(), q.requester(), pool.worklistLength()));
      }
      wake = wp.kicked(ctx, pwqs.lastKick, q.cpu(), KickSite.QUEUE_WORK, true);
    } else {
      ctx.count("workItemsInactive", 1);
      if (ctx.tracing()) {
        ctx.trace(
            new LifeNote.ItemInactive(ctx.self(), q.cpu(), p.id, q.item().id(), p.nrActive()));
      }
    }
    ctx.send(q.requester(), new PoolReply.Queued(q.reqId(), wake), lock);
    wp.endSection(ctx);
  }

  private void onPutPwq(Context ctx, PwqRequest.PutPwq p) {
    wp.sectionCpu(p.cpu());
    pwqs.putPwq(pwq(ctx, p.pwq()));
    ctx.send(p.requester(), new LifeReply.Done(p.token()), lock);
    wp.endSection(ctx);
  }

  private void onPwqBusy(Context ctx, PwqRequest.PwqBusy b) {
    wp.sectionCpu(b.cpu());
    PwqLogic.Pwq p = pwq(ctx, b.pwq());
    ctx.send(
        b.requester(),
        new LifeReply.PwqStatus(b.token(), pwqs.pwqBusy(p, b.dfl()), pwqs.pwqIsEmpty(p)),
        lock);
    wp.endSection(ctx);
  }

  private void onFlush(Context ctx, PwqRequest.FlushPwq f) {
    wp.sectionCpu(f.cpu());
    boolean wait = pwqs.flushPrep(pwq(ctx, f.pwq()), f.requester(), f.token());
    ctx.send(f.requester(), new LifeReply.FlushArmed(f.token(), wait), lock);
    wp.endSection(ctx);
  }

  // ------------------------------------------------------------------ the pool's life

  /** {@code get_unbound_pool()}: {@code init_worker_pool()}, then {@code create_worker()}. */
  private void onInitPool(Context ctx, PwqRequest.InitPool i) {
    if (state != State.DORMANT)
      throw new IllegalStateException(ctx.name(ctx.self()) + " created twice (" + state + ")");
    state = State.LIVE;
    wp.sectionCpu(i.cpu());
    if (ctx.tracing()) ctx.trace(new LifeNote.PoolCreated(ctx.self(), i.cpu(), i.attrs()));
    ctx.count("poolsCreated", 1);
    wp.createFirstWorker(ctx, i.cpu());
    ctx.send(i.requester(), new LifeReply.Done(i.token()), lock);
    wp.endSection(ctx);
  }

  /**
   * {@code put_unbound_pool()} under {@code wq_pool_attach_mutex} and {@code pool->lock}: unless a
   * manager is active ({@code rcuwait_wait_event(&manager_wait, ...)}), take POOL_MANAGER_ACTIVE
   * ("We're the last manager and @pool gets freed with the flag set"), <code>
   * while ((worker = first_idle_worker(pool))) set_worker_dying(worker, &cull_list);</code> and
   * <code>WARN_ON(pool->nr_workers || pool->nr_idle)</code>. A worker that is attached but not idle
   * is not found by {@code first_idle_worker()}: the WARN fires and nothing waits for it.
   */
  private void onPutUnboundPool(Context ctx, PwqRequest.PutUnboundPoolLocked p) {
    wp.sectionCpu(p.cpu());
    PoolRelease.Result r = PoolRelease.putUnboundPoolLocked(pool, p.requester());
    if (r.managerActive()) {
      managerWaiter = new long[] {p.requester(), p.token()};
      ctx.send(p.requester(), new LifeReply.PoolCulled(p.token(), true, List.of(), 0, 0), lock);
      wp.endSection(ctx);
      return;
    }
    state = State.DESTROYING;
    List<DyingWorker> dying = new ArrayList<>();
    for (int i = 0; i < r.dying().size(); i++) {
      PoolLogic.Worker w = r.dying().get(i);
      int entity = wp.topology().worker(wp.index(), w.slot);
      dying.add(new DyingWorker(entity, w.incarnation(), w.sleepEpoch()));
      ctx.count("poolWorkersDestroyed", 1);
      if (ctx.tracing()) {
        ctx.trace(
            new LifeNote.PoolWorkerDying(
                ctx.self(), p.cpu(), entity, w.incarnation(), r.dyingWerePicked().get(i)));
      }
    }
    if (ctx.tracing()) {
      ctx.trace(
          new LifeNote.PoolDestroying(
              ctx.self(), p.cpu(), dying.size(), r.nrWorkers(), r.nrIdle()));
    }
    if (r.warns()) {
      ctx.count("putUnboundPoolWarns", 1);
      List<String> left = new ArrayList<>();
      for (PoolLogic.Worker w : r.attachedNotIdle()) {
        left.add(
            ctx.name(wp.topology().worker(wp.index(), w.slot))
                + " ["
                + WorkerFlag.describe(w.flags())
                + (w.picked() ? ", picked by kick_pool(), not yet run" : "")
                + "]");
      }
      ctx.violation(
          "PutUnboundPoolWarn",
          ctx.name(ctx.self())
              + ": WARN_ON(pool->nr_workers || pool->nr_idle) in put_unbound_pool(): nr_workers="
              + r.nrWorkers()
              + ", nr_idle="
              + r.nrIdle()
              + "; attached and not idle: "
              + (left.isEmpty() ? "none" : String.join(", ", left)));
    }
    ctx.send(
        p.requester(),
        new LifeReply.PoolCulled(p.token(), false, List.copyOf(dying), r.nrWorkers(), r.nrIdle()),
        lock);
    wp.endSection(ctx);
  }

  private void onDeleteIdleTimer(Context ctx, PwqRequest.DeleteIdleTimer d) {
    wp.sectionCpu(d.cpu());
    pool.timerDeleteIdle();
    ctx.send(d.requester(), new LifeReply.TimerDeleted(d.token(), pool.cullWorkPending()), lock);
    wp.endSection(ctx);
  }

  private void onDeleteMaydayTimer(Context ctx, PwqRequest.DeleteMaydayTimer d) {
    wp.sectionCpu(d.cpu());
    pool.timerDeleteMayday();
    ctx.send(d.requester(), new LifeReply.TimerDeleted(d.token(), pool.cullWorkPending()), lock);
    wp.endSection(ctx);
  }

  /**
   * {@code cancel_work_sync()}'s grab and flush on the pool the item was queued on: {@code
   * try_to_grab_pending()} takes it off the worklist; if a worker runs it, {@code
   * insert_wq_barrier()} (the barrier's function tells the canceller).
   */
  private void onCancelWork(Context ctx, PwqRequest.CancelWork c) {
    wp.sectionCpu(c.cpu());
    PwqRequest.CancelOutcome o;
    if (pool.removeFromWorklist(c.item())) {
      o = PwqRequest.CancelOutcome.GRABBED;
    } else if (pool.findWorkerExecutingWork(c.item()) != null) {
      WorkItem barrier = WorkItem.barrier(c.requester(), c.token(), 200);
      pool.insertBarrier(c.item().id(), barrier);
      o = PwqRequest.CancelOutcome.FLUSHING;
    } else {
      o = PwqRequest.CancelOutcome.NOT_HERE;
    }
    ctx.send(c.requester(), new LifeReply.Cancelled(c.token(), o), lock);
    wp.endSection(ctx);
  }

  /** {@code rcu_free_pool()}: after the grace period, {@code kfree(pool)}. */
  private void rcuFreePool(Context ctx) {
    if (state != State.DESTROYING)
      throw new IllegalStateException(ctx.name(ctx.self()) + " freed while " + state);
    state = State.FREED;
    ctx.count("poolsFreed", 1);
    if (ctx.tracing()) ctx.trace(new LifeNote.PoolFreed(ctx.self()));
  }

  // ------------------------------------------------------------------ mayday, rescuer

  @Override
  public void maydayTimeout(Context ctx) {
    for (PwqLogic.Pwq p : pwqs.sendMaydays()) {
      ctx.count("maydaysSent", 1);
      if (ctx.tracing()) ctx.trace(new LifeNote.MaydaySent(ctx.self(), -1, p.id, p.wq));
      ctx.send(p.wq, new WqRequest.Mayday(p.id, ctx.self()), lock);
    }
  }

  private void onMaydayRejected(Context ctx, PwqRequest.MaydayRejected m) {
    pwqs.maydayRejected(pwq(ctx, m.pwq()));
    wp.endSection(ctx);
  }

  private void onRescueStart(Context ctx, PwqRequest.RescueStart r) {
    wp.sectionCpu(r.cpu());
    PoolLogic.Worker rescuer = pool.attachRescuer(r.rescuer());
    rescuers.put(r.rescuer(), rescuer);
    pwqs.slurp(pwq(ctx, r.pwq()), rescuer);
    rescueNext(ctx, r.rescuer(), r.token(), r.cpu(), rescuer, pwq(ctx, r.pwq()), 0);
  }

  private void onRescueWorkDone(Context ctx, PwqRequest.RescueWorkDone r) {
    wp.sectionCpu(r.cpu());
    PoolLogic.Worker rescuer = rescuers.get(r.rescuer());
    if (rescuer == null) throw new IllegalStateException("no rescuer " + ctx.name(r.rescuer()));
    WorkItem done = pool.releaseWork(rescuer, r.item());
    if (done.kind() != WorkItem.WorkKind.IDLE_CULL) ctx.count("workItemsCompleted", 1);
    rescueNext(ctx, r.rescuer(), r.token(), r.cpu(), rescuer, pwq(ctx, r.pwq()), 1);
  }

  /**
   * {@code process_scheduled_works(rescuer)}: the next scheduled item up to its unlock; when none
   * is left, the mayday re-queue, "Leave this pool. Notify regular workers": {@code kick_pool()}.
   */
  private void rescueNext(
      Context ctx,
      int rescuerEntity,
      long token,
      int cpu,
      PoolLogic.Worker rescuer,
      PwqLogic.Pwq p,
      int done) {
    if (done > 0) ctx.count("itemsRescued", done);
    if (rescuer.scheduledCount() > 0) {
      WorkItem next = pool.scheduledHead(rescuer);
      PoolLogic.Decision d = pool.processOneWork(rescuer, next, nowJ(ctx));
      wp.kicked(ctx, d.kick(), cpu, KickSite.PROCESS_ONE_WORK, false);
      if (ctx.tracing()) ctx.trace(new LifeNote.Rescued(ctx.self(), cpu, rescuerEntity, next.id()));
      ctx.send(rescuerEntity, new LifeReply.RescueItem(token, next), lock);
      wp.endSection(ctx);
      return;
    }
    if (pwqs.maydayRequeue(p)) {
      ctx.count("maydaysSent", 1);
      ctx.send(p.wq, new WqRequest.Mayday(p.id, ctx.self()), lock);
    }
    wp.kicked(ctx, pool.kickPool(nowJ(ctx)), cpu, KickSite.PWQ, false);
    pool.detachRescuer(rescuer);
    rescuers.remove(rescuerEntity);
    ctx.send(rescuerEntity, new LifeReply.RescueDone(token, 0), lock);
    wp.endSection(ctx);
  }

  // ------------------------------------------------------------------ after each section

  @Override
  public void afterSection(Context ctx) {
    for (PwqLogic.Pwq p : pwqs.released) {
      // put_pwq(): kthread_queue_work(pwq_release_worker, &pwq->release_work)
      ctx.send(
          releaseWorker, new LifeMessage.QueueRelease(p.id, ctx.self(), p.wq, p.unbound), lock);
    }
    pwqs.released.clear();
    for (long[] f : pwqs.flushesDone) ctx.send((int) f[0], new LifeReply.FlushDone(f[1]), lock);
    pwqs.flushesDone.clear();
    for (long[] a : pwqs.activated) {
      ctx.count("workItemsActivated", 1);
      if (ctx.tracing()) ctx.trace(new LifeNote.ItemActivated(ctx.self(), -1, a[0], a[1]));
    }
    pwqs.activated.clear();
    if (managerWaiter != null && !pool.managerActive()) { // rcuwait_wake_up(&manager_wait)
      ctx.send((int) managerWaiter[0], new LifeReply.ManagerGone(managerWaiter[1]), lock);
      managerWaiter = null;
    }
    pwqs.checkAccounting();
    for (String[] w : pwqs.drainWarnings()) ctx.violation(w[0], ctx.name(ctx.self()) + ": " + w[1]);
  }
}
