package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kernsim.actors.workqueue.PoolLogic.Decision;
import org.kernsim.actors.workqueue.PoolLogic.Kick;
import org.kernsim.actors.workqueue.PoolLogic.Next;
import org.kernsim.actors.workqueue.PoolLogic.Worker;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * The workqueue's CPU-hotplug functions of {@link PoolLogic}: mainline {@code unbind_workers()} and
 * {@code rebind_workers()}, and v3.8/v3.9 {@code wq_unbind_fn()}'s steps — on a per-CPU pool whose
 * busy worker runs P (counted in {@code nr_running}) while X waits and a spare worker is idle: the
 * precondition of WQ-7.
 */
class PoolHotplugTest {

  /** A per-CPU pool: worker B runs P (counted), X waits, worker A is idle. */
  static PoolLogic busyPool(Worker[] ab) {
    PoolLogic p = PoolLogicTest.poolWithIdle(KickVariant.ORIGINAL, false, 2);
    Worker busy = p.worker(1); // the head of the idle list
    Decision d = PoolLogicTest.run(p, busy, PoolLogicTest.item(1), 10);
    assertEquals(Next.EXECUTE, d.next());
    assertTrue(d.counted());
    p.insertWork(PoolLogicTest.item(2)); // X: nr_running = 1, nobody woken
    assertNull(p.kickPool(10));
    assertEquals(1, p.nrRunning());
    ab[0] = p.worker(0);
    ab[1] = busy;
    PoolLogicTest.assertClean(p);
    return p;
  }

  @Test
  void unbindWorkersMarksEveryWorkerUnboundZapsNrRunningAndKicks() {
    Worker[] ab = new Worker[2];
    PoolLogic p = busyPool(ab);
    Kick k = p.unbindWorkers(11);
    assertTrue(p.disassociated());
    assertTrue(ab[0].has(WorkerFlag.UNBOUND) && ab[1].has(WorkerFlag.UNBOUND));
    assertEquals(0, p.nrRunning());
    assertSame(ab[0], k.worker(), "kick_pool(): the idle worker is woken for X");
    PoolLogicTest.assertClean(p);
    // the busy worker now blocks: NOT_RUNNING, so wq_worker_sleeping() does nothing
    assertNull(p.wqWorkerSleeping(ab[1], 12));
    assertEquals(0, p.nrRunning());
  }

  @Test
  void v39WqUnbindFnLeavesXWithoutAKick() {
    Worker[] ab = new Worker[2];
    PoolLogic p = busyPool(ab);
    p.wqUnbindFlags(); // under pool->lock
    assertEquals(1, p.nrRunning(), "not zapped yet (the flags were set without worker_set_flags)");
    PoolLogicTest.assertClean(p); // disassociated: nr_running is not held to the flags
    p.zapNrRunning(); // after schedule(): atomic_set(&pool->nr_running, 0)
    assertEquals(0, p.nrRunning());
    assertTrue(p.needMoreWorker(), "X waits with nr_running 0 ...");
    assertTrue(ab[0].has(WorkerFlag.IDLE) && !ab[0].picked(), "... and nobody woke the spare");
    assertNull(p.wqWorkerSleeping(ab[1], 12), "P blocks: WORKER_UNBOUND, no kick: X is stranded");
  }

  @Test
  void v310WakeUpWorkerWakesTheFirstIdleWorkerEvenWithoutWork() {
    Worker[] ab = new Worker[2];
    PoolLogic p = busyPool(ab);
    p.wqUnbindFlags();
    p.zapNrRunning();
    Kick k = p.wakeUpWorker(12);
    assertSame(ab[0], k.worker());
    assertTrue(ab[0].picked());
    PoolLogic empty = PoolLogicTest.poolWithIdle(KickVariant.ORIGINAL, false, 1);
    assertSame(empty.worker(0), empty.wakeUpWorker(1).worker(), "unconditional, unlike kick_pool");
    assertNull(empty.kickPool(1));
  }

  @Test
  void rebindWorkersReplacesUnboundWithRebound() {
    Worker[] ab = new Worker[2];
    PoolLogic p = busyPool(ab);
    p.unbindWorkers(11);
    p.rebindWorkers();
    assertFalse(p.disassociated());
    for (Worker w : ab) {
      assertFalse(w.has(WorkerFlag.UNBOUND));
      assertTrue(w.has(WorkerFlag.REBOUND), "still NOT_RUNNING until its next recheck:");
    }
    assertEquals(0, p.nrRunning());
    PoolLogicTest.assertClean(p);
    // the idle worker wakes for X (with a spare behind it): recheck clears PREP|REBOUND and joins
    // nr_running
    assertFalse(p.createWorker(13, 0).has(WorkerFlag.UNBOUND), "associated again");
    Decision d = p.wokeUp(ab[0], 13, 99);
    assertEquals(Next.EXECUTE, d.next());
    assertTrue(d.counted());
    assertFalse(ab[0].has(WorkerFlag.REBOUND));
    assertEquals(1, p.nrRunning());
    PoolLogicTest.assertClean(p);
  }

  @Test
  void aWorkerCreatedOnADisassociatedPoolIsUnbound() {
    PoolLogic p = PoolLogicTest.poolWithIdle(KickVariant.ORIGINAL, false, 1);
    p.unbindWorkers(1);
    Worker w = p.createWorker(2, 0);
    assertTrue(w.has(WorkerFlag.UNBOUND), "worker_attach_to_pool(): DISASSOCIATED -> UNBOUND");
    assertEquals(2, p.attachedWorkers().size());
    PoolLogicTest.assertClean(p);
  }

  @Test
  void theUnbindWorkItemIsNamed() {
    WorkItem u = WorkItem.unbind(7, 1, 3);
    assertEquals(WorkItem.WorkKind.UNBIND, u.kind());
    assertEquals(1, u.cullPool());
    assertEquals("unbind_work(p7)", NoStrandedWork.item(u.id(), i -> "p" + i));
  }
}
