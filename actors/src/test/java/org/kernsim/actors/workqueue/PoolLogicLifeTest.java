package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.workqueue.PoolLogic.Decision;
import org.kernsim.actors.workqueue.PoolLogic.Kick;
import org.kernsim.actors.workqueue.PoolLogic.Next;
import org.kernsim.actors.workqueue.PoolLogic.Worker;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * The kernel functions {@link PoolLogic} gained for the rest of the pool's life and forward
 * progress: the release step of {@code process_one_work()} and its hooks ({@code
 * pwq_dec_nr_in_flight()}, WQ_CPU_INTENSIVE), {@code wq_worker_tick()}, the 3.18 / 3.19 manager
 * ({@code maybe_create_worker()}'s early exit, WQ-6) and W9, {@code put_unbound_pool()}'s manager
 * takeover and timers, rescuers in the busy hash.
 */
class PoolLogicLifeTest {

  static WorkItem item(long id) {
    return PoolLogicTest.item(id);
  }

  /** A per-CPU pool whose worker 2 (of 3 idle ones) runs item 1, counted in nr_running. */
  static PoolLogic runningPerCpu(WqConfig cfg) {
    PoolLogic p = new PoolLogic(false, 16, cfg);
    for (int i = 0; i < 3; i++) p.createWorker(i, 0);
    p.drainWarnings();
    Decision d = PoolLogicTest.run(p, p.worker(2), item(1), 10);
    assertEquals(Next.EXECUTE, d.next());
    assertTrue(d.counted());
    assertEquals(1, p.nrRunning());
    return p;
  }

  @Test
  void releaseWorkClearsCpuIntensiveThenCallsPwqDecNrInFlight() {
    PoolLogic p = runningPerCpu(WqConfig.kernel(KickVariant.ORIGINAL));
    List<Long> released = new ArrayList<>();
    p.setHooks(
        new PoolLogic.Hooks() {
          @Override
          public void workReleased(WorkItem item) {
            released.add(item.id());
            assertNull(p.worker(2).current(), "current_work is NULL before the last step");
          }
        });
    p.workerSetFlags(p.worker(2), WorkerFlag.CPU_INTENSIVE.bit);
    assertEquals(0, p.nrRunning());
    WorkItem done = p.releaseWork(p.worker(2), 1);
    assertEquals(1, done.id());
    assertEquals(List.of(1L), released);
    assertFalse(p.worker(2).has(WorkerFlag.CPU_INTENSIVE));
    assertEquals(1, p.nrRunning(), "back in concurrency management");
  }

  @Test
  void anActivatedItemIsTakenByKeepWorking() {
    PoolLogic p = runningPerCpu(WqConfig.kernel(KickVariant.ORIGINAL));
    p.setHooks(
        new PoolLogic.Hooks() {
          @Override
          public void workReleased(WorkItem item) {
            p.insertWork(item(7)); // pwq_activate_first_inactive(): no kick
          }
        });
    Decision d = p.workDone(p.worker(2), 1, 11, 20);
    assertEquals(Next.EXECUTE, d.next());
    assertEquals(7, d.item().id(), "keep_working() sees the activated item");
  }

  @Test
  void wqCpuIntensiveTakesTheWorkerOutOfConcurrencyManagementAndChainsExecution() {
    PoolLogic p = new PoolLogic(false, 16, WqConfig.kernel(KickVariant.ORIGINAL));
    for (int i = 0; i < 3; i++) p.createWorker(i, 0);
    p.setHooks(
        new PoolLogic.Hooks() {
          @Override
          public boolean cpuIntensive(WorkItem item) {
            return true;
          }
        });
    p.insertWork(item(1));
    p.insertWork(item(2));
    Decision d = p.wokeUp(p.worker(2), 10, 20);
    assertTrue(p.worker(2).has(WorkerFlag.CPU_INTENSIVE));
    assertEquals(0, p.nrRunning());
    assertFalse(d.counted());
    assertSame(p.worker(1), d.kick().worker(), "kick_pool() wakes another worker for item 2");
  }

  @Test
  void wqWorkerTickMarksTheHogAndKicks() {
    PoolLogic p = runningPerCpu(WqConfig.kernel(KickVariant.ORIGINAL));
    p.insertWork(item(2)); // waits: nr_running is 1, no kick
    assertFalse(p.needMoreWorker());
    Kick k = p.wqWorkerTick(p.worker(2), 12);
    assertTrue(p.worker(2).has(WorkerFlag.CPU_INTENSIVE));
    assertEquals(0, p.nrRunning());
    assertSame(p.worker(1), k.worker(), "the next idle worker runs the waiting item");
    assertNull(p.wqWorkerTick(p.worker(2), 13), "already NOT_RUNNING: nothing");
    PoolLogicTest.assertClean(p);
  }

  @Test
  void wqWorkerTickIgnoresAWorkerThatIsGoingToSleepOrHasNoItem() {
    PoolLogic p = runningPerCpu(WqConfig.kernel(KickVariant.ORIGINAL));
    p.wqWorkerSleeping(p.worker(2), 12);
    assertNull(p.wqWorkerTick(p.worker(2), 12), "worker->sleeping: skip");
    assertFalse(p.worker(2).has(WorkerFlag.CPU_INTENSIVE));
    assertNull(p.wqWorkerTick(p.worker(0), 12), "no current_pwq: return");
  }

  /** A per-CPU pool with one idle worker (slot 0) and one running (slot 1), in {@code era}. */
  static PoolLogic managerRace(WqEra era) {
    PoolLogic p = new PoolLogic(false, 16, WqConfig.kernel(KickVariant.ORIGINAL).withEra(era));
    p.createWorker(0, 0);
    p.createWorker(1, 0);
    p.drainWarnings();
    PoolLogicTest.run(p, p.worker(1), item(1), 5);
    p.wqWorkerSleeping(p.worker(1), 5); // it blocks: nr_running 0, kicks worker 0
    assertEquals(0, p.nrRunning());
    p.insertWork(item(2));
    return p;
  }

  @Test
  void the318ManagerReturnsEarlyWhenNrRunningRoseSinceRecheck() {
    PoolLogic p = managerRace(WqEra.V3_18);
    Worker w = p.worker(0);
    Decision d = p.wokeUp(w, 10, 20);
    assertEquals(Next.MANAGE, d.next(), "the last idle worker takes the manager role");
    assertTrue(p.drainManagerTaken());
    assertFalse(p.maydayTimerPending(), "maybe_create_worker() arms the timer only after its test");
    p.wqWorkerRunning(p.worker(1)); // another CPU's wq_worker_waking_up(): nr_running++
    assertEquals(1, p.nrRunning());
    Decision end = p.managerCheck(w, 10, 20);
    assertEquals(1, p.drainManagerEarlyExits(), "!need_to_create_worker(): return false");
    assertFalse(p.managerActive());
    assertEquals(Next.EXECUTE, end.next(), "manage_workers() returned false: it runs work");
    List<String[]> warns = p.drainWarnings();
    assertEquals("W9", warns.get(0)[0], "no idle worker and no manager left: WQ-6");
  }

  @Test
  void the319ManagerAlwaysManages() {
    PoolLogic p = managerRace(WqEra.V3_19);
    Worker w = p.worker(0);
    assertEquals(Next.MANAGE, p.wokeUp(w, 10, 20).next());
    p.wqWorkerRunning(p.worker(1));
    Decision end = p.managerCheck(w, 10, 20);
    assertEquals(Next.MANAGE, end.next(), "29187a9eeaf3: no early exit");
    assertEquals(0, p.drainManagerEarlyExits());
    assertTrue(p.maydayTimerPending(), "mod_timer(&pool->mayday_timer, MAYDAY_INITIAL_TIMEOUT)");
    assertTrue(p.drainWarnings().isEmpty());
  }

  @Test
  void the318ManagerManagesWhenStillNeeded() {
    PoolLogic p = managerRace(WqEra.V3_18);
    Worker w = p.worker(0);
    p.wokeUp(w, 10, 20);
    assertEquals(Next.MANAGE, p.managerCheck(w, 10, 20).next(), "nr_running still 0");
    assertEquals(0, p.drainManagerEarlyExits());
  }

  @Test
  void the2026ManagerHasNoWindowAndArmsTheMaydayTimerAtOnce() {
    PoolLogic p = managerRace(WqEra.V2026);
    assertEquals(Next.MANAGE, p.wokeUp(p.worker(0), 10, 20).next());
    assertTrue(p.maydayTimerPending());
  }

  @Test
  void putUnboundPoolBecomesTheLastManagerOnlyIfNobodyManages() {
    PoolLogic p = managerRace(WqEra.V2026);
    p.wokeUp(p.worker(0), 10, 20); // worker 0 manages
    assertFalse(p.becomeLastManager(), "wait on manager_wait");
    p.createWorker(11, 0);
    p.managerDone(p.worker(0), 11, 21);
    p.drainWarnings();
    assertTrue(p.becomeLastManager());
    assertTrue(p.managerActive(), "the pool is freed with the flag set");
  }

  @Test
  void timerDeleteSyncStopsTheTimers() {
    PoolLogic p = PoolLogicTest.poolWithIdle(KickVariant.ORIGINAL, true, 3);
    assertTrue(p.idleTimerPending());
    p.timerDeleteIdle();
    assertFalse(p.idleTimerPending());
    PoolLogic m = managerRace(WqEra.V2026);
    m.wokeUp(m.worker(0), 10, 20);
    assertTrue(m.maydayTimerPending());
    m.timerDeleteMayday();
    assertFalse(m.maydayTimerPending());
  }

  @Test
  void aRescuerIsInTheBusyHashButNotAWorkerOfThePool() {
    PoolLogic p = PoolLogicTest.poolWithIdle(KickVariant.ORIGINAL, true, 3);
    Worker r = p.attachRescuer(99);
    assertTrue(r.has(WorkerFlag.PREP), "PREP is never cleared: not in nr_running");
    p.insertWork(item(1));
    assertTrue(p.assignWork(item(1), r));
    Decision d = p.processOneWork(r, p.scheduledHead(r), 10);
    assertEquals(1, d.item().id());
    assertSame(r, p.findWorkerExecutingWork(item(1)), "non-reentrancy sees the rescuer");
    assertEquals(3, p.nrWorkers());
    p.releaseWork(r, 1);
    p.detachRescuer(r);
    assertNull(p.findWorkerExecutingWork(item(1)));
    PoolLogicTest.assertClean(p);
  }

  @Test
  void removeFromWorklistIsTryToGrabPending() {
    PoolLogic p = PoolLogicTest.poolWithIdle(KickVariant.ORIGINAL, true, 1);
    p.insertWork(item(1));
    assertTrue(p.removeFromWorklist(item(1)));
    assertFalse(p.removeFromWorklist(item(1)));
    assertEquals(0, p.worklistLength());
  }
}
