package org.kernsim.actors.workqueue;

import org.kernsim.engine.EndReason;

/**
 * W3 (spec C.8, progress): whenever a pool's worklist is non-empty and {@code nr_running == 0} (and
 * nobody is creating workers), at least one of its kworkers is runnable or running, or has been
 * picked (or created) and is owed a wake-up, and is not dying: someone will re-evaluate {@code
 * need_more_worker()} under {@code pool->lock}. Instantaneous: it fires at the moment the last such
 * worker is lost (the seed's race breaks it when the cull takes the only kicked worker).
 */
public final class W3Progress extends PoolProgress {
  private final boolean[] broken;

  public W3Progress(WqTopology topo) {
    super(topo);
    broken = new boolean[topo.pools];
  }

  @Override
  public String name() {
    return "W3";
  }

  @Override
  void evaluate(int pool, long now, Checks checks) {
    boolean b = needsWorker(pool) && creditCount[pool] == 0;
    if (b && !broken[pool]) {
      checks.violation(
          now,
          topo.pool(pool),
          worklist[pool]
              + " item(s) (first "
              + NoStrandedWork.item(oldestItem[pool], checks::name)
              + ") on the worklist of "
              + checks.name(topo.pool(pool))
              + ", nr_running=0, and no kworker is runnable, running or about to be woken");
    }
    broken[pool] = b;
  }

  @Override
  public void finish(long endNanos, EndReason reason, Checks checks) {}
}
