package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Checker;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.wqlife.LifeNote;

/**
 * The question of the pool life cycle: can a worker outlive its pool? When {@code rcu_free_pool()}
 * frees a pool, every kworker {@code create_worker()} made for it must have exited (the kernel
 * makes sure: {@code put_unbound_pool()} sets every idle worker dying and {@code
 * reap_dying_workers()} waits for each to exit). A kworker still alive then has a dangling {@code
 * worker->pool}. The message says whether {@code kick_pool()} had picked it and it has not run
 * since. Derived from the notes ({@code WorkerCreated}, {@code Kicked}, {@code WokeUp}, the task's
 * exit), independently of the pool's bookkeeping.
 */
public final class NoKworkerOutlivesPool implements Checker {
  private final WqTopology topo;
  private final long[] alive;
  private final long[] pickedAt;
  private long outliving;

  public NoKworkerOutlivesPool(WqTopology topo) {
    this.topo = topo;
    this.alive = new long[topo.entityCount()];
    this.pickedAt = new long[topo.entityCount()];
    Arrays.fill(alive, -1);
    Arrays.fill(pickedAt, -1);
  }

  @Override
  public String name() {
    return "NoKworkerOutlivesPool";
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(
        WqNote.WorkerCreated.class,
        WqNote.Kicked.class,
        WqNote.WokeUp.class,
        CpuNote.TaskExited.class,
        LifeNote.PoolFreed.class);
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    if (n instanceof WqNote.WorkerCreated c) {
      alive[c.worker()] = c.incarnation();
      pickedAt[c.worker()] = -1;
    } else if (n instanceof WqNote.Kicked k) {
      if (pickedAt[k.worker()] < 0) pickedAt[k.worker()] = record.time();
    } else if (n instanceof WqNote.WokeUp w) {
      pickedAt[w.worker()] = -1;
    } else if (n instanceof CpuNote.TaskExited t) {
      if (topo.isWorker(t.task())) {
        alive[t.task()] = -1;
        pickedAt[t.task()] = -1;
      }
    } else if (n instanceof LifeNote.PoolFreed f) {
      int p = topo.poolIndex(f.pool());
      List<String> who = new ArrayList<>();
      for (int s = 0; s < topo.slotsPerPool; s++) {
        int w = topo.worker(p, s);
        if (alive[w] < 0) continue;
        outliving++;
        who.add(
            checks.name(w)
                + (pickedAt[w] >= 0
                    ? String.format(
                        Locale.ROOT,
                        " (picked by kick_pool() %.3f ms ago, has not run since)",
                        (record.time() - pickedAt[w]) / 1e6)
                    : " (has run since its last kick: asleep on the pool)"));
      }
      if (!who.isEmpty()) {
        checks.violation(
            record.time(),
            f.pool(),
            String.join(", ", who)
                + " outlive"
                + (who.size() == 1 ? "s " : " ")
                + checks.name(f.pool())
                + ": rcu_free_pool() freed it while "
                + (who.size() == 1 ? "that kworker is" : "those kworkers are")
                + " alive with worker->pool pointing to it");
      }
    }
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("kworkersOutlivingPool", outliving);
  }
}
