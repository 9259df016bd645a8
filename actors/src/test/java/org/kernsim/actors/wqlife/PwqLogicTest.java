package org.kernsim.actors.wqlife;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.workqueue.KickVariant;
import org.kernsim.actors.workqueue.PoolLogic;
import org.kernsim.actors.workqueue.WqConfig;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;

/** The pool_workqueue functions of {@link PwqLogic}, one by one, on a bare {@link PoolLogic}. */
class PwqLogicTest {

  static WorkItem item(long id) {
    return new WorkItem(id, WorkKind.NORMAL, 1000, 0, 1, -1, -1);
  }

  static PoolLogic pool(boolean unbound, int idle) {
    PoolLogic p = new PoolLogic(unbound, 16, WqConfig.kernel(KickVariant.ORIGINAL));
    for (int i = 0; i < idle; i++) p.createWorker(i, 0);
    p.drainWarnings();
    return p;
  }

  @Test
  void getAndPutPwqCountReferencesAndTheLastPutQueuesTheRelease() {
    PwqLogic l = new PwqLogic(pool(true, 1));
    PwqLogic.Pwq p = l.initPwq(1, 77, true, 256, false, -1);
    assertEquals(1, p.refcnt(), "init_pwq(): the base reference");
    l.getPwq(p);
    l.putPwq(p);
    assertTrue(l.released.isEmpty());
    l.putPwq(p);
    assertEquals(List.of(p), l.released, "kthread_queue_work(pwq_release_worker, ...)");
    l.putPwq(p);
    assertEquals("PwqRefcnt", l.drainWarnings().get(0)[0]);
  }

  @Test
  void queueWorkInsertsKicksAndPinsThePwqUntilTheItemCompletes() {
    PoolLogic pool = pool(true, 2);
    PwqLogic l = new PwqLogic(pool);
    PwqLogic.Pwq p = l.initPwq(1, 77, true, 256, false, -1);
    assertEquals(PwqLogic.Queued.ACTIVE, l.queueWork(p, item(10), 5));
    assertNotNull(l.lastKick, "kick_pool()");
    assertEquals(2, p.refcnt(), "insert_work(): get_pwq()");
    assertEquals(1, p.nrInFlight());
    assertEquals(1, p.nrActive());
    assertSame(p, l.pwqOf(item(10)));
    l.putPwq(p); // the base reference goes (apply_workqueue_attrs() replaced it)
    assertTrue(l.released.isEmpty(), "in-flight work keeps the pwq");
    pool.wokeUp(pool.worker(1), 6, 9);
    pool.workDone(pool.worker(1), 10, 7, 11);
    assertEquals(0, p.nrInFlight());
    assertEquals(List.of(p), l.released, "released once its last item completed");
  }

  @Test
  void queueWorkOnAReleasedUnboundPwqRetries() {
    PwqLogic l = new PwqLogic(pool(true, 1));
    PwqLogic.Pwq p = l.initPwq(1, 77, true, 256, false, -1);
    l.putPwq(p);
    assertEquals(PwqLogic.Queued.RETRY, l.queueWork(p, item(10), 5));
    assertEquals(0, p.nrInFlight());
  }

  @Test
  void maxActiveQueuesTheRestInactiveAndActivatesInOrderOnCompletion() {
    PoolLogic pool = pool(false, 3);
    PwqLogic l = new PwqLogic(pool);
    PwqLogic.Pwq p = l.initPwq(1, 77, false, 1, false, -1);
    assertEquals(PwqLogic.Queued.ACTIVE, l.queueWork(p, item(10), 5));
    assertEquals(PwqLogic.Queued.INACTIVE, l.queueWork(p, item(11), 5));
    assertEquals(PwqLogic.Queued.INACTIVE, l.queueWork(p, item(12), 5));
    assertNull(l.lastKick, "an inactive item does not kick");
    assertTrue(l.isInactive(11));
    assertEquals(2, p.inactiveCount());
    assertEquals(1, pool.worklistLength());
    assertEquals(4, p.refcnt(), "every queued item holds the pwq");
    PoolLogic.Decision d = pool.wokeUp(pool.worker(2), 6, 9);
    assertEquals(10, d.item().id());
    // process_one_work()'s last step activates item 11; keep_working() runs it
    PoolLogic.Decision next = pool.workDone(pool.worker(2), 10, 7, 11);
    assertEquals(11, next.item().id());
    assertEquals(List.of(11L), l.activated.stream().map(a -> a[1]).toList());
    assertFalse(l.isInactive(11));
    assertEquals(1, p.nrActive());
    assertEquals(1, p.inactiveCount());
    pool.workDone(pool.worker(2), 11, 8, 12);
    assertEquals(0, p.inactiveCount());
    l.checkAccounting();
    assertTrue(l.drainWarnings().isEmpty());
  }

  @Test
  void aNewItemQueuesBehindInactiveOnes() {
    PoolLogic pool = pool(false, 2);
    PwqLogic l = new PwqLogic(pool);
    PwqLogic.Pwq p = l.initPwq(1, 77, false, 1, false, -1);
    l.queueWork(p, item(10), 5);
    l.queueWork(p, item(11), 5);
    // even with a free slot, an item may not overtake an inactive one
    p.nrActive = 0;
    assertEquals(PwqLogic.Queued.INACTIVE, l.queueWork(p, item(12), 5));
  }

  @Test
  void pwqIsEmptyAndPwqBusy() {
    PoolLogic pool = pool(true, 1);
    PwqLogic l = new PwqLogic(pool);
    PwqLogic.Pwq p = l.initPwq(1, 77, true, 256, false, -1);
    assertTrue(l.pwqIsEmpty(p));
    assertFalse(l.pwqBusy(p, false));
    l.getPwq(p);
    assertTrue(l.pwqBusy(p, false), "a reference beyond the base one");
    assertFalse(l.pwqBusy(p, true), "... but for the default pwq");
    l.putPwq(p);
    l.queueWork(p, item(10), 5);
    assertTrue(l.pwqBusy(p, true), "work in flight");
    assertFalse(l.pwqIsEmpty(p));
  }

  @Test
  void aFlushWaitsForTheWorkInFlight() {
    PoolLogic pool = pool(true, 2);
    PwqLogic l = new PwqLogic(pool);
    PwqLogic.Pwq p = l.initPwq(1, 77, true, 256, false, -1);
    assertFalse(l.flushPrep(p, 5, 1), "nothing in flight: nothing to wait for");
    l.queueWork(p, item(10), 5);
    assertTrue(l.flushPrep(p, 5, 2));
    pool.wokeUp(pool.worker(1), 6, 9);
    assertTrue(l.flushesDone.isEmpty());
    pool.workDone(pool.worker(1), 10, 7, 11);
    assertEquals(1, l.flushesDone.size());
    assertEquals(2, l.flushesDone.get(0)[1]);
  }

  @Test
  void sendMaydayPinsEachPwqWithARescuerOnceAndTheRescuerSlurpsItsItems() {
    PoolLogic pool = pool(false, 0);
    PwqLogic l = new PwqLogic(pool);
    PwqLogic.Pwq reclaim = l.initPwq(1, 77, false, 256, false, 500);
    PwqLogic.Pwq plain = l.initPwq(2, 78, false, 256, false, -1);
    l.queueWork(reclaim, item(10), 5);
    l.queueWork(plain, item(20), 5);
    l.queueWork(reclaim, item(11), 5);
    List<PwqLogic.Pwq> m = l.sendMaydays();
    assertEquals(List.of(reclaim), m, "only a workqueue with a rescuer");
    assertTrue(reclaim.onMayday());
    assertEquals(4, reclaim.refcnt(), "get_pwq(): pinned until the rescuer is done");
    assertTrue(l.sendMaydays().isEmpty(), "already on the mayday list");
    PoolLogic.Worker r = pool.attachRescuer(500);
    assertEquals(2, l.slurp(reclaim, r), "both items of its pwq, not the other one");
    assertEquals(1, pool.worklistLength());
    assertFalse(reclaim.onMayday());
    // item 20 still waits and nobody can be created: back on the mayday list at once
    assertTrue(l.maydayRequeue(reclaim), "pwq->nr_active && need_to_create_worker()");
    assertTrue(reclaim.onMayday());
    assertEquals(5, reclaim.refcnt());
    l.maydayRejected(reclaim); // wq->rescuer is NULL: unpin
    assertFalse(reclaim.onMayday());
    assertEquals(4, reclaim.refcnt());
  }
}
