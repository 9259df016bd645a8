package org.kernsim.actors.workqueue;

import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.engine.SplitMix64;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkloadMessage;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * A workload thread on one CPU: it sleeps, computes in user mode and calls {@code queue_work_on()}
 * ({@code local_irq_save()}, {@code __queue_work()}, {@code local_irq_restore()}): it spins on the
 * pool's lock, sends the deferred wake-up if the variant defers it (IRQs are still off: no
 * preemption in between), and reaches a preemption point when IRQs are restored. Its delayed work
 * ({@code queue_delayed_work()}) fires from the timer softirq on its CPU. Its script is drawn from
 * its own random stream, a few actions ahead ({@link ScriptDrawer}: the same draws, in the same
 * order, as the whole script drawn at time 0; see {@link Workload}).
 */
public final class Kicker extends Task {

  enum Kind {
    SLEEP_UNTIL,
    COMPUTE,
    QUEUE,
    QUEUE_DELAYED
  }

  private static final Kind[] KINDS = Kind.values();

  /**
   * Drawn actions, packed: one entry per action in parallel arrays (kind, value, flag, pool, item).
   * The thread keeps a window of {@link ScriptDrawer#WINDOW} actions or so; the whole script drawn
   * at time 0 (562 actions per CPU in {@code workqueue-load}, 21 KB packed) was most of that
   * scenario's live heap at 65,536 CPUs.
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

    /** Forgets the entries (the window was used up). */
    void clear() {
      java.util.Arrays.fill(items, 0, size, null);
      size = 0;
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

  /** The drawn actions not yet done (and the one being done): a window ahead of {@link #pc}. */
  private final Script script = new Script();

  /** Draws the script on, {@link ScriptDrawer#WINDOW} actions at a time. */
  private ScriptDrawer drawer;

  private int pc;
  private boolean awaiting;
  private long reqIds;
  private long softirqReqIds;
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
    if (!(ctx.random() instanceof SplitMix64 stream))
      throw new IllegalStateException(
          ctx.name(ctx.self()) + ": a workload thread starts on its own stream, not a strategy's");
    drawer = ScriptDrawer.start(topo, index, w, ctx.self(), stream);
    dwork = drawer.delayedWork();
    drawer.fill(script); // the warm-up's sleep first: done (a no-op) when the timer wakes it
    long warm = script.value(0);
    ctx.startTimer(
        TIMER, Math.max(1, warm), new WorkloadMessage.Wakeup(++timerToken)); // asleep in sleep 1
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
    while (true) {
      if (pc == script.size()) {
        if (!drawer.fill(script)) break;
        pc = 0;
      }
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
