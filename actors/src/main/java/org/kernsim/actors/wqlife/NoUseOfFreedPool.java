package org.kernsim.actors.wqlife;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Checker;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.wqlife.LifeNote;
import org.kernsim.protocol.wqlife.PwqRequest;

/**
 * No worker takes {@code pool->lock}, and nothing touches a pool, after {@code rcu_free_pool()}
 * freed it: any request (a lock section, a lockless update, a timer) delivered to a pool after its
 * {@code PoolFreed} note is a use after free. Derived from the delivered messages, independently of
 * the pool's own bookkeeping. It fires once per pool (the first touch) and counts them all.
 *
 * <p>The idle timer is {@code TIMER_DEFERRABLE}. With exact timers its expiry ({@code
 * IdleTimerFired}) is the callback. With {@code timer.wheel = v6.13} that expiry is only the wheel
 * bucket becoming due: the callback {@code idle_worker_timeout()} runs from the timer softirq of
 * the CPU whose {@code BASE_DEF} holds the timer, at its first tick while busy (an idle CPU's tick
 * is stopped and deferrable timers do not wake it; v6.13.7 {@code kernel/time/timer.c}, {@code
 * run_timer_softirq()}: {@code run_timer_base(BASE_DEF)}); nothing reads the freed pool before. So
 * with the wheel the touch is the callback running ({@code WqNote.IdleTimeout}, which the pool
 * notes only when the softirq finds its timer still armed), not the bucket's expiry.
 */
public final class NoUseOfFreedPool implements Checker {
  private final WqTopology topo;
  private final long[] freedAt;
  private final boolean[] reported;
  private long touches;

  /** With the wheel: idle timers of freed pools whose bucket became due (the callback waits). */
  private long dueOnFreedPool;

  public NoUseOfFreedPool(WqTopology topo) {
    this.topo = topo;
    this.freedAt = new long[topo.entityCount()];
    this.reported = new boolean[topo.entityCount()];
    Arrays.fill(freedAt, -1);
  }

  @Override
  public String name() {
    return "NoUseOfFreedPool";
  }

  @Override
  public Set<Class<?>> observes() {
    Set<Class<?>> s = new HashSet<>();
    s.add(LifeNote.PoolFreed.class);
    s.add(WqNote.IdleTimeout.class);
    for (Class<?> c : PoolRequest.class.getPermittedSubclasses()) s.add(c);
    for (Class<?> c : PwqRequest.class.getPermittedSubclasses()) s.add(c);
    return s;
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    if (record instanceof TraceRecord.Note n && n.note() instanceof LifeNote.PoolFreed f) {
      freedAt[f.pool()] = record.time();
      return;
    }
    boolean wheel = !topo.machine.timers().exact();
    if (record instanceof TraceRecord.Note n && n.note() instanceof WqNote.IdleTimeout t) {
      // with the wheel: idle_worker_timeout() ran from the timer softirq (with exact timers the
      // expiry below was the callback, and this note follows it)
      int pool = record.entity();
      if (!wheel || !topo.isPool(pool) || freedAt[pool] < 0) return;
      touch(
          record.time(),
          pool,
          "idle_timer fires (idle_worker_timeout(), from the timer softirq of CPU " + t.cpu() + ")",
          checks);
      return;
    }
    if (!(record instanceof TraceRecord.Delivered d)) return;
    int pool = d.entity();
    if (!topo.isPool(pool) || freedAt[pool] < 0) return;
    // with the wheel, the idle timer's bucket became due: the callback waits for the CPU's tick
    if (wheel && d.payload() instanceof PoolRequest.IdleTimerFired) {
      dueOnFreedPool++;
      return;
    }
    touch(
        record.time(),
        pool,
        (d.src() == pool ? "a timer armed after put_unbound_pool():" : checks.name(d.src()))
            + " "
            + what(d.payload()),
        checks);
  }

  private void touch(long time, int pool, String what, Checks checks) {
    touches++;
    if (reported[pool]) return;
    reported[pool] = true;
    checks.violation(
        time,
        pool,
        String.format(
            Locale.ROOT,
            "%s on %s %.3f ms after rcu_free_pool() freed it",
            what,
            checks.name(pool),
            (time - freedAt[pool]) / 1e6));
  }

  /** The touch, in the kernel's words. */
  static String what(Object p) {
    if (p instanceof PoolRequest.WorkerWokeUp) return "takes pool->lock (worker_thread() woke_up:)";
    if (p instanceof PoolRequest.WorkDone) return "takes pool->lock (process_one_work() relock)";
    if (p instanceof PoolRequest.WorkerSleeping) return "takes pool->lock (wq_worker_sleeping())";
    if (p instanceof PoolRequest.WorkerRunning)
      return "increments nr_running (wq_worker_running())";
    if (p instanceof PoolRequest.WorkerExited) return "frees its id (ida_free(&pool->worker_ida))";
    if (p instanceof PoolRequest.IdleTimerFired) return "idle_timer fires (idle_worker_timeout())";
    if (p instanceof PoolRequest.MaydayTimerFired)
      return "mayday_timer fires (pool_mayday_timeout())";
    if (p instanceof PoolRequest.IdleCullPass) return "takes pool->lock (idle_cull_fn())";
    if (p instanceof PoolRequest.QueueWork || p instanceof PwqRequest.QueueOnPwq)
      return "takes pool->lock (__queue_work())";
    return "touches the pool (" + p.getClass().getSimpleName() + ")";
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("useOfFreedPool", touches);
    if (!topo.machine.timers().exact()) metrics.put("idleTimersDueOnFreedPool", dueOnFreedPool);
  }
}
