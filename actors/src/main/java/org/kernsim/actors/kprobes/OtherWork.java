package org.kernsim.actors.kprobes;

import org.kernsim.actors.workqueue.WorkerPool;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkloadMessage;

/**
 * Other users of {@code system_wq} on one CPU (spec KX-2): a timer on that CPU that, every {@code
 * kprobes.other-work.period}, calls {@code queue_work()} from softirq context ({@code
 * __queue_work()} on the CPU's per-CPU pool, the pool {@code optimizing_work} runs on when its
 * timer fires there). Each item spends {@code item-cpu} and, with {@code item-sleep-probability},
 * blocks once. The softirq's own CPU time is not modelled (as for the workqueue model's timers).
 */
final class OtherWork implements Entity {
  private final KprobesSim sim;
  private final KprobesConfig.OtherWork cfg;
  private final WqTopology wq;
  private long n;
  private long reqIds;

  OtherWork(KprobesSim sim) {
    this.sim = sim;
    this.cfg = sim.config().otherWork();
    this.wq = sim.workqueue();
  }

  @Override
  public void start(Context ctx) {
    if (cfg.items() > 0)
      ctx.sendAfter(ctx.self(), new WorkloadMessage.Wakeup(0), Math.max(1, cfg.start()));
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof WorkloadMessage.Wakeup) {
      var r = ctx.random();
      long cpu1 = cfg.itemCpu().sample(r);
      boolean sleeps = r.nextDouble() < cfg.sleepProbability();
      long sleep = sleeps ? cfg.itemSleep().sample(r) : 0;
      long cpu2 = sleeps ? cfg.itemCpu().sample(r) : 1;
      WorkItem item =
          new WorkItem(
              ((long) ctx.self() << 32) | ++n, WorkItem.WorkKind.NORMAL, cpu1, sleep, cpu2, -1, -1);
      ctx.send(
          wq.pool(cfg.cpu()),
          new PoolRequest.QueueWork(
              ctx.self(), cfg.cpu(), ++reqIds, item, PoolRequest.QueueContext.SOFTIRQ),
          sim.machine().latencies().lock());
      if (n < cfg.items())
        ctx.sendAfter(
            ctx.self(), new WorkloadMessage.Wakeup(n), Math.max(1, cfg.period().sample(r)));
    } else if (msg instanceof PoolReply.Queued q) {
      // the timer softirq: IRQs still off after the unlock, the deferred wake follows at once
      if (q.wake().present()) {
        WorkerPool.sendDeferredWake(
            ctx,
            ctx.self(),
            cfg.cpu(),
            wq.pool(cfg.cpu()),
            q.wake(),
            sim.config().wq().pools(),
            sim.machine().latencies().lock());
      }
    } else {
      throw new IllegalStateException("other work: unexpected " + msg);
    }
  }
}
