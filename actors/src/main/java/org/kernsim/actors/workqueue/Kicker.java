package org.kernsim.actors.workqueue;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;
import org.kernsim.protocol.workqueue.WorkloadMessage;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * A workload thread on one CPU: it sleeps, computes in user mode and calls {@code queue_work_on()}
 * ({@code local_irq_save()}, {@code __queue_work()}, {@code local_irq_restore()}): it spins on the
 * pool's lock, sends the deferred wake-up if the variant defers it (IRQs are still off: no
 * preemption in between), and reaches a preemption point when IRQs are restored. Its delayed work
 * ({@code queue_delayed_work()}) fires from the timer softirq on its CPU. Its script is drawn from
 * its own random stream at time 0 (see {@link Workload}).
 */
public final class Kicker extends Task {

  private enum Kind {
    SLEEP_UNTIL,
    COMPUTE,
    QUEUE,
    QUEUE_DELAYED
  }

  private static final Kind[] KINDS = Kind.values();

  /**
   * The pre-drawn script, packed: one entry per action in parallel arrays, trimmed once drawn (one
   * record per action, in a list with room to grow, was a third of the live heap of {@code
   * workqueue-load} at 16,384 CPUs: 562 actions per CPU). An entry is (kind, value, flag, pool,
   * item) as the actions were.
   */
  static final class Script {
    private static final byte FLAG = (byte) 0x80;
    private byte[] kinds = new byte[8];
    private long[] values = new long[8];
    private int[] pools = new int[8];
    private WorkItem[] items = new WorkItem[8];
    private int size;

    void add(Kind kind, long value, boolean flag, int pool, WorkItem item) {
      if (size == kinds.length) resize(Math.max(8, size * 2));
      kinds[size] = (byte) (kind.ordinal() | (flag ? FLAG : 0));
      values[size] = value;
      pools[size] = pool;
      items[size] = item;
      size++;
    }

    void addAll(Script other) {
      for (int i = 0; i < other.size; i++)
        add(other.kind(i), other.values[i], other.flag(i), other.pools[i], other.items[i]);
    }

    void removeLast() {
      items[--size] = null;
    }

    /** Drops the room left to grow: the script is complete. */
    void trim() {
      if (size < kinds.length) resize(size);
    }

    private void resize(int n) {
      kinds = java.util.Arrays.copyOf(kinds, n);
      values = java.util.Arrays.copyOf(values, n);
      pools = java.util.Arrays.copyOf(pools, n);
      items = java.util.Arrays.copyOf(items, n);
    }

    int size() {
      return size;
    }

    Kind kind(int i) {
      return KINDS[kinds[i] & ~FLAG];
    }

    boolean flag(int i) {
      return (kinds[i] & FLAG) != 0;
    }

    long value(int i) {
      return values[i];
    }

    int pool(int i) {
      return pools[i];
    }

    WorkItem item(int i) {
      return items[i];
    }
  }

  private static final String TIMER = "workload-timer";

  private final WqTopology topo;
  private final int index;
  private final Workload w;
  private final WqConfig cfg;
  private final Script script = new Script();
  private int pc;
  private boolean awaiting;
  private long reqIds;
  private long softirqReqIds;
  private long items;
  private long timerToken;
  private long timerEpoch = 1;
  private WorkItem dwork;
  private boolean dworkPending;

  public Kicker(WqTopology topo, int index, Workload w, WqConfig cfg) {
    super(topo.machine, index);
    this.topo = topo;
    this.index = index;
    this.w = w;
    this.cfg = cfg;
  }

  @Override
  public void start(Context ctx) {
    RandomGenerator r = ctx.random();
    int local = topo.pool(index);
    int unbound = topo.unboundPool();
    long warm = w.warmupAt().sample(r);
    script.add(Kind.SLEEP_UNTIL, warm, false, -1, null);
    for (int i = 0; i < w.warmupItems(); i++) queue(ctx, r, local, normal(ctx, r));
    for (int i = 0; i < w.warmupUnboundItems(); i++) queue(ctx, r, unbound, normal(ctx, r));
    for (int i = 0; i < w.longItems(); i++) queue(ctx, r, local, longItem(ctx, r));
    for (int i = 0; i < w.longUnboundItems(); i++) queue(ctx, r, unbound, longItem(ctx, r));
    long burst = w.burstAt().sample(r);
    script.add(Kind.SLEEP_UNTIL, burst, false, -1, null);
    dwork =
        new WorkItem(
            ((long) ctx.self() << 32),
            WorkKind.DELAYED,
            w.itemCpu().sample(r),
            0,
            w.itemCpu().sample(r),
            -1,
            ctx.self());
    if (w.bursts() == 1 && w.steadyItems() == 0) {
      burst(ctx, r, script, local, unbound);
    } else {
      // several bursts and a steady stream: segments in the order of their start times
      List<Segment> segments = new ArrayList<>();
      Segment first = new Segment(burst, segments.size(), new Script());
      burst(ctx, r, first.actions, local, unbound);
      segments.add(first);
      long at = burst;
      for (int b = 1; b < w.bursts(); b++) {
        at += w.burstEvery().sample(r);
        Segment next = new Segment(at, segments.size(), new Script());
        next.actions.add(Kind.SLEEP_UNTIL, at, false, -1, null);
        burst(ctx, r, next.actions, local, unbound);
        segments.add(next);
      }
      long t = w.steadyItems() > 0 ? w.steadyStart().sample(r) : 0;
      for (int i = 0; i < w.steadyItems(); i++) {
        if (i > 0) t += w.steadyPeriod().sample(r);
        Segment item = new Segment(t, segments.size(), new Script());
        item.actions.add(Kind.SLEEP_UNTIL, t, false, -1, null);
        int pool = target(r, local, unbound);
        WorkItem work = normal(ctx, r);
        item.actions.add(Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
        item.actions.add(Kind.QUEUE, 0, false, pool, work);
        segments.add(item);
      }
      segments.sort(
          java.util.Comparator.comparingLong(Segment::start).thenComparingInt(Segment::order));
      // the first burst's sleep is already in the script (before the delayed work's draws)
      script.removeLast();
      for (Segment g : segments) {
        if (g == first) script.add(Kind.SLEEP_UNTIL, burst, false, -1, null);
        script.addAll(g.actions);
      }
    }
    script.trim();
    ctx.startTimer(
        TIMER, Math.max(1, warm), new WorkloadMessage.Wakeup(++timerToken)); // asleep in sleep 1
  }

  /** A stretch of the script that starts at {@code start} (ties: in {@code order}). */
  private record Segment(long start, int order, Script actions) {}

  /** One burst: {@code burstItems} items, each after {@code think}, appended to {@code out}. */
  private void burst(Context ctx, RandomGenerator r, Script out, int local, int unbound) {
    for (int i = 0; i < w.burstItems(); i++) {
      out.add(Kind.COMPUTE, w.think().sample(r), true, -1, null);
      double u = r.nextDouble();
      if (r.nextDouble() < w.delayedFraction()) {
        out.add(Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
        out.add(Kind.QUEUE_DELAYED, w.delay().sample(r), false, local, dwork);
        continue;
      }
      int target;
      if (u < w.unboundFraction()) target = unbound;
      else if (u < w.unboundFraction() + w.remoteFraction() && topo.cpus > 1) {
        int other = r.nextInt(topo.cpus - 1);
        target = topo.pool(other >= index ? other + 1 : other);
      } else target = local;
      WorkItem item = normal(ctx, r); // drawn before the syscall, as queue(..) always did
      out.add(Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
      out.add(Kind.QUEUE, 0, false, target, item);
    }
  }

  /** A steady item's pool: unbound, another CPU's or the local one, by the burst's fractions. */
  private int target(RandomGenerator r, int local, int unbound) {
    double u = r.nextDouble();
    if (u < w.unboundFraction()) return unbound;
    if (u < w.unboundFraction() + w.remoteFraction() && topo.cpus > 1) {
      int other = r.nextInt(topo.cpus - 1);
      return topo.pool(other >= index ? other + 1 : other);
    }
    return local;
  }

  private void queue(Context ctx, RandomGenerator r, int pool, WorkItem item) {
    script.add(Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
    script.add(Kind.QUEUE, 0, false, pool, item);
  }

  private WorkItem normal(Context ctx, RandomGenerator r) {
    long cpu1 = w.itemCpu().sample(r);
    boolean sleeps = r.nextDouble() < w.sleepProbability();
    long sleep = sleeps ? w.itemSleep().sample(r) : 0;
    long cpu2 = sleeps ? w.itemCpu().sample(r) : 1;
    return new WorkItem(
        ((long) ctx.self() << 32) | ++items, WorkKind.NORMAL, cpu1, sleep, cpu2, -1, -1);
  }

  private WorkItem longItem(Context ctx, RandomGenerator r) {
    return new WorkItem(
        ((long) ctx.self() << 32) | ++items,
        WorkKind.LONG,
        w.itemCpu().sample(r),
        w.longSleep().sample(r),
        w.itemCpu().sample(r),
        -1,
        -1);
  }

  // ------------------------------------------------------------------ messages

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof WorkloadMessage.Wakeup t) {
      if (t.token() == timerToken) wake(ctx, timerEpoch);
    } else if (msg instanceof PoolReply.Queued q) {
      if (q.reqId()
          < 0) { // the timer softirq's __queue_work(): IRQs off, wake right after the unlock
        if (q.wake().present()) {
          WorkerPool.sendDeferredWake(
              ctx,
              ctx.self(),
              cpu(),
              topo.pool(index),
              q.wake(),
              cfg,
              topo.machine.latencies().lock());
        }
        return;
      }
      if (!awaiting) throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected " + q);
      awaiting = false;
      int pool = script.pool(pc - 1);
      if (q.wake().present()) { // v1 2/2 / v2 3/4: after raw_spin_unlock(), IRQs still disabled
        WorkerPool.sendDeferredWake(
            ctx, ctx.self(), cpu(), pool, q.wake(), cfg, topo.machine.latencies().lock());
      }
      // local_irq_restore(): a pending preemption happens here
      if (preemptionPoint(ctx)) return;
      run(ctx);
    } else if (msg instanceof WorkloadMessage.DelayedWorkTimer t) { // delayed_work_timer_fn()
      if (ctx.tracing())
        ctx.trace(new WqNote.DelayedWorkFired(ctx.self(), cpu(), t.item(), t.pool()));
      ctx.send(
          t.pool(),
          new PoolRequest.QueueWork(
              ctx.self(), cpu(), -(++softirqReqIds), dwork, PoolRequest.QueueContext.SOFTIRQ),
          topo.machine.latencies().lock());
    } else if (msg instanceof WorkloadMessage.PendingCleared p) {
      if (p.item() != dwork.id())
        throw new IllegalStateException("PENDING of an unknown item " + p.item());
      dworkPending = false;
    } else {
      super.onMessage(ctx, msg);
    }
  }

  // ------------------------------------------------------------------ the script

  @Override
  protected void run(Context ctx) {
    if (awaiting)
      throw new IllegalStateException(ctx.name(ctx.self()) + " runs while spinning on pool->lock");
    while (pc < script.size()) {
      int a = pc++;
      long value = script.value(a);
      switch (script.kind(a)) {
        case SLEEP_UNTIL -> {
          if (value > ctx.now()) {
            timerEpoch = nextEpoch();
            ctx.startTimer(TIMER, value - ctx.now(), new WorkloadMessage.Wakeup(++timerToken));
            if (sleep(ctx)) return;
          }
        }
        case COMPUTE -> {
          compute(ctx, value, script.flag(a));
          return;
        }
        case QUEUE -> {
          awaiting = true;
          ctx.send(
              script.pool(a),
              new PoolRequest.QueueWork(
                  ctx.self(), cpu(), ++reqIds, script.item(a), PoolRequest.QueueContext.TASK),
              topo.machine.latencies().lock());
          return;
        }
        case QUEUE_DELAYED -> { // queue_delayed_work(): test_and_set PENDING, arm the timer
          if (dworkPending) {
            ctx.count("delayedWorkAlreadyPending", 1);
          } else {
            dworkPending = true;
            ctx.count("delayedWorkArmed", 1);
            if (ctx.tracing())
              ctx.trace(
                  new WqNote.DelayedWorkArmed(
                      ctx.self(), cpu(), dwork.id(), script.pool(a), value));
            ctx.sendAfter(
                ctx.self(),
                new WorkloadMessage.DelayedWorkTimer(dwork.id(), script.pool(a)),
                Math.max(1, value));
          }
        }
        default -> throw new IllegalStateException("unknown action " + script.kind(a));
      }
    }
    exit(ctx);
  }
}
