package org.kernsim.actors.workqueue;

import org.kernsim.engine.AbstractState;

/**
 * A worker pool's abstract state for exploration coverage: what {@code kick_pool()} and {@code
 * idle_cull_fn()} (kernel/workqueue.c, v6.x, the seed's era) decide on, without the numbers that
 * only name things. The idle list in order from its head (for each worker: picked by {@code
 * kick_pool()} and not run yet, {@code last_active} past IDLE_WORKER_TIMEOUT, WORKER_DIE), the
 * kicked list's length (v2), whether work is queued (none, one, more), {@code nr_running} (0, 1,
 * more), workers that are neither idle nor dying (0..3, more), picked workers off the idle list,
 * the idle timer, {@code idle_cull_work} pending, and the manager.
 */
final class PoolAbstraction {
  private PoolAbstraction() {}

  static long of(PoolLogic p, long now) {
    long nowJ = p.cfg.jiffies(now);
    long h = p.unbound ? 1 : 2;
    int pickedElsewhere = 0;
    int busy = 0;
    for (int s = 0; s < p.made; s++) { // slots not made yet are FREE
      PoolLogic.Worker w = p.slots[s];
      if (w.state != PoolLogic.SlotState.LIVE) continue;
      if (!w.onIdleList && !w.has(WorkerFlag.DIE)) busy++;
      if (w.picked && !w.onIdleList) pickedElsewhere++;
    }
    int n = 0;
    for (PoolLogic.Worker w : p.idleList) {
      int bits =
          (w.picked ? 1 : 0)
              | (p.expired(w, nowJ) ? 2 : 0)
              | (w.has(WorkerFlag.DIE) ? 4 : 0)
              | (w.sleeping ? 8 : 0);
      h = AbstractState.mix(h, 16 + bits);
      if (++n == 8) break; // deeper than eight: the same for every purpose here
    }
    h = AbstractState.mix(h, p.idleList.size() > 8 ? 1 : 0);
    h = AbstractState.mix(h, Math.min(3, p.kickedList.size()));
    h = AbstractState.mix(h, Math.min(2, p.worklist.size()));
    h = AbstractState.mix(h, Math.min(2, Math.max(0, p.nrRunning)));
    h = AbstractState.mix(h, Math.min(4, busy));
    h = AbstractState.mix(h, Math.min(3, pickedElsewhere));
    h =
        AbstractState.mix(
            h,
            (p.idleTimerPending ? 1 : 0) | (p.cullWorkPending ? 2 : 0) | (p.managerActive ? 4 : 0));
    return h;
  }
}
