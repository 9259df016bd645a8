package org.kernsim.actors.workqueue;

import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * What the progress checkers ({@link NoStrandedWork}, {@link W3Progress}) need to know, rebuilt
 * from the notes: each pool's worklist, {@code nr_running} and manager flag (at the end of each
 * critical section), and for each kworker whether its task is runnable or running, whether it is
 * dying (WORKER_DIE), and whether a wake-up is owed to it (picked by {@code kick_pool()} or
 * created, and not yet at {@code woke_up:}).
 */
abstract class PoolProgress implements Checker {
  final WqTopology topo;
  final int[] worklist;
  final int[] nrRunning;
  final boolean[] manager;
  final long[] oldestItem;
  final boolean[] awake;
  final boolean[] dying;
  final boolean[] owed;

  /** Per pool: workers that are runnable or running and not dying. */
  final int[] awakeCount;

  /** Per pool: workers that are awake or owed a wake-up, and not dying. */
  final int[] creditCount;

  PoolProgress(WqTopology topo) {
    this.topo = topo;
    int n = topo.entityCount();
    worklist = new int[topo.pools];
    nrRunning = new int[topo.pools];
    manager = new boolean[topo.pools];
    oldestItem = new long[topo.pools];
    awake = new boolean[n];
    dying = new boolean[n];
    owed = new boolean[n];
    awakeCount = new int[topo.pools];
    creditCount = new int[topo.pools];
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(
        WqNote.PoolState.class,
        WqNote.Kicked.class,
        WqNote.WokeUp.class,
        WqNote.WorkerCreated.class,
        WqNote.WorkerDying.class,
        CpuNote.TaskWoken.class,
        CpuNote.TaskBlocked.class,
        CpuNote.TaskExited.class);
  }

  @Override
  public final void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    int pool;
    if (n instanceof WqNote.PoolState s) {
      pool = topo.poolIndex(s.pool());
      worklist[pool] = s.worklist();
      nrRunning[pool] = s.nrRunning();
      manager[pool] = s.managerActive();
      oldestItem[pool] = s.oldestItem();
    } else if (n instanceof WqNote.Kicked k) {
      pool = set(k.worker(), awake[k.worker()], dying[k.worker()], true);
    } else if (n instanceof WqNote.WorkerCreated c) {
      pool = set(c.worker(), awake[c.worker()], false, true);
    } else if (n instanceof WqNote.WokeUp w) {
      pool = set(w.worker(), awake[w.worker()], dying[w.worker()], false);
    } else if (n instanceof WqNote.WorkerDying d) {
      pool = set(d.worker(), awake[d.worker()], true, owed[d.worker()]);
    } else if (n instanceof CpuNote.TaskWoken t) {
      if (!topo.isWorker(t.task())) return;
      pool = set(t.task(), true, dying[t.task()], owed[t.task()]);
    } else if (n instanceof CpuNote.TaskBlocked t) {
      if (!topo.isWorker(t.task())) return;
      pool = set(t.task(), false, dying[t.task()], owed[t.task()]);
    } else if (n instanceof CpuNote.TaskExited t) {
      if (!topo.isWorker(t.task())) return;
      pool = set(t.task(), false, dying[t.task()], false);
    } else {
      return;
    }
    // a pool's counters are consistent at the end of its critical sections; a worker's task state
    // changes on its own (it blocks, it is woken): evaluate after those
    if (n instanceof WqNote.PoolState || n instanceof CpuNote)
      evaluate(pool, record.time(), checks);
  }

  private int set(int w, boolean nowAwake, boolean nowDying, boolean nowOwed) {
    int pool = topo.poolOfWorker(w);
    if (awake[w] && !dying[w]) awakeCount[pool]--;
    if ((awake[w] || owed[w]) && !dying[w]) creditCount[pool]--;
    awake[w] = nowAwake;
    dying[w] = nowDying;
    owed[w] = nowOwed;
    if (awake[w] && !dying[w]) awakeCount[pool]++;
    if ((awake[w] || owed[w]) && !dying[w]) creditCount[pool]++;
    return pool;
  }

  /** {@code need_more_worker()} and nobody managing. */
  final boolean needsWorker(int pool) {
    return worklist[pool] > 0 && nrRunning[pool] == 0 && !manager[pool];
  }

  abstract void evaluate(int pool, long now, Checks checks);
}
