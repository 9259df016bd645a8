package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.kernsim.actors.workqueue.WorkerPool;
import org.kernsim.actors.workqueue.WqConfig;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Context;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;
import org.kernsim.protocol.wqlife.LifeMessage;
import org.kernsim.protocol.wqlife.WqRequest;

/**
 * A workload thread on one CPU that calls {@code queue_work(wq, ...)} on the workqueue under test
 * ({@code queue_work_on()}: {@code local_irq_save()}, {@code __queue_work()}, {@code
 * local_irq_restore()}): it spins while its request goes through the workqueue's pwq table to the
 * pool and the pool's lock, sends the deferred wake-up if the variant defers it (IRQs still off),
 * and reaches a preemption point when IRQs are restored. Its script is drawn at time 0 from its own
 * stream ({@link WqLoad}).
 */
final class WqUser extends LifeTask {
  private enum Kind {
    SLEEP_UNTIL,
    COMPUTE_USER,
    COMPUTE_SYS,
    QUEUE
  }

  private record Action(Kind kind, long value, WorkItem item) {}

  private final WqTopology topo;
  private final int wq;
  private final WqLoad load;
  private final WqConfig cfg;
  private final List<Action> script = new ArrayList<>();
  private int pc;
  private long reqIds;
  private long items;
  private long timerToken;
  private long timerEpoch;
  private boolean queuing;

  private final int completions;

  WqUser(WqTopology topo, int cpu, int wq, WqLoad load, WqConfig cfg, int completions) {
    super(topo.machine, cpu);
    this.completions = completions;
    this.topo = topo;
    this.wq = wq;
    this.load = load;
    this.cfg = cfg;
  }

  @Override
  public void start(Context ctx) {
    RandomGenerator r = ctx.random();
    long t = load.burstAt().sample(r);
    for (int b = 0; b < load.bursts(); b++) {
      if (b > 0) t += load.burstGap().sample(r);
      script.add(new Action(Kind.SLEEP_UNTIL, t, null));
      // the waiters spread among the items, their completers at the end of the burst
      hogNext = true;
      int first = completionIds + 1;
      int n = load.items() + load.pairs();
      int waiters = 0;
      for (int i = 0; i < n; i++) {
        boolean waiter =
            waiters < load.pairs() && (long) (i + 1) * load.pairs() >= (long) (waiters + 1) * n;
        if (waiter) {
          queue(ctx, r, ++completionIds, true);
          waiters++;
        } else {
          queue(ctx, r, 0, false);
        }
      }
      for (int i = 0; i < load.pairs(); i++) queue(ctx, r, first + i, false);
    }
    if (script.isEmpty()) return;
    startRunnable(ctx);
  }

  /**
   * Think, the system call, then the item: a normal one ({@code completion} 0) or the waiter or
   * completer of {@code completion}. (Draws in this order, item last.)
   */
  private void queue(Context ctx, RandomGenerator r, int completion, boolean waiter) {
    script.add(new Action(Kind.COMPUTE_USER, load.think().sample(r), null));
    script.add(new Action(Kind.COMPUTE_SYS, load.syscall().sample(r), null));
    WorkItem item = completion == 0 ? item(ctx, r) : pairItem(ctx, r, completion, waiter);
    if (hogNext && completion == 0 && load.hogItemNanos() > 0) {
      hogNext = false;
      item = new WorkItem(item.id(), WorkKind.NORMAL, load.hogItemNanos(), 0, 1, -1, -1);
    }
    script.add(new Action(Kind.QUEUE, 0, item));
  }

  private int completionIds;

  /** The next normal item is the burst's CPU hog ({@code load.hog-item}). */
  private boolean hogNext;

  /** A dependent item: the waiter or the completer of completion {@code n} of this thread. */
  private WorkItem pairItem(Context ctx, RandomGenerator r, int n, boolean waiter) {
    long id = ((long) ctx.self() << 32) | (waiter ? CompletionWork.WAITER : 0) | completionId(n);
    return new WorkItem(
        id,
        WorkKind.EXTERNAL,
        load.itemCpu().sample(r),
        0,
        load.itemCpu().sample(r),
        -1,
        completions);
  }

  /** Unique over the threads: the CPU's block of 100,000 ids. */
  private int completionId(int n) {
    return cpu() * 100_000 + n;
  }

  private WorkItem item(Context ctx, RandomGenerator r) {
    long cpu1 = load.itemCpu().sample(r);
    boolean sleeps = r.nextDouble() < load.sleepProbability();
    long sleep = sleeps ? load.itemSleep().sample(r) : 0;
    long cpu2 = sleeps ? load.itemCpu().sample(r) : 1;
    return new WorkItem(
        ((long) ctx.self() << 32) | ++items, WorkKind.NORMAL, cpu1, sleep, cpu2, -1, -1);
  }

  @Override
  protected boolean isAnswer(Object msg) {
    return msg instanceof PoolReply.Queued;
  }

  @Override
  protected boolean awaited(Object msg) {
    return queuing && msg instanceof PoolReply.Queued q && q.reqId() == reqIds;
  }

  @Override
  protected void onOwn(Context ctx, Object msg) {
    if (msg instanceof LifeMessage.Tick t && t.token() == timerToken) wake(ctx, timerEpoch);
    else super.onOwn(ctx, msg);
  }

  @Override
  protected void run(Context ctx) {
    if (queuing) {
      if (await(ctx, false)) return;
      PoolReply.Queued q = take(PoolReply.Queued.class);
      queuing = false;
      if (q.wake().present()) { // after raw_spin_unlock(): IRQs still disabled
        int pool = topo.pool(topo.poolOfWorker(q.wake().worker()));
        WorkerPool.sendDeferredWake(
            ctx, ctx.self(), cpu(), pool, q.wake(), cfg, topo.machine.latencies().lock());
      }
      if (preemptionPoint(ctx)) return; // local_irq_restore()
    }
    while (pc < script.size()) {
      Action a = script.get(pc++);
      switch (a.kind()) {
        case SLEEP_UNTIL -> {
          if (a.value() > ctx.now()) {
            timerEpoch = nextEpoch();
            ctx.startTimer("user", a.value() - ctx.now(), new LifeMessage.Tick(++timerToken));
            if (sleep(ctx)) return;
          }
        }
        case COMPUTE_USER -> {
          compute(ctx, a.value(), true);
          return;
        }
        case COMPUTE_SYS -> {
          compute(ctx, a.value(), false);
          return;
        }
        case QUEUE -> {
          queuing = true;
          ctx.send(
              wq,
              new WqRequest.QueueWork(ctx.self(), cpu(), ++reqIds, a.item(), false),
              topo.machine.latencies().lock());
          if (await(ctx, false)) return;
          run(ctx);
          return;
        }
      }
    }
    exit(ctx);
  }
}
