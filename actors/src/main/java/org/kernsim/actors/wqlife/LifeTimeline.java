package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kernsim.actors.workqueue.WqTimeline;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.mutex.MutexNote;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.wqlife.LifeNote;

/**
 * The life-cycle timeline: one column per CPU, the steps of the pool the violation is about (kicks,
 * wake-ups, the pwq release, {@code put_unbound_pool()}, the reaping, {@code call_rcu()}, {@code
 * rcu_free_pool()}, the use after free), from the pick of the worker named in the violation, or the
 * last 20 ms.
 */
final class LifeTimeline implements TimelineSpec {
  private static final int ROWS = 70;
  private static final long WINDOW = 20_000_000L;
  private final WqTopology topo;
  private final WqTimeline wq;

  LifeTimeline(WqTopology topo, long strandingBound) {
    this.topo = topo;
    this.wq = new WqTimeline(topo, strandingBound);
  }

  @Override
  public List<TraceRecord> select(List<TraceRecord> records, Violation v) {
    if (!v.checker().equals("NoUseOfFreedPool")
        && !v.checker().equals("NoKworkerOutlivesPool")
        && !v.checker().equals("PutUnboundPoolWarn")) {
      return wq.select(records, v);
    }
    int pool = -1;
    for (int p = 0; p < topo.pools; p++)
      if (topo.name(topo.pool(p)).equals(v.entity())) pool = topo.pool(p);
    int victim = -1;
    for (int e = 0; e < topo.entityCount(); e++)
      if (topo.isWorker(e) && v.message().contains(topo.name(e) + " ")) victim = e;
    long start = v.atNanos() - WINDOW;
    for (TraceRecord r : records) {
      if (r.time() > v.atNanos()) break;
      if (victim >= 0
          && r instanceof TraceRecord.Note n
          && n.note() instanceof WqNote.Kicked k
          && k.worker() == victim
          && !k.repeat()) start = Math.min(r.time(), start + WINDOW);
    }
    List<TraceRecord> out = new ArrayList<>();
    for (TraceRecord r : records) {
      if (r.time() > v.atNanos()) break;
      if (r.time() < start || !(r instanceof TraceRecord.Note n)) continue;
      Object note = n.note();
      if (note instanceof WqNote.PoolState) continue;
      if (note instanceof WqNote.Kicked k && k.repeat() && k.worker() != victim) continue;
      if (pool < 0 || poolOf(note) == pool) out.add(r);
    }
    if (out.size() > ROWS) out = new ArrayList<>(out.subList(out.size() - ROWS, out.size()));
    out.add(new TraceRecord.Violation(v.atNanos(), pool, Long.MAX_VALUE, v.checker(), v.message()));
    return out;
  }

  private int poolOf(Object n) {
    if (n instanceof WqNote w) return wq.poolOfNote(w);
    if (n instanceof LifeNote.PoolCreated x) return x.pool();
    if (n instanceof LifeNote.PwqReleased x) return x.pool();
    if (n instanceof LifeNote.PoolRefDropped x) return x.pool();
    if (n instanceof LifeNote.PoolDestroying x) return x.pool();
    if (n instanceof LifeNote.PoolWorkerDying x) return x.pool();
    if (n instanceof LifeNote.PoolTimersShut x) return x.pool();
    if (n instanceof LifeNote.PoolRcuQueued x) return x.pool();
    if (n instanceof LifeNote.PoolFreed x) return x.pool();
    if (n instanceof LifeNote.ItemInactive x) return x.pool();
    if (n instanceof LifeNote.ItemActivated x) return x.pool();
    if (n instanceof LifeNote.MaydaySent x) return x.pool();
    if (n instanceof LifeNote.Rescued x) return x.pool();
    if (n instanceof LifeNote.AttrsApplied x) return x.pool();
    return -1;
  }

  @Override
  public String column(TraceRecord r) {
    if (r instanceof TraceRecord.Violation) return "invariant";
    Object n = ((TraceRecord.Note) r).note();
    int cpu = cpuOf(n);
    return cpu < 0 ? topo.name(r.entity()) : "CPU " + cpu;
  }

  private static int cpuOf(Object n) {
    if (n instanceof WqNote) return WqTimeline.cpuOfNote(n);
    if (n instanceof LifeNote.PoolCreated x) return x.cpu();
    if (n instanceof LifeNote.PwqReleased x) return x.cpu();
    if (n instanceof LifeNote.PoolRefDropped x) return x.cpu();
    if (n instanceof LifeNote.PoolDestroying x) return x.cpu();
    if (n instanceof LifeNote.PoolWorkerDying x) return x.cpu();
    if (n instanceof LifeNote.PoolTimersShut x) return x.cpu();
    if (n instanceof LifeNote.PoolRcuQueued x) return x.cpu();
    if (n instanceof LifeNote.AttrsApplied x) return x.cpu();
    if (n instanceof LifeNote.ItemInactive x) return x.cpu();
    if (n instanceof MutexNote.Acquired x) return x.cpu();
    return -1;
  }

  @Override
  public String cell(TraceRecord r) {
    if (r instanceof TraceRecord.Violation v)
      return "VIOLATION " + v.checker() + ": " + v.message();
    Object o = ((TraceRecord.Note) r).note();
    if (o instanceof WqNote) return wq.describe(o);
    return text(o);
  }

  private String n(int e) {
    return topo.name(e);
  }

  private String text(Object o) {
    if (o instanceof LifeNote.PoolCreated x)
      return "get_unbound_pool: new " + n(x.pool()) + " (attrs " + x.attrs() + "), create_worker";
    if (o instanceof LifeNote.AttrsApplied x)
      return "apply_workqueue_attrs(attrs "
          + x.attrs()
          + "): pwqs on "
          + n(x.pool())
          + " installed, old pwqs put";
    if (o instanceof LifeNote.PwqReleased x)
      return "pwq_release_worker: pwq_release_workfn(pwq of "
          + n(x.pool())
          + ") done"
          + (x.last() ? " (last pwq)" : "");
    if (o instanceof LifeNote.PoolRefDropped x)
      return "put_unbound_pool("
          + n(x.pool())
          + "): refcnt "
          + x.refcnt()
          + (x.refcnt() == 0 ? ": unhash, destroy" : "");
    if (o instanceof LifeNote.PoolDestroying x)
      return String.format(
          Locale.ROOT,
          "put_unbound_pool: lock %s, POOL_MANAGER_ACTIVE, set_worker_dying() x%d; nr_workers=%d nr_idle=%d%s; unlock",
          n(x.pool()),
          x.culled(),
          x.nrWorkers(),
          x.nrIdle(),
          x.nrWorkers() != 0 || x.nrIdle() != 0 ? " -> WARN_ON" : "");
    if (o instanceof LifeNote.PoolWorkerDying x)
      return "put_unbound_pool: first_idle_worker "
          + n(x.worker())
          + ": set_worker_dying"
          + (x.picked() ? " (picked by kick_pool, not yet run)" : "");
    if (o instanceof LifeNote.PoolTimersShut x)
      return "timer_delete_sync(idle_timer), cancel_work_sync(idle_cull_work), timer_delete_sync(mayday_timer) of "
          + n(x.pool());
    if (o instanceof LifeNote.PoolRcuQueued x)
      return "call_rcu(&" + n(x.pool()) + "->rcu, rcu_free_pool)";
    if (o instanceof LifeNote.PoolFreed x) return "rcu_free_pool(" + n(x.pool()) + "): kfree";
    if (o instanceof LifeNote.ItemInactive x)
      return "__queue_work: item onto pwq->inactive_works (nr_active " + x.nrActive() + ")";
    if (o instanceof LifeNote.ItemActivated x)
      return "pwq_activate_first_inactive: item to the worklist";
    if (o instanceof LifeNote.MaydaySent x)
      return "pool_mayday_timeout: send_mayday to " + n(x.wq()) + "'s rescuer";
    if (o instanceof LifeNote.Rescued x)
      return n(x.rescuer()) + ": rescues an item of " + n(x.pool());
    if (o instanceof LifeNote.WorkqueueDestroyed x)
      return "destroy_workqueue(" + n(x.wq()) + "): base refs put";
    return o.toString();
  }
}
