package org.kernsim.actors.wqlife;

import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Context;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;
import org.kernsim.protocol.wqlife.LifeMessage;
import org.kernsim.protocol.wqlife.LifeReply;
import org.kernsim.protocol.wqlife.PwqRef;
import org.kernsim.protocol.wqlife.PwqRequest;
import org.kernsim.protocol.wqlife.WqRequest;

/**
 * {@code rescuer_thread()} of a WQ_MEM_RECLAIM workqueue ({@code kernel/workqueue.c}, 2026): woken
 * by {@code send_mayday()}, it takes each pwq off {@code wq->maydays}, {@code
 * worker_attach_to_pool()} ({@code wq_pool_attach_mutex}), under {@code pool->lock} slurps the
 * pwq's items from the worklist and runs them ({@code process_scheduled_works()}: its flags keep
 * WORKER_PREP, so it never counts in {@code nr_running} and never calls {@code
 * wq_worker_sleeping()}), puts the pwq back on the mayday list if it still has active work and the
 * pool still cannot create a worker, {@code kick_pool()}, {@code worker_detach_from_pool()}, and
 * {@code put_pwq_unlocked()} the reference {@code send_mayday()} took. {@code kthread_stop()} by
 * {@code destroy_workqueue()}: it empties the mayday list, then returns.
 *
 * <p>Not modelled: the rescuer stays on its own CPU (the kernel moves it to the pool's CPUs with
 * {@code set_cpus_allowed_ptr()}), and it runs only plain work items (no functions of other
 * models).
 */
final class Rescuer extends LifeTask {
  private enum Pc {
    REPEAT,
    MAYDAY,
    ATTACHED,
    RESCUING,
    ITEM_CPU1,
    ITEM_SLEPT,
    ITEM_CPU2,
    DETACHED,
    PUT
  }

  private static final String ATTACH = "wq_pool_attach_mutex";

  private final WqTopology topo;
  private final int wq;
  private Pc pc = Pc.REPEAT;
  private long token;
  private PwqRef cur = PwqRef.NONE;
  private WorkItem item;
  private boolean shouldStop;
  private boolean stopRequested;
  private int stopper = -1;
  private long stopToken;
  private boolean kicked;
  private boolean idle = true;
  private long idleEpoch = 1;
  private long timerToken;
  private long timerEpoch;

  Rescuer(WqTopology topo, int cpu, int wq) {
    super(topo.machine, cpu);
    this.topo = topo;
    this.wq = wq;
  }

  @Override
  public void start(Context ctx) {
    startRunnable(ctx); // init_rescuer(): wake_up_process(rescuer->task)
    idle = false;
  }

  @Override
  protected boolean isAnswer(Object msg) {
    return msg instanceof LifeReply;
  }

  @Override
  protected boolean awaited(Object msg) {
    Class<?> want =
        switch (pc) {
          case MAYDAY -> LifeReply.MaydayOf.class;
          case RESCUING -> LifeReply.class;
          case PUT -> LifeReply.Done.class;
          default -> null;
        };
    return want != null && want.isInstance(msg) && ((LifeReply) msg).token() == token;
  }

  @Override
  protected void onOwn(Context ctx, Object msg) {
    if (msg instanceof LifeMessage.RescuerWake || msg instanceof LifeMessage.KthreadStop) {
      if (msg instanceof LifeMessage.KthreadStop k) {
        stopRequested = true;
        stopper = k.stopper();
        stopToken = k.token();
      }
      kicked = true; // wake_up_process(): a wake before schedule() keeps it running
      if (idle) {
        idle = false;
        wake(ctx, idleEpoch);
      }
    } else if (msg instanceof LifeMessage.Tick t && t.token() == timerToken) {
      wake(ctx, timerEpoch); // the item's I/O completed
    } else {
      super.onOwn(ctx, msg);
    }
  }

  private void call(Context ctx, int to, Object msg, Pc next) {
    pc = next;
    ctx.send(to, msg, topo.machine.latencies().lock());
    if (await(ctx, false)) return;
    run(ctx);
  }

  @Override
  protected void run(Context ctx) {
    switch (pc) {
      case REPEAT -> { // set_current_state(TASK_IDLE); should_stop = kthread_should_stop()
        shouldStop = stopRequested;
        kicked = false;
        call(ctx, wq, new WqRequest.NextMayday(ctx.self(), ++token), Pc.MAYDAY);
      }
      case MAYDAY -> {
        if (await(ctx, false)) return;
        cur = take(LifeReply.MaydayOf.class).pwq();
        if (cur.present()) {
          pc = Pc.ATTACHED; // worker_attach_to_pool(rescuer, pool)
          mutex.lock(ctx, topo.attachMutex(), ATTACH, "worker_attach_to_pool");
          return;
        }
        if (shouldStop) { // the mayday list is empty: return 0
          ctx.send(stopper, new LifeReply.Done(stopToken), topo.machine.latencies().lock());
          exit(ctx);
          return;
        }
        pc = Pc.REPEAT;
        if (kicked) { // woken since TASK_IDLE was set: schedule() returns at once
          run(ctx);
          return;
        }
        idle = true;
        idleEpoch = nextEpoch();
        if (!sleep(ctx)) {
          idle = false;
          run(ctx);
        }
      }
      case ATTACHED -> {
        mutex.unlock(ctx, topo.attachMutex(), ATTACH);
        Lockdep.acquire(ctx, ctx.self(), "&pool->lock", "rescuer_thread");
        call(
            ctx,
            cur.pool(),
            new PwqRequest.RescueStart(ctx.self(), ++token, cpu(), cur.pwq()),
            Pc.RESCUING);
      }
      case RESCUING -> {
        if (await(ctx, false)) return;
        LifeReply r = take(LifeReply.class);
        if (r instanceof LifeReply.RescueItem ri) { // process_one_work(): unlocked
          Lockdep.release(ctx, ctx.self(), "&pool->lock");
          item = ri.item();
          if (item.kind() == WorkKind.EXTERNAL)
            throw new IllegalStateException("the rescuer runs only plain work items: " + item);
          pc = Pc.ITEM_CPU1;
          compute(ctx, Math.max(1, item.cpuNanos()), true);
          return;
        }
        Lockdep.release(ctx, ctx.self(), "&pool->lock");
        pc = Pc.DETACHED; // worker_detach_from_pool(rescuer)
        mutex.lock(ctx, topo.attachMutex(), ATTACH, "worker_detach_from_pool");
      }
      case ITEM_CPU1 -> {
        if (item.sleepNanos() > 0) { // the item blocks (I/O); no wq_worker_sleeping(): PREP
          pc = Pc.ITEM_SLEPT;
          timerEpoch = nextEpoch();
          ctx.startTimer("rescuer-io", item.sleepNanos(), new LifeMessage.Tick(++timerToken));
          if (sleep(ctx)) return;
        }
        pc = Pc.ITEM_CPU2;
        compute(ctx, Math.max(1, item.cpuNanos2()), true);
      }
      case ITEM_SLEPT -> {
        pc = Pc.ITEM_CPU2;
        compute(ctx, Math.max(1, item.cpuNanos2()), true);
      }
      case ITEM_CPU2 -> {
        if (preemptionPoint(ctx)) return; // cond_resched()
        Lockdep.acquire(ctx, ctx.self(), "&pool->lock", "rescuer_thread");
        call(
            ctx,
            cur.pool(),
            new PwqRequest.RescueWorkDone(ctx.self(), ++token, cpu(), item.id(), cur.pwq()),
            Pc.RESCUING);
      }
      case DETACHED -> {
        mutex.unlock(ctx, topo.attachMutex(), ATTACH);
        // "Put the reference grabbed by send_mayday(). @pool might go away any time after it."
        call(ctx, cur.pool(), new PwqRequest.PutPwq(ctx.self(), ++token, cpu(), cur.pwq()), Pc.PUT);
      }
      case PUT -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        cur = PwqRef.NONE;
        pc = Pc.REPEAT;
        run(ctx);
      }
      default -> throw new IllegalStateException(ctx.name(ctx.self()) + ": runs in " + pc);
    }
  }
}
