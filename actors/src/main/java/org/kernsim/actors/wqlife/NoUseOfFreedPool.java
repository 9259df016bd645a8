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
import org.kernsim.protocol.wqlife.LifeNote;
import org.kernsim.protocol.wqlife.PwqRequest;

/**
 * No worker takes {@code pool->lock}, and nothing touches a pool, after {@code rcu_free_pool()}
 * freed it: any request (a lock section, a lockless update, a timer) delivered to a pool after its
 * {@code PoolFreed} note is a use after free. Derived from the delivered messages, independently of
 * the pool's own bookkeeping. It fires once per pool (the first touch) and counts them all.
 */
public final class NoUseOfFreedPool implements Checker {
  private final WqTopology topo;
  private final long[] freedAt;
  private final boolean[] reported;
  private long touches;

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
    if (!(record instanceof TraceRecord.Delivered d)) return;
    int pool = d.entity();
    if (!topo.isPool(pool) || freedAt[pool] < 0) return;
    touches++;
    if (reported[pool]) return;
    reported[pool] = true;
    checks.violation(
        record.time(),
        pool,
        String.format(
            Locale.ROOT,
            "%s %s on %s %.3f ms after rcu_free_pool() freed it",
            d.src() == pool ? "a timer armed after put_unbound_pool():" : checks.name(d.src()),
            what(d.payload()),
            checks.name(pool),
            (record.time() - freedAt[pool]) / 1e6));
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
  }
}
