package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.workqueue.PoolLogic;
import org.kernsim.actors.workqueue.WorkerFlag;

/**
 * The {@code pool->lock} part of {@code put_unbound_pool()} ({@code kernel/workqueue.c}, 2026),
 * pure: with {@code wq_pool_attach_mutex} held and the pool locked,
 *
 * <pre>
 *   if (!(pool-&gt;flags &amp; POOL_MANAGER_ACTIVE)) { pool-&gt;flags |= POOL_MANAGER_ACTIVE; break; }
 *   ...
 *   while ((worker = first_idle_worker(pool)))
 *       set_worker_dying(worker, &amp;cull_list);
 *   WARN_ON(pool-&gt;nr_workers || pool-&gt;nr_idle);
 * </pre>
 *
 * Only workers that {@code first_idle_worker()} returns are set dying (and later reaped): those on
 * {@code idle_list} (and, with v2, on {@code kicked_list}). An attached worker that is neither — a
 * worker {@code kick_pool()} claimed with the seed's fix and that has not run yet — stays counted
 * in {@code nr_workers}: the WARN fires, and nothing waits for that worker before the pool is
 * freed.
 */
public final class PoolRelease {
  private PoolRelease() {}

  /**
   * What the section did: {@code managerActive} (someone manages: nothing done, wait on {@code
   * manager_wait}), else the workers set dying in order, and the WARN's operands.
   */
  public record Result(
      boolean managerActive,
      List<PoolLogic.Worker> dying,
      List<Boolean> dyingWerePicked,
      int nrWorkers,
      int nrIdle,
      List<PoolLogic.Worker> attachedNotIdle) {

    /** {@code WARN_ON(pool->nr_workers || pool->nr_idle)}. */
    public boolean warns() {
      return !managerActive && (nrWorkers != 0 || nrIdle != 0);
    }
  }

  /** {@code put_unbound_pool()}'s section; {@code requester} will reap the dying workers. */
  public static Result putUnboundPoolLocked(PoolLogic pool, int requester) {
    if (!pool.becomeLastManager())
      return new Result(true, List.of(), List.of(), pool.nrWorkers(), pool.nrIdle(), List.of());
    List<PoolLogic.Worker> dying = new ArrayList<>();
    List<Boolean> picked = new ArrayList<>();
    PoolLogic.Worker w;
    while ((w = pool.firstIdleWorker()) != null) {
      boolean p = w.picked();
      if (!pool.setWorkerDying(w, requester)) break; // WARNs (W5); the kernel would loop
      dying.add(w);
      picked.add(p);
    }
    List<PoolLogic.Worker> left = new ArrayList<>();
    for (int s = 0; s < pool.createdSlots(); s++) { // the rest are FREE
      PoolLogic.Worker x = pool.worker(s);
      if (x.state() == PoolLogic.SlotState.LIVE && !x.has(WorkerFlag.IDLE)) left.add(x);
    }
    return new Result(false, dying, picked, pool.nrWorkers(), pool.nrIdle(), left);
  }
}
