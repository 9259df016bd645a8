package org.kernsim.actors.wqlife;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.workqueue.KickVariant;
import org.kernsim.actors.workqueue.PoolLogic;
import org.kernsim.actors.workqueue.WqConfig;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;

/**
 * {@code put_unbound_pool()}'s section ({@link PoolRelease}) against a worker {@code kick_pool()}
 * picked whose item someone else ran: who is set dying, and when the WARN fires, per variant.
 */
class PoolReleaseTest {

  /**
   * An unbound pool of 3 idle workers; an item is queued (kick_pool() picks the head, worker 2),
   * worker 1 is woken by a second kick... then worker 0, already busy elsewhere, runs both items
   * and goes idle: the picked worker has not run. Returns the pool.
   */
  static PoolLogic pickedButNotRun(KickVariant v) {
    PoolLogic p = new PoolLogic(true, 16, WqConfig.kernel(v));
    for (int i = 0; i < 3; i++) p.createWorker(i, 0);
    p.drainWarnings();
    WorkItem a = new WorkItem(1, WorkKind.NORMAL, 1000, 0, 1, -1, -1);
    PoolLogic.Kick k = p.queueWork(a, 10);
    assertEquals(2, k.worker().slot);
    // worker 0 was woken earlier for other work: it takes the item itself (keep_working())
    p.wokeUp(p.worker(0), 11, 20);
    p.workDone(p.worker(0), 1, 12, 21);
    p.drainWarnings();
    assertTrue(p.worker(2).picked());
    return p;
  }

  @Test
  void originalCullsThePickedWorkerWithTheIdleOnes() {
    PoolLogic p = pickedButNotRun(KickVariant.ORIGINAL);
    PoolRelease.Result r = PoolRelease.putUnboundPoolLocked(p, 99);
    assertFalse(r.managerActive());
    assertEquals(3, r.dying().size());
    assertTrue(r.dyingWerePicked().contains(true), "the picked worker is on idle_list: set dying");
    assertFalse(r.warns());
    assertEquals(0, p.nrWorkers());
    assertEquals(99, p.worker(2).stopper(), "reap_dying_workers() will wait for it");
  }

  @Test
  void kickedListFindsTheParkedWorkerFirst() {
    PoolLogic p = pickedButNotRun(KickVariant.KICKED_LIST);
    PoolRelease.Result r = PoolRelease.putUnboundPoolLocked(p, 99);
    assertEquals(3, r.dying().size());
    assertEquals(2, r.dying().get(0).slot, "first_idle_worker() looks at kicked_list first");
    assertFalse(r.warns());
  }

  @Test
  void claimMissesTheClaimedWorkerAndWarns() {
    PoolLogic p = pickedButNotRun(KickVariant.CLAIM);
    PoolRelease.Result r = PoolRelease.putUnboundPoolLocked(p, 99);
    assertEquals(2, r.dying().size(), "only the two on idle_list");
    assertTrue(r.warns(), "WARN_ON(pool->nr_workers || pool->nr_idle)");
    assertEquals(1, r.nrWorkers());
    assertEquals(List.of(p.worker(2)), r.attachedNotIdle());
    assertEquals(PoolLogic.SlotState.LIVE, p.worker(2).state(), "nobody will reap it");
  }

  @Test
  void anActiveManagerMakesTheDestroyerWait() {
    PoolLogic p = new PoolLogic(true, 16, WqConfig.kernel(KickVariant.ORIGINAL));
    p.createWorker(0, 0);
    p.drainWarnings();
    p.insertWork(new WorkItem(1, WorkKind.NORMAL, 1000, 0, 1, -1, -1));
    assertEquals(PoolLogic.Next.MANAGE, p.wokeUp(p.worker(0), 5, 6).next());
    PoolRelease.Result r = PoolRelease.putUnboundPoolLocked(p, 99);
    assertTrue(r.managerActive());
    assertTrue(r.dying().isEmpty());
    assertFalse(r.warns());
  }

  @Test
  void unboundPoolsAreSharedByAttributesAndUnhashedAtTheLastPut() {
    UnboundPools t = new UnboundPools(new int[] {100, 101, 102});
    assertEquals(new UnboundPools.Got(100, true), t.getUnboundPool(0));
    assertEquals(new UnboundPools.Got(100, false), t.getUnboundPool(0));
    assertEquals(new UnboundPools.Got(101, true), t.getUnboundPool(1));
    assertEquals(1, t.putUnboundPool(100));
    assertEquals(0, t.putUnboundPool(100), "the last reference: destroy it");
    assertEquals(
        new UnboundPools.Got(102, true), t.getUnboundPool(0), "unhashed: a new pool, never 100");
  }
}
