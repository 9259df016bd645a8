package org.kernsim.actors.wqlife;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Context;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.cpu.WakeUp;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.workqueue.DyingWorker;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkerMessage;
import org.kernsim.protocol.workqueue.WorkloadMessage;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.wqlife.LifeMessage;
import org.kernsim.protocol.wqlife.LifeNote;
import org.kernsim.protocol.wqlife.LifeReply;
import org.kernsim.protocol.wqlife.PoolsRequest;
import org.kernsim.protocol.wqlife.PwqRequest;
import org.kernsim.protocol.wqlife.WqRequest;

/**
 * {@code pwq_release_worker}, the kthread_worker that releases pool_workqueues whose last reference
 * {@code put_pwq()} dropped ("@pwq can't be released under pool->lock, bounce to a dedicated
 * kthread_worker to avoid A-A deadlocks"; 6.9+). Each work is {@code pwq_release_workfn()} ({@code
 * kernel/workqueue.c}, 2026):
 *
 * <ol>
 *   <li>{@code mutex_lock(&wq->mutex); list_del_rcu(&pwq->pwqs_node); is_last = ...; unlock};
 *   <li>for an unbound workqueue, {@code mutex_lock(&wq_pool_mutex); put_unbound_pool(pool)}:
 *       {@code if (--pool->refcnt) return;} unhash; wait for the manager; {@code
 *       mutex_lock(&wq_pool_attach_mutex)}; under {@code pool->lock} POOL_MANAGER_ACTIVE, {@code
 *       set_worker_dying()} of every {@code first_idle_worker()}, {@code WARN_ON(pool->nr_workers
 *       || pool->nr_idle)}; {@code detach_dying_workers()}; unlock the attach mutex; {@code
 *       reap_dying_workers()} ({@code kthread_stop_put()}: wake, wait for the exit); {@code
 *       timer_delete_sync(&pool->idle_timer)}; {@code cancel_work_sync(&pool->idle_cull_work)};
 *       {@code timer_delete_sync(&pool->mayday_timer)}; {@code call_rcu(&pool->rcu,
 *       rcu_free_pool)}; unlock {@code wq_pool_mutex};
 *   <li>{@code kfree_rcu(pwq)}; if it was the last pwq, {@code call_rcu(&wq->rcu, rcu_free_wq)}.
 * </ol>
 */
final class PwqReleaseWorker extends LifeTask {

  private enum Pc {
    IDLE,
    WQ_LOCKED,
    UNLINKED,
    POOLS_LOCKED,
    PUT_REF,
    ATTACH_LOCKED,
    CULLED,
    MANAGER_WAIT,
    REAP,
    IDLE_TIMER,
    CANCEL,
    CANCEL_RETRY,
    CANCEL_FLUSH,
    MAYDAY_TIMER
  }

  static final String ATTACH = "wq_pool_attach_mutex";

  static final String CULL_WORK = "(work_completion)(&pool->idle_cull_work)";

  private final WqTopology topo;
  private final int poolMutex;
  private final int systemUnboundPool;
  private Pc pc = Pc.IDLE;
  private final ArrayDeque<LifeMessage.QueueRelease> queue = new ArrayDeque<>();
  private LifeMessage.QueueRelease cur;
  private boolean isLast;
  private long token;
  private List<DyingWorker> dying = List.of();
  private int reapIndex;
  private boolean stopSent;
  private final List<long[]> exited = new ArrayList<>();
  private boolean idleAsleep = true;
  private long idleEpoch = 1;

  PwqReleaseWorker(WqTopology topo, int cpu, int poolMutex) {
    super(topo.machine, cpu);
    this.topo = topo;
    this.poolMutex = poolMutex;
    this.systemUnboundPool = topo.unboundPool();
  }

  @Override
  protected boolean isAnswer(Object msg) {
    return msg instanceof LifeReply || msg instanceof WorkloadMessage.BarrierDone;
  }

  @Override
  protected boolean awaited(Object msg) {
    if (msg instanceof WorkloadMessage.BarrierDone b) return pc == Pc.CANCEL_FLUSH;
    Class<?> want =
        switch (pc) {
          case UNLINKED -> LifeReply.Unlinked.class;
          case PUT_REF -> LifeReply.PoolRef.class;
          case CULLED -> LifeReply.PoolCulled.class;
          case MANAGER_WAIT -> LifeReply.ManagerGone.class;
          case IDLE_TIMER, MAYDAY_TIMER -> LifeReply.TimerDeleted.class;
          case CANCEL -> LifeReply.Cancelled.class;
          default -> null;
        };
    if (want == null || !want.isInstance(msg)) return false;
    LifeReply r = (LifeReply) msg;
    // the manager's exit is announced with the token of the section that found it managing
    return pc == Pc.MANAGER_WAIT ? r.token() == managerToken : r.token() == token;
  }

  private long managerToken;

  @Override
  protected void onOwn(Context ctx, Object msg) {
    if (msg instanceof LifeMessage.QueueRelease q) { // kthread_queue_work(): wake if idle
      queue.addLast(q);
      if (pc == Pc.IDLE && idleAsleep) {
        idleAsleep = false;
        wake(ctx, idleEpoch);
      }
    } else if (msg instanceof WorkerMessage.KthreadExited e) {
      exited.add(new long[] {e.worker(), e.incarnation()});
      if (pc == Pc.REAP && idleAsleep) { // wait_for_completion(&kthread->exited)
        idleAsleep = false;
        wake(ctx, idleEpoch);
      }
    } else {
      super.onOwn(ctx, msg);
    }
  }

  private int lockLatencyTo(int to, Object msg, Context ctx) {
    ctx.send(to, msg, topo.machine.latencies().lock());
    return to;
  }

  @Override
  protected void run(Context ctx) {
    switch (pc) {
      case IDLE -> {
        cur = queue.pollFirst();
        if (cur == null) { // schedule()
          idleEpoch = nextEpoch();
          idleAsleep = true;
          if (!sleep(ctx)) {
            idleAsleep = false;
            run(ctx);
          }
          return;
        }
        pc = Pc.WQ_LOCKED;
        mutex.lock(ctx, cur.wq(), WqAdmin.WQ_MUTEX, "pwq_release_workfn");
      }
      case WQ_LOCKED -> {
        pc = Pc.UNLINKED;
        lockLatencyTo(cur.wq(), new WqRequest.UnlinkPwq(ctx.self(), ++token, cur.pwq()), ctx);
        if (await(ctx, false)) return;
        run(ctx);
      }
      case UNLINKED -> {
        if (await(ctx, false)) return;
        isLast = take(LifeReply.Unlinked.class).isLast();
        mutex.unlock(ctx, cur.wq(), WqAdmin.WQ_MUTEX);
        if (!cur.unbound()) {
          finish(ctx);
          return;
        }
        pc = Pc.POOLS_LOCKED;
        mutex.lock(ctx, poolMutex, WqAdmin.POOL_MUTEX, "pwq_release_workfn");
      }
      case POOLS_LOCKED -> {
        pc = Pc.PUT_REF;
        lockLatencyTo(
            poolMutex, new PoolsRequest.PutUnboundPool(ctx.self(), ++token, cur.pool()), ctx);
        if (await(ctx, false)) return;
        run(ctx);
      }
      case PUT_REF -> {
        if (await(ctx, false)) return;
        int left = take(LifeReply.PoolRef.class).refcnt();
        if (ctx.tracing()) ctx.trace(new LifeNote.PoolRefDropped(cur.pool(), cpu(), left));
        if (left > 0) {
          unlockPools(ctx);
          return;
        }
        lockAttach(ctx);
      }
      case ATTACH_LOCKED -> {
        Lockdep.acquire(ctx, ctx.self(), "&pool->lock", "put_unbound_pool");
        pc = Pc.CULLED;
        lockLatencyTo(
            cur.pool(), new PwqRequest.PutUnboundPoolLocked(ctx.self(), ++token, cpu()), ctx);
        if (await(ctx, false)) return;
        run(ctx);
      }
      case CULLED -> {
        if (await(ctx, false)) return;
        LifeReply.PoolCulled c = take(LifeReply.PoolCulled.class);
        Lockdep.release(ctx, ctx.self(), "&pool->lock");
        if (c.managerActive()) { // rcuwait_wait_event(&manager_wait, ...) and retry
          managerToken = c.token();
          mutex.unlock(ctx, topo.attachMutex(), ATTACH);
          pc = Pc.MANAGER_WAIT;
          if (await(ctx, true)) return;
          run(ctx);
          return;
        }
        dying = c.dying();
        if (!dying.isEmpty() && ctx.tracing()) { // detach_dying_workers()
          List<Integer> ws = new ArrayList<>();
          for (DyingWorker d : dying) ws.add(d.worker());
          ctx.trace(new WqNote.WorkersDetached(cur.pool(), cpu(), ws));
        }
        mutex.unlock(ctx, topo.attachMutex(), ATTACH);
        reapIndex = 0;
        stopSent = false;
        pc = Pc.REAP;
        run(ctx);
      }
      case MANAGER_WAIT -> {
        if (await(ctx, true)) return;
        take(LifeReply.ManagerGone.class);
        lockAttach(ctx);
      }
      case REAP -> reap(ctx);
      case IDLE_TIMER -> {
        if (await(ctx, false)) return;
        boolean pending = take(LifeReply.TimerDeleted.class).cullPending();
        if (pending) {
          cancelCullWork(ctx);
          return;
        }
        deleteMaydayTimer(ctx);
      }
      case CANCEL -> {
        if (await(ctx, false)) return;
        switch (take(LifeReply.Cancelled.class).outcome()) {
          case GRABBED -> {
            ctx.send(
                cur.pool(),
                new PwqRequest.CullWorkCancelled(ctx.self()),
                topo.machine.latencies().lock());
            deleteMaydayTimer(ctx);
          }
          case FLUSHING -> {
            // start_flush_work() found it running: touch_work_lockdep_map(), then wait
            Lockdep.waitFor(ctx, ctx.self(), CULL_WORK, "cancel_work_sync");
            pc = Pc.CANCEL_FLUSH;
            if (await(ctx, true)) return;
            run(ctx);
          }
          case NOT_HERE -> { // PENDING and off queue: being queued; busy-retry
            pc = Pc.CANCEL_RETRY;
            compute(ctx, 200, false);
          }
        }
      }
      case CANCEL_RETRY -> {
        pc = Pc.IDLE_TIMER;
        lockLatencyTo(cur.pool(), new PwqRequest.DeleteIdleTimer(ctx.self(), ++token, cpu()), ctx);
        if (await(ctx, false)) return;
        run(ctx);
      }
      case CANCEL_FLUSH -> {
        if (await(ctx, true)) return;
        take(WorkloadMessage.BarrierDone.class);
        deleteMaydayTimer(ctx);
      }
      case MAYDAY_TIMER -> {
        if (await(ctx, false)) return;
        take(LifeReply.TimerDeleted.class);
        if (ctx.tracing()) ctx.trace(new LifeNote.PoolTimersShut(cur.pool(), cpu()));
        // call_rcu(&pool->rcu, rcu_free_pool): the callback frees the pool after a grace period
        ctx.send(
            topo.machine.rcu(),
            new RcuMessage.SynchronizeSched(cur.pool(), 0),
            topo.machine.latencies().lock());
        if (ctx.tracing()) ctx.trace(new LifeNote.PoolRcuQueued(cur.pool(), cpu()));
        unlockPools(ctx);
      }
      default -> throw new IllegalStateException(ctx.name(ctx.self()) + ": runs in " + pc);
    }
  }

  private void lockAttach(Context ctx) {
    pc = Pc.ATTACH_LOCKED;
    mutex.lock(ctx, topo.attachMutex(), ATTACH, "put_unbound_pool");
  }

  /** {@code reap_dying_workers()}: {@code kthread_stop_put()} each, in cull order. */
  private void reap(Context ctx) {
    while (reapIndex < dying.size()) {
      DyingWorker d = dying.get(reapIndex);
      if (!stopSent) {
        stopSent = true;
        ctx.send(
            d.worker(),
            new WakeUp(ctx.self(), d.epoch(), d.incarnation(), true),
            topo.machine.latencies().lock());
      }
      if (takeExited(d)) {
        if (ctx.tracing())
          ctx.trace(new WqNote.WorkerReaped(cur.pool(), cpu(), d.worker(), d.incarnation()));
        reapIndex++;
        stopSent = false;
        continue;
      }
      idleEpoch = nextEpoch();
      idleAsleep = true;
      if (sleep(ctx)) return;
      idleAsleep = false;
    }
    pc = Pc.IDLE_TIMER; // timer_delete_sync(&pool->idle_timer)
    lockLatencyTo(cur.pool(), new PwqRequest.DeleteIdleTimer(ctx.self(), ++token, cpu()), ctx);
    if (await(ctx, false)) return;
    run(ctx);
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

  /** {@code cancel_work_sync(&pool->idle_cull_work)}: it is queued on system_unbound_wq's pool. */
  private void cancelCullWork(Context ctx) {
    pc = Pc.CANCEL;
    lockLatencyTo(
        systemUnboundPool,
        new PwqRequest.CancelWork(ctx.self(), ++token, cpu(), WorkItem.idleCull(cur.pool())),
        ctx);
    if (await(ctx, false)) return;
    run(ctx);
  }

  private void deleteMaydayTimer(Context ctx) {
    pc = Pc.MAYDAY_TIMER;
    lockLatencyTo(cur.pool(), new PwqRequest.DeleteMaydayTimer(ctx.self(), ++token, cpu()), ctx);
    if (await(ctx, false)) return;
    run(ctx);
  }

  private void unlockPools(Context ctx) {
    mutex.unlock(ctx, poolMutex, WqAdmin.POOL_MUTEX);
    finish(ctx);
  }

  /** {@code kfree_rcu(pwq)}; the last pwq schedules the workqueue's RCU free. */
  private void finish(Context ctx) {
    ctx.count("pwqsReleased", 1);
    if (ctx.tracing())
      ctx.trace(new LifeNote.PwqReleased(cur.pool(), cpu(), cur.pwq(), cur.wq(), isLast));
    cur = null;
    pc = Pc.IDLE;
    if (preemptionPoint(ctx)) return; // cond_resched() between works
    run(ctx);
  }
}
