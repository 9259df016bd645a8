package org.kernsim.actors.rcu;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * The RCU-sched core: {@code synchronize_sched()} returns once every CPU has passed a quiescent
 * state (a context switch, idle, user mode) after a grace period that started after the request. A
 * request that arrives while a grace period is in progress waits for the next one. The grace period
 * starts {@code rcu.gp-delay} after it is needed (the grace-period kthread is jiffy-driven).
 */
public final class Rcu implements Entity {
  private final Machine m;
  private long completed;
  private long current = -1; // the grace period in progress (-1: none)
  private boolean starting;
  private final BitSet pending = new BitSet();
  private long startedAt;
  private List<RcuMessage.SynchronizeSched> waitingCurrent = new ArrayList<>();
  private List<RcuMessage.SynchronizeSched> waitingNext = new ArrayList<>();

  public Rcu(Machine m) {
    this.m = m;
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof RcuMessage.SynchronizeSched s) onSynchronize(ctx, s);
    else if (msg instanceof RcuMessage.StartGracePeriod g) start(ctx, g.gp());
    else if (msg instanceof RcuMessage.QsReport q) onQs(ctx, q);
    else throw new IllegalStateException("rcu: unexpected " + msg);
  }

  private void onSynchronize(Context ctx, RcuMessage.SynchronizeSched s) {
    if (current < 0 && !starting) {
      waitingCurrent.add(s);
      schedule(ctx);
    } else if (starting) {
      waitingCurrent.add(
          s); // the next grace period has not started yet: it will cover this request
    } else {
      waitingNext.add(s);
    }
  }

  private void schedule(Context ctx) {
    starting = true;
    ctx.startTimer(
        "gp",
        m.latencies().gpDelay().sample(ctx.random()),
        new RcuMessage.StartGracePeriod(completed + 1));
  }

  private void start(Context ctx, long gp) {
    starting = false;
    current = gp;
    startedAt = ctx.now();
    pending.clear();
    pending.set(0, m.cpus());
    RcuMessage.QsRequest req = new RcuMessage.QsRequest(gp);
    for (int i = 0; i < m.cpus(); i++) ctx.send(m.cpu(i), req, m.latencies().ipi());
    ctx.count("rcuGracePeriods", 1);
  }

  private void onQs(Context ctx, RcuMessage.QsReport q) {
    if (q.gp() != current) return; // a report for a grace period that already ended
    pending.clear(q.cpu());
    if (!pending.isEmpty()) return;
    completed = current;
    current = -1;
    ctx.record("rcuGracePeriodNanos", ctx.now() - startedAt);
    for (RcuMessage.SynchronizeSched s : waitingCurrent) {
      ctx.send(
          s.requester(),
          new RcuMessage.GracePeriodDone(s.token(), completed),
          m.latencies().lock());
    }
    waitingCurrent = waitingNext;
    waitingNext = new ArrayList<>();
    if (!waitingCurrent.isEmpty()) schedule(ctx);
  }
}
